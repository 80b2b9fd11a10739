package io.perfmetrics.sizing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The arithmetic of sizing a host's disks: per disk, what it must hold (used space x headroom,
 * grown to the planning horizon, or the size it has now) and do (read plus write IOPS and MB/s,
 * each its percentile, x headroom), and the cheapest disk offering of the region that does it. No
 * I/O.
 */
public final class StorageSizer {
  static final double GIB = 1024.0 * 1024 * 1024;

  /** Escaped ids of stacked block devices: dm-N (LVM, dm-crypt, multipath) and mdN (RAID). */
  static final java.util.regex.Pattern STACKED =
      java.util.regex.Pattern.compile("dm_2d[0-9]+|md[0-9]+");

  private StorageSizer() {}

  /**
   * A host's storage: its lines, the I/O its instance type must carry (the sum over its disks), the
   * monthly price (null when a disk has none), and notes for the report.
   */
  public record Storage(
      List<StorageLine> lines,
      double iopsNeeded,
      double mbpsNeeded,
      boolean iopsMeasured,
      Double monthly,
      List<String> notes) {}

  /** An offering priced for a need: what is billed and delivered. */
  record Fit(
      DiskOffering offering,
      double sizeGib,
      double iops,
      double mbps,
      double monthly,
      String price) {}

  /**
   * What a host's disks must hold and do, and the notes on how that was found: the same whatever
   * the provider, region or instance type, so it is worked out once and priced for each.
   */
  record Needs(List<Need> needs, List<String> notes) {}

  /**
   * Sizes a host's disks in a provider's region.
   *
   * @param provider null when the host has no target: demand only, no offering
   */
  public static Storage size(
      Host host, Usage usage, SizingQuery q, Catalog catalog, String provider, String region) {
    return price(needs(host, usage, q), catalog, provider, region, null);
  }

  /** A host's disk needs, before any offering is chosen. */
  static Needs needs(Host host, Usage usage, SizingQuery q) {
    List<String> notes = new ArrayList<>();
    double horizonDays = q.horizonMonths() * Trend.DAYS_PER_MONTH;
    List<Need> needs =
        usage.devices().isEmpty()
            ? totals(usage, q, horizonDays, notes)
            : perDisk(host, usage, q, horizonDays, notes);
    return new Needs(List.copyOf(needs), List.copyOf(notes));
  }

  /**
   * Prices a host's needs in a provider's region, on the offerings instance type {@code type} can
   * attach (null: every offering of the region).
   *
   * @param provider null when the host has no target: demand only, no offering
   */
  static Storage price(Needs sized, Catalog catalog, String provider, String region, String type) {
    List<String> notes = new ArrayList<>(sized.notes());
    List<Need> needs = sized.needs();
    List<DiskOffering> inRegion =
        provider == null || region == null ? List.of() : catalog.disks().in(provider, region);
    List<DiskOffering> offerings = new ArrayList<>();
    TreeSet<String> attached = new TreeSet<>();
    for (DiskOffering o : inRegion) {
      if (o.attaches(type)) {
        offerings.add(o);
        attached.add(o.offering());
      }
    }
    if (needs.isEmpty()) {
      return new Storage(List.of(), 0, 0, false, null, notes);
    }
    if (offerings.isEmpty() && !inRegion.isEmpty()) {
      notes.add(
          "storage not priced: no disk offering the catalog has for "
              + provider
              + " "
              + region
              + " attaches to "
              + type);
    } else if (offerings.size() < inRegion.size()) {
      // a machine series that attaches only some disk types (GCP N4: Hyperdisk only; E2: no
      // Hyperdisk): the others are no choice for it
      notes.add(
          "disks priced on the offerings " + type + " can attach: " + String.join(", ", attached));
    }
    if (provider != null && region != null && inRegion.isEmpty()) {
      notes.add(
          "storage not priced: the disk catalog has no offerings for "
              + provider
              + " "
              + region
              + " (it has "
              + String.join(", ", regions(catalog))
              + ")");
    }
    List<StorageLine> lines = new ArrayList<>();
    double iops = 0;
    double mbps = 0;
    boolean iopsMeasured = true;
    double monthly = 0;
    boolean priced = !offerings.isEmpty();
    for (Need n : needs) {
      if (n.iopsNeeded() != null) {
        iops += n.iopsNeeded();
      } else {
        iopsMeasured = false;
      }
      if (n.mbpsNeeded() != null) {
        mbps += n.mbpsNeeded();
      }
      StorageLine line;
      if (offerings.isEmpty()) {
        line = n.line(null, null);
        priced = false;
      } else {
        Choice c = choose(offerings, n.neededGib(), orZero(n.iopsNeeded()), orZero(n.mbpsNeeded()));
        line = n.line(c.fit(), c.reason());
        if (c.fit() == null) {
          priced = false;
          notes.add("disk " + n.label() + ": " + c.reason());
        } else {
          monthly += c.fit().monthly();
        }
      }
      lines.add(line);
    }
    return new Storage(
        lines,
        round(iops, 1),
        round(mbps, 3),
        iopsMeasured,
        priced ? Sizer.round2(monthly) : null,
        notes);
  }

  /** What one line must hold and do, before an offering is chosen. */
  record Need(
      String disk,
      String name,
      String source,
      List<String> volumes,
      Double usedGib,
      Double usedGibProjected,
      Double provisionedGib,
      String sizedOn,
      double neededGib,
      Double iopsNeeded,
      Double mbpsNeeded,
      List<Trend> trends) {

    String label() {
      return name != null ? name : disk;
    }

    StorageLine line(Fit f, String reason) {
      return new StorageLine(
          disk,
          name,
          source,
          volumes,
          r3(usedGib),
          r3(usedGibProjected),
          r3(provisionedGib),
          sizedOn,
          round(neededGib, 3),
          iopsNeeded == null ? null : round(iopsNeeded, 1),
          mbpsNeeded == null ? null : round(mbpsNeeded, 3),
          f == null ? null : f.offering().name(),
          f == null ? null : f.sizeGib(),
          f == null ? null : f.iops(),
          f == null ? null : round(f.mbps(), 3),
          f == null ? null : f.monthly(),
          f == null ? null : f.price(),
          reason,
          trends.isEmpty() ? null : trends);
    }
  }

  /** Old collectors: every file system and every disk as one line, IOPS unknown. */
  private static List<Need> totals(
      Usage usage, SizingQuery q, double horizonDays, List<String> notes) {
    Histogram used = usage.get(SizingMetric.FS_USED);
    Histogram cap = usage.get(SizingMetric.FS_CAPACITY);
    Histogram read = usage.get(SizingMetric.DISK_READ);
    Histogram write = usage.get(SizingMetric.DISK_WRITE);
    if (used == null && cap == null && read == null && write == null) {
      return List.of();
    }
    notes.add(
        "no per-disk data (the collector predates per-disk metrics): storage sized from the"
            + " totals as one disk, IOPS not measured");
    Double usedB = used == null ? null : used.percentile(q.percentile());
    List<Trend> trends = new ArrayList<>();
    Double grownB = null;
    double[] daily = usage.daily().get(SizingMetric.FS_USED);
    if (daily != null) {
      Trend t = Trend.of(SizingMetric.FS_USED, daily, horizonDays);
      trends.add(t);
      grownB = grown(usedB, t);
    }
    Double capB = cap == null ? null : cap.max();
    Double mbps = null;
    if (read != null || write != null) {
      mbps =
          ((read == null ? 0 : read.percentile(q.percentile()))
                  + (write == null ? 0 : write.percentile(q.percentile())))
              / 1e6
              * q.headroom();
    }
    Need n =
        need(
            "all",
            "all disks (totals)",
            StorageLine.TOTALS,
            List.of(),
            usedB,
            grownB,
            capB,
            null,
            mbps,
            trends,
            q,
            notes);
    return List.of(n);
  }

  private static Need need(
      String disk,
      String name,
      String source,
      List<String> volumes,
      Double usedB,
      Double grownB,
      Double provisionedB,
      Double iops,
      Double mbps,
      List<Trend> trends,
      SizingQuery q,
      List<String> notes) {
    String sizedOn;
    double neededGib;
    String label = name != null ? name : disk;
    if (q.sizeOnProvisioned() && provisionedB != null) {
      sizedOn = SizingQuery.SIZE_PROVISIONED;
      neededGib = provisionedB / GIB;
    } else if (usedB != null) {
      sizedOn = SizingQuery.SIZE_USED;
      neededGib = (grownB != null ? grownB : usedB) / GIB * q.headroom();
      if (q.sizeOnProvisioned()) {
        notes.add("disk " + label + ": size unknown, sized on its used space");
      }
    } else if (provisionedB != null) {
      sizedOn = SizingQuery.SIZE_PROVISIONED;
      neededGib = provisionedB / GIB;
      notes.add("disk " + label + ": no used-space samples of its volumes, sized on its size");
    } else {
      sizedOn = null;
      neededGib = 0;
      notes.add("disk " + label + ": neither used space nor size known, sized for its I/O only");
    }
    return new Need(
        disk,
        name,
        source,
        volumes,
        usedB == null ? null : usedB / GIB,
        grownB == null ? null : grownB / GIB,
        provisionedB == null ? null : provisionedB / GIB,
        sizedOn,
        neededGib,
        iops,
        mbps,
        trends);
  }

  /** New collectors: one line per disk with the volumes on it, one per volume on no known disk. */
  private static List<Need> perDisk(
      Host host, Usage usage, SizingQuery q, double horizonDays, List<String> notes) {
    DeviceUsage d = usage.devices();
    Map<String, Host.Disk> disks = new TreeMap<>();
    for (Host.Disk k : host.disks()) {
      disks.put(k.id(), k);
    }
    TreeSet<String> diskIds = new TreeSet<>(disks.keySet());
    TreeSet<String> volumeIds = new TreeSet<>();
    for (DeviceMetric m : d.hists().keySet()) {
      (m.disk() ? diskIds : volumeIds).add(m.id());
    }
    Map<String, Host.Volume> volumes = new TreeMap<>();
    for (Host.Volume v : host.volumes()) {
      volumes.put(v.id(), v);
      volumeIds.add(v.id());
    }
    // device-mapper (LVM, dm-crypt) and md RAID devices sit on the disks: their I/O is the
    // disks' I/O again, so they are no line of their own; their volumes go to the one disk there
    // is, else on a line of their own
    List<String> stacked = new ArrayList<>();
    for (String id : diskIds) {
      if (STACKED.matcher(id).matches()) {
        stacked.add(id);
      }
    }
    diskIds.removeAll(stacked);
    // disk id -> its volume ids; volumes on no known disk under their own key
    Map<String, List<String>> onDisk = new LinkedHashMap<>();
    for (String id : diskIds) {
      onDisk.put(id, new ArrayList<>());
    }
    List<String> loose = new ArrayList<>();
    for (String v : volumeIds) {
      Host.Volume hv = volumes.get(v);
      String on = hv == null ? null : hv.disk();
      if (on != null && stacked.contains(on) && onDisk.size() == 1) {
        on = onDisk.keySet().iterator().next();
      }
      if (on != null && onDisk.containsKey(on)) {
        onDisk.get(on).add(v);
      } else {
        loose.add(v);
      }
    }
    if (!stacked.isEmpty()) {
      List<String> names = new ArrayList<>();
      for (String id : stacked) {
        Host.Disk hd = disks.get(id);
        names.add(hd != null && hd.name() != null ? hd.name() : id);
      }
      notes.add(
          String.join(", ", names)
              + (stacked.size() == 1
                  ? " is a device-mapper or RAID device"
                  : " are device-mapper or RAID devices")
              + " on the disks: "
              + (stacked.size() == 1 ? "its" : "their")
              + " I/O is counted on the disks beneath, not again");
    }
    List<Need> out = new ArrayList<>();
    for (var e : onDisk.entrySet()) {
      String id = e.getKey();
      Host.Disk hd = disks.get(id);
      Double iops = null;
      Histogram ro = d.get(true, id, DeviceMetric.Field.READ_OPS);
      Histogram wo = d.get(true, id, DeviceMetric.Field.WRITE_OPS);
      if (ro != null || wo != null) {
        iops = (p(ro, q) + p(wo, q)) * q.headroom();
      }
      Double mbps = null;
      Histogram rb = d.get(true, id, DeviceMetric.Field.READ_BYTES);
      Histogram wb = d.get(true, id, DeviceMetric.Field.WRITE_BYTES);
      if (rb != null || wb != null) {
        mbps = (p(rb, q) + p(wb, q)) / 1e6 * q.headroom();
      }
      Space s = space(e.getValue(), volumes, d, q, horizonDays);
      Double provisioned =
          hd != null && hd.sizeBytes() != null ? Double.valueOf(hd.sizeBytes()) : s.capacity();
      out.add(
          need(
              id,
              hd == null ? null : hd.name(),
              StorageLine.PER_DISK,
              s.mounts(),
              s.used(),
              s.grown(),
              provisioned,
              iops == null ? 0.0 : iops,
              mbps == null ? 0.0 : mbps,
              s.trends(),
              q,
              notes));
    }
    for (String v : loose) {
      Space s = space(List.of(v), volumes, d, q, horizonDays);
      out.add(
          need(
              "volume:" + v,
              s.mounts().get(0),
              StorageLine.PER_DISK,
              s.mounts(),
              s.used(),
              s.grown(),
              s.capacity(),
              0.0,
              0.0,
              s.trends(),
              q,
              notes));
      notes.add(
          "volume "
              + s.mounts().get(0)
              + " is on no disk the collector measures: sized for its space, its I/O counted on no"
              + " disk");
    }
    return out;
  }

  private record Space(
      List<String> mounts, Double used, Double grown, Double capacity, List<Trend> trends) {}

  /** Used space of some volumes: the sum of their percentiles, each grown by its own trend. */
  private static Space space(
      List<String> ids,
      Map<String, Host.Volume> hello,
      DeviceUsage d,
      SizingQuery q,
      double horizonDays) {
    List<String> mounts = new ArrayList<>();
    List<Trend> trends = new ArrayList<>();
    Double used = null;
    Double capacity = null;
    double growth = 0;
    for (String v : ids) {
      Host.Volume hv = hello.get(v);
      mounts.add(hv != null && hv.mount() != null ? hv.mount() : v);
      Histogram u = d.get(false, v, DeviceMetric.Field.USED);
      if (u != null) {
        double today = u.percentile(q.percentile());
        used = (used == null ? 0 : used) + today;
        double[] daily = d.usedDaily().get(v);
        if (daily != null) {
          Trend t =
              Trend.of(
                  new DeviceMetric(false, v, DeviceMetric.Field.USED).metricName(),
                  daily,
                  horizonDays);
          trends.add(t);
          Double g = grown(today, t);
          if (g != null) {
            growth += g - today;
          }
        }
      }
      Histogram c = d.get(false, v, DeviceMetric.Field.CAPACITY);
      Double cap = null;
      if (c != null) {
        cap = c.max();
      } else if (hv != null && hv.capacityBytes() != null) {
        cap = (double) hv.capacityBytes();
      }
      if (cap != null) {
        capacity = (capacity == null ? 0 : capacity) + cap;
      }
    }
    return new Space(
        mounts, used, used != null && growth > 0 ? used + growth : null, capacity, trends);
  }

  /** Today's figure plus a projected trend's growth; null when there is none to add. */
  static Double grown(Double today, Trend t) {
    if (today == null || t == null || t.projected() == null || t.level() == null) {
      return null;
    }
    double growth = t.projected() - t.level();
    return growth > 0 ? today + growth : null;
  }

  private record Choice(Fit fit, String reason) {}

  /** The cheapest offering that fits, or none and why not (per disk type, its biggest). */
  static Choice choose(List<DiskOffering> offerings, double gib, double iops, double mbps) {
    List<Fit> fits = new ArrayList<>();
    Map<String, String> why = new LinkedHashMap<>();
    for (DiskOffering o : offerings) {
      Object r = fit(o, gib, iops, mbps);
      if (r instanceof Fit f) {
        fits.add(f);
      } else {
        // tiers come smallest first: the last word on a disk type is its biggest tier's
        why.put(o.offering(), o.name() + ": " + r);
      }
    }
    String need =
        String.format(
            Locale.ROOT, "%s GiB, %s IOPS, %s MB/s needed", num(gib), num(iops), num(mbps));
    if (fits.isEmpty()) {
      return new Choice(
          null, "no disk offering fits " + need + " (" + String.join("; ", why.values()) + ")");
    }
    fits.sort(
        Comparator.comparingDouble(Fit::monthly)
            .thenComparingDouble(Fit::sizeGib)
            .thenComparing(f -> f.offering().name()));
    Fit best = fits.get(0);
    StringBuilder reason =
        new StringBuilder("cheapest of ")
            .append(fits.size())
            .append(" offering(s) that fit ")
            .append(need);
    if (fits.size() > 1) {
      Fit next = fits.get(1);
      reason.append(
          String.format(
              Locale.ROOT,
              "; next: %s at %.2f USD a month",
              next.offering().name(),
              next.monthly()));
    }
    return new Choice(best, reason.toString());
  }

  /**
   * The offering sized and priced for a need, or why it cannot take it (a String). Sizes are whole
   * GiB; provisioned IOPS and MB/s whole units.
   */
  static Object fit(DiskOffering o, double gib, double iops, double mbps) {
    List<String> why = new ArrayList<>();
    if (o.isTier()) {
      if (gib > o.maxGib()) {
        why.add(num(gib) + " GiB > " + num(o.maxGib()) + " GiB");
      }
      if (iops > o.iops()) {
        why.add(num(iops) + " IOPS > " + num(o.iops()));
      }
      if (mbps > o.mbps()) {
        why.add(num(mbps) + " MB/s > " + num(o.mbps()));
      }
      if (!why.isEmpty()) {
        return String.join(", ", why);
      }
      return new Fit(
          o,
          o.maxGib(),
          o.iops(),
          o.mbps(),
          o.tierMonth(),
          String.format(
              Locale.ROOT,
              "tier %s: %s GiB, %s IOPS, %s MB/s for %.2f a month",
              o.tier(),
              num(o.maxGib()),
              num(o.iops()),
              num(o.mbps()),
              o.tierMonth()));
    }
    if (gib > o.maxGib()) {
      why.add(num(gib) + " GiB > " + num(o.maxGib()) + " GiB max");
    }
    if (iops > o.maxIops()) {
      why.add(num(iops) + " IOPS > " + num(o.maxIops()) + " max");
    }
    if (mbps > o.maxMbps()) {
      why.add(num(mbps) + " MB/s > " + num(o.maxMbps()) + " max");
    }
    if (!why.isEmpty()) {
      return String.join(", ", why);
    }
    double size = Math.max(ceil(gib), o.minGib());
    double provIops = 0;
    if (o.provisionsIops()) {
      provIops = Math.max(ceil(iops), o.iops());
    } else if (iops > o.iops() + o.iopsPerGib() * size) {
      if (o.iopsPerGib() <= 0) {
        return num(iops) + " IOPS > " + num(o.iops());
      }
      // performance that comes with size: a bigger disk
      size = Math.max(size, ceil((iops - o.iops()) / o.iopsPerGib()));
    }
    double provMbps = 0;
    if (o.provisionsMbps()) {
      provMbps = Math.max(ceil(mbps), o.mbps());
    } else if (mbps > naturalMbps(o, size, provIops)) {
      if (o.mbpsPerGib() > 0) {
        size =
            Math.max(size, ceil((mbps - o.mbps() - o.mbpsPerIops() * provIops) / o.mbpsPerGib()));
      } else if (o.mbpsPerIops() > 0 && o.provisionsIops()) {
        // io2: throughput comes with provisioned IOPS
        provIops = Math.max(provIops, ceil((mbps - o.mbps()) / o.mbpsPerIops()));
      } else {
        return num(mbps) + " MB/s > " + num(naturalMbps(o, size, provIops));
      }
    }
    if (o.provisionsIops() && o.maxIopsPerGib() != null && o.maxIopsPerGib() > 0) {
      size = Math.max(size, ceil(provIops / o.maxIopsPerGib()));
    }
    if (provIops > o.maxIops()) {
      return num(provIops) + " IOPS to provision > " + num(o.maxIops()) + " max";
    }
    if (size > o.maxGib()) {
      return num(size) + " GiB for its IOPS and MB/s > " + num(o.maxGib()) + " GiB max";
    }
    double deliveredIops =
        o.provisionsIops() ? provIops : Math.min(o.maxIops(), o.iops() + o.iopsPerGib() * size);
    double deliveredMbps = o.provisionsMbps() ? provMbps : naturalMbps(o, size, provIops);
    double capacity = size * o.gibMonth();
    StringBuilder price =
        new StringBuilder(
            String.format(
                Locale.ROOT, "%s GiB x %s = %.2f", num(size), rate(o.gibMonth()), capacity));
    double total = capacity;
    if (o.provisionsIops()) {
      double included = o.iopsIncluded() == null ? 0 : o.iopsIncluded();
      double extra = Math.max(0, provIops - included);
      if (extra > 0) {
        double cost = extra * o.iopsMonth();
        total += cost;
        price.append(
            String.format(
                Locale.ROOT,
                " + %s IOPS above %s x %s = %.2f",
                num(extra),
                num(included),
                rate(o.iopsMonth()),
                cost));
      }
    }
    if (o.provisionsMbps()) {
      double extra = Math.max(0, provMbps - (o.mbpsIncluded() == null ? 0 : o.mbpsIncluded()));
      if (extra > 0) {
        double cost = extra * o.mbpsMonth();
        total += cost;
        price.append(
            String.format(
                Locale.ROOT,
                " + %s MB/s above %s x %s = %.2f",
                num(extra),
                num(o.mbpsIncluded() == null ? 0 : o.mbpsIncluded()),
                rate(o.mbpsMonth()),
                cost));
      }
    }
    return new Fit(o, size, deliveredIops, deliveredMbps, Sizer.round2(total), price.toString());
  }

  private static double naturalMbps(DiskOffering o, double size, double provIops) {
    return Math.min(o.maxMbps(), o.mbps() + o.mbpsPerGib() * size + o.mbpsPerIops() * provIops);
  }

  private static List<String> regions(Catalog catalog) {
    TreeSet<String> out = new TreeSet<>();
    for (DiskOffering o : catalog.disks().offerings()) {
      out.add(o.provider() + " " + o.region());
    }
    return out.isEmpty() ? List.of("none") : List.copyOf(out);
  }

  private static double p(Histogram h, SizingQuery q) {
    return h == null ? 0 : h.percentile(q.percentile());
  }

  private static double orZero(Double d) {
    return d == null ? 0 : d;
  }

  /** Whole units, tolerating the last bits of a product (100.00000001 GiB is 100). */
  private static double ceil(double v) {
    return Math.ceil(v - 1e-6);
  }

  private static Double r3(Double v) {
    return v == null ? null : round(v, 3);
  }

  static double round(double v, int digits) {
    double f = Math.pow(10, digits);
    return Math.round(v * f) / f;
  }

  /** 78,000 or 2.60: whole numbers without decimals (the last bits of a product ignored). */
  static String num(double v) {
    if (Math.abs(v - Math.rint(v)) < 1e-6 && Math.abs(v) < 1e15) {
      return String.format(Locale.ROOT, "%,d", (long) Math.rint(v));
    }
    return String.format(Locale.ROOT, "%,.2f", v);
  }

  /** A unit price as the catalog states it: 0.005, 0.08. */
  static String rate(double v) {
    return java.math.BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
  }
}
