package io.perfmetrics.sizing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The disk catalog: disk offerings per (provider, region) and the disk limits of instance types per
 * (provider, type). Both ship in the jar as dated CSV files beside the instance catalog; an
 * operator's instance catalog is combined with them.
 */
public final class DiskCatalog {
  public static final String BUILT_IN_DISKS = "sizing/disks.csv";
  public static final String BUILT_IN_LIMITS = "sizing/instance-disk-limits.csv";

  static final String DISKS_HEADER =
      "provider,region,offering,tier,min_gib,max_gib,gib_month,tier_month,iops,iops_per_gib,max_iops,"
          + "max_iops_per_gib,iops_included,iops_month,mbps,mbps_per_gib,mbps_per_iops,max_mbps,"
          + "mbps_included,mbps_month";

  /**
   * The header with the series column (which machine series attach the disk); files without it
   * (operators' and tests' own) offer every disk to every type.
   */
  static final String DISKS_HEADER_WITH_SERIES = DISKS_HEADER + ",series";

  static final String LIMITS_HEADER = "provider,type,iops,mbps,burst_iops,burst_mbps";

  /** No offerings, no limits: what a catalog has when no disk catalog is attached. */
  public static final DiskCatalog EMPTY = new DiskCatalog(List.of(), List.of());

  private final List<DiskOffering> offerings;
  private final Map<String, List<DiskOffering>> byRegion = new HashMap<>();
  private final Map<String, DiskLimit> limits = new HashMap<>();

  DiskCatalog(List<DiskOffering> offerings, List<DiskLimit> limits) {
    this.offerings = List.copyOf(offerings);
    for (DiskOffering o : offerings) {
      byRegion.computeIfAbsent(o.provider() + "/" + o.region(), k -> new ArrayList<>()).add(o);
    }
    for (DiskLimit l : limits) {
      this.limits.put(l.provider() + "/" + l.type(), l);
    }
  }

  public static DiskCatalog builtIn() {
    try (InputStream d = resource(BUILT_IN_DISKS);
        InputStream l = resource(BUILT_IN_LIMITS)) {
      return parse(
          new InputStreamReader(d, StandardCharsets.UTF_8),
          "built-in " + BUILT_IN_DISKS,
          new InputStreamReader(l, StandardCharsets.UTF_8),
          "built-in " + BUILT_IN_LIMITS);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static InputStream resource(String name) {
    InputStream in = DiskCatalog.class.getClassLoader().getResourceAsStream(name);
    if (in == null) {
      throw new IllegalStateException(name + " is missing from the jar");
    }
    return in;
  }

  /**
   * Reads both files: {@code #} lines are comments, then the header, then one row per line.
   *
   * @throws IllegalArgumentException naming the file, the line and what is wrong
   */
  public static DiskCatalog parse(
      Reader disks, String disksSource, Reader limits, String limitsSource) throws IOException {
    List<DiskOffering> offerings = new ArrayList<>();
    for (Row row : rows(disks, disksSource, DISKS_HEADER, DISKS_HEADER_WITH_SERIES)) {
      String[] f = row.fields();
      try {
        DiskOffering o =
            new DiskOffering(
                f[0].trim(),
                f[1].trim(),
                f[2].trim(),
                f[3].isBlank() ? null : f[3].trim(),
                number(f[4]),
                number(f[5]),
                optional(f[6]),
                optional(f[7]),
                number(f[8]),
                number(f[9]),
                number(f[10]),
                optional(f[11]),
                optional(f[12]),
                optional(f[13]),
                number(f[14]),
                number(f[15]),
                number(f[16]),
                number(f[17]),
                optional(f[18]),
                optional(f[19]),
                f.length > 20 ? series(f[20]) : List.of());
        if (o.isTier() == (o.gibMonth() != null)) {
          throw new IllegalArgumentException(
              disksSource
                  + " line "
                  + row.no()
                  + ": give either gib_month (a disk priced per GiB) or tier_month (a fixed tier)");
        }
        if (o.maxGib() <= 0 || o.minGib() > o.maxGib()) {
          throw new IllegalArgumentException(
              disksSource + " line " + row.no() + ": min_gib must be <= max_gib and max_gib > 0");
        }
        offerings.add(o);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            disksSource + " line " + row.no() + ": not a number (" + e.getMessage() + ")");
      }
    }
    List<DiskLimit> out = new ArrayList<>();
    for (Row row : rows(limits, limitsSource, LIMITS_HEADER)) {
      String[] f = row.fields();
      try {
        out.add(
            new DiskLimit(
                f[0].trim(),
                f[1].trim(),
                number(f[2]),
                number(f[3]),
                optional(f[4]),
                optional(f[5])));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            limitsSource + " line " + row.no() + ": not a number (" + e.getMessage() + ")");
      }
    }
    return new DiskCatalog(offerings, out);
  }

  private static final class Row {
    private final int no;
    private final String[] fields;

    Row(int no, String[] fields) {
      this.no = no;
      this.fields = fields;
    }

    int no() {
      return no;
    }

    String[] fields() {
      return fields;
    }
  }

  private static List<Row> rows(Reader in, String source, String... headers) throws IOException {
    BufferedReader r = new BufferedReader(in);
    List<Row> out = new ArrayList<>();
    String header = headers[headers.length - 1];
    int columns = 0;
    boolean seen = false;
    String line;
    int no = 0;
    while ((line = r.readLine()) != null) {
      no++;
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      if (!seen) {
        for (String h : headers) {
          if (line.trim().equals(h)) {
            columns = h.split(",", -1).length;
          }
        }
        if (columns == 0) {
          throw new IllegalArgumentException(
              source + " line " + no + ": expected the header " + header);
        }
        seen = true;
        continue;
      }
      String[] f = line.split(",", -1);
      if (f.length != columns) {
        throw new IllegalArgumentException(
            source + " line " + no + ": expected " + columns + " fields, got " + f.length);
      }
      out.add(new Row(no, f));
    }
    if (!seen) {
      throw new IllegalArgumentException(source + ": no header " + header);
    }
    return out;
  }

  private static double number(String s) {
    double v = Double.parseDouble(s.trim());
    if (!(v >= 0) || Double.isInfinite(v)) {
      throw new NumberFormatException("must be a finite number >= 0, got " + s.trim());
    }
    return v;
  }

  private static Double optional(String s) {
    return s.isBlank() ? null : number(s);
  }

  /** Space-separated machine series; empty: every type. */
  private static List<String> series(String s) {
    return s.isBlank() ? List.of() : List.of(s.trim().split(" +"));
  }

  public List<DiskOffering> offerings() {
    return offerings;
  }

  public List<DiskOffering> in(String provider, String region) {
    return byRegion.getOrDefault(provider + "/" + region, List.of());
  }

  /** The type's disk limit, or null when none is published in the catalog. */
  public DiskLimit limit(String provider, String type) {
    return limits.get(provider + "/" + type);
  }
}
