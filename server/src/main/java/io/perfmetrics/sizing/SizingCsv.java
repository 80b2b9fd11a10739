package io.perfmetrics.sizing;

import io.perfmetrics.http.CsvCell;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** CSV exports (RFC 4180, header line first) of the reports. */
public final class SizingCsv {
  static final String HOST_COLUMNS =
      "host_id,hostname,status,provider,region,os,pricing,current_type,current_monthly,recommended_type,"
          + "recommended_monthly,monthly_savings,vcpu_needed,memory_needed_gib,network_needed_gbps,"
          + "disk_read_bytes_per_s,disk_write_bytes_per_s,confidence,samples_share,days_covered,notes,"
          + "other_arch_type,other_arch_monthly,storage_monthly,total_monthly,disk_iops_needed,"
          + "disk_mbps_needed,storage";

  static final String STORAGE_COLUMNS =
      "disk,name,source,volumes,used_gib,used_gib_projected,provisioned_gib,sized_on,needed_gib,"
          + "iops_needed,mbps_needed,offering,size_gib,iops,mbps,monthly,price,reason";

  private SizingCsv() {}

  public static String fleet(FleetReport r) {
    StringBuilder sb = new StringBuilder(HOST_COLUMNS).append('\n');
    for (HostSizing h : r.hosts()) {
      hostRow(sb, h);
    }
    return sb.toString();
  }

  /** The host's row, then its candidates and the rejected types, one per line. */
  public static String host(HostSizing h) {
    StringBuilder sb = new StringBuilder(HOST_COLUMNS).append('\n');
    hostRow(sb, h);
    sb.append('\n')
        .append(
            "rank,type,family,vcpu,memory_gib,arch,network_class,hourly,monthly,fits,chosen,reason\n");
    int rank = 1;
    for (Candidate c : h.candidates() == null ? List.<Candidate>of() : h.candidates()) {
      candidateRow(sb, String.valueOf(rank++), c);
    }
    for (Candidate c : h.rejected() == null ? List.<Candidate>of() : h.rejected()) {
      candidateRow(sb, "rejected", c);
    }
    if (h.otherArch() != null) {
      candidateRow(sb, "other_arch", h.otherArch());
    }
    sb.append('\n').append(STORAGE_COLUMNS).append('\n');
    for (StorageLine l : h.storage() == null ? List.<StorageLine>of() : h.storage()) {
      row(
          sb,
          l.disk(),
          l.name(),
          l.source(),
          String.join(" ", l.volumes()),
          l.usedGib(),
          l.usedGibProjected(),
          l.provisionedGib(),
          l.sizedOn(),
          l.neededGib(),
          l.iopsNeeded(),
          l.mbpsNeeded(),
          l.offering(),
          l.sizeGib(),
          l.iops(),
          l.mbps(),
          l.monthly(),
          l.price(),
          l.reason());
    }
    return sb.toString();
  }

  private static void hostRow(StringBuilder sb, HostSizing h) {
    Demand d = h.demand();
    Confidence c = h.confidence();
    row(
        sb,
        h.hostId(),
        h.hostname(),
        h.status(),
        h.provider(),
        h.region(),
        h.os(),
        h.pricing(),
        h.currentType(),
        h.current() == null ? null : h.current().monthly(),
        h.recommended() == null ? null : h.recommended().type(),
        h.recommended() == null ? null : h.recommended().monthly(),
        h.monthlySavings(),
        d == null ? null : d.vcpuNeeded(),
        d == null ? null : d.memoryNeededGib(),
        d == null ? null : d.networkNeededGbps(),
        d == null ? null : d.diskReadBytesPerS(),
        d == null ? null : d.diskWriteBytesPerS(),
        c == null ? null : c.rating(),
        c == null ? null : c.share(),
        c == null ? null : c.daysCovered(),
        h.notes() == null ? null : String.join("; ", h.notes()),
        h.otherArch() == null ? null : h.otherArch().type(),
        h.otherArch() == null ? null : h.otherArch().monthly(),
        h.storageMonthly(),
        h.totalMonthly(),
        d == null ? null : d.diskIopsNeeded(),
        d == null ? null : d.diskMbpsNeeded(),
        storageCell(h.storage()));
  }

  /** Every disk of the host in one cell: {@code sda: gp3 120 GiB 12.50; sdb: ...}. */
  private static String storageCell(List<StorageLine> lines) {
    if (lines == null || lines.isEmpty()) {
      return null;
    }
    List<String> parts = new ArrayList<>();
    for (StorageLine l : lines) {
      parts.add(
          l.disk()
              + ": "
              + (l.offering() == null
                  ? "no offering"
                  : l.offering()
                      + " "
                      + cell(l.sizeGib())
                      + " GiB "
                      + String.format(Locale.ROOT, "%.2f", l.monthly())));
    }
    return String.join("; ", parts);
  }

  private static void candidateRow(StringBuilder sb, String rank, Candidate c) {
    row(
        sb,
        rank,
        c.type(),
        c.family(),
        c.vcpu(),
        c.memoryGib(),
        c.arch(),
        c.networkClass(),
        c.hourly(),
        c.monthly(),
        c.fits(),
        c.chosen(),
        c.reason());
  }

  private static void row(StringBuilder sb, Object... cells) {
    for (int i = 0; i < cells.length; i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append(cell(cells[i]));
    }
    sb.append('\n');
  }

  static String cell(Object v) {
    if (v == null) {
      return "";
    }
    String s;
    if (v instanceof Double d) {
      s =
          d == Math.rint(d) && Math.abs(d) < 1e15
              ? String.valueOf(d.longValue())
              : String.format(Locale.ROOT, "%.4f", d).replaceAll("0+$", "").replaceAll("\\.$", "");
    } else if (v instanceof String text) {
      // host names and instance types come from collectors: no formula reaches a spreadsheet
      return CsvCell.cell(text);
    } else {
      s = v.toString();
    }
    if (s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r")) {
      return '"' + s.replace("\"", "\"\"") + '"';
    }
    return s;
  }
}
