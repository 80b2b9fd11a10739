package io.perfmetrics.sizing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The arithmetic of sizing one host: demand, fit, price, savings, confidence. No I/O. */
public final class Sizer {
  /** A month of cost, in hours, as the providers' calculators count it. */
  public static final double HOURS_PER_MONTH = 730;

  private Sizer() {}

  /** The metrics whose trend a report shows, and projects with a planning horizon. */
  static final SizingMetric[] TRENDED = {
    SizingMetric.CPU_BUSY_PCT, SizingMetric.MEM_USED, SizingMetric.FS_USED
  };

  public static HostSizing size(Host host, Usage usage, SizingQuery q, Catalog catalog) {
    Map<SizingMetric, Trend> trends = new EnumMap<>(SizingMetric.class);
    double horizonDays = q.horizonMonths() * Trend.DAYS_PER_MONTH;
    for (SizingMetric m : TRENDED) {
      double[] daily = usage.daily().get(m);
      if (daily != null) {
        trends.put(m, Trend.of(m, daily, horizonDays));
      }
    }
    String provider = q.provider() != null ? q.provider() : host.provider();
    String region = q.region() != null ? q.region() : host.region();
    // the disks' needs are the same whatever the instance type: found once, priced per type
    StorageSizer.Needs needs = StorageSizer.needs(host, usage, q);
    StorageSizer.Storage storage = StorageSizer.price(needs, catalog, provider, region, null);
    HostSizing s =
        size(host, usage, q, catalog, trends, storage).withTrends(List.copyOf(trends.values()));
    if (s.recommended() != null && !storage.lines().isEmpty()) {
      String type = s.recommended().type();
      boolean all = true;
      for (DiskOffering o : catalog.disks().in(provider, region)) {
        all &= o.attaches(type);
      }
      if (!all) {
        // the recommended type attaches only some of the region's disks: price them on those (the
        // demand, and so the type, is the same whatever the disks)
        storage = StorageSizer.price(needs, catalog, provider, region, type);
      }
    }
    List<String> notes = new ArrayList<>(s.notes());
    notes.addAll(storage.notes());
    if (storage.lines().isEmpty()) {
      notes.add("no disk or file system samples: storage not sized");
    }
    return s.withStorage(
        storage.lines().isEmpty() ? null : storage.lines(), storage.monthly(), notes);
  }

  private static HostSizing size(
      Host host,
      Usage usage,
      SizingQuery q,
      Catalog catalog,
      Map<SizingMetric, Trend> trends,
      StorageSizer.Storage storage) {
    List<String> notes = new ArrayList<>();
    String provider = q.provider() != null ? q.provider() : host.provider();
    String region = q.region() != null ? q.region() : host.region();
    OsLicence os = q.os() != null ? q.os() : OsLicence.ofFamily(host.osFamily());

    Histogram cpu = usage.get(SizingMetric.CPU_BUSY_PCT);
    Histogram mem = usage.get(SizingMetric.MEM_USED);
    Confidence confidence =
        Confidence.rate(
            cpu == null ? 0 : cpu.count(),
            usage.expectedSamples(),
            usage.daysCovered(),
            q.lookbackDays(),
            mem != null);
    Demand demand =
        Demand.of(usage, host.cpuCount(), q.percentile(), q.headroom(), q.horizonMonths(), trends);
    if (!storage.lines().isEmpty()) {
      demand =
          demand.withDisk(
              storage.iopsMeasured() ? storage.iopsNeeded() : null, storage.mbpsNeeded());
    }
    if (q.horizonMonths() > 0) {
      for (SizingMetric m : new SizingMetric[] {SizingMetric.CPU_BUSY_PCT, SizingMetric.MEM_USED}) {
        Trend t = trends.get(m);
        if (t == null || t.projected() == null || t.projected() <= t.level()) {
          notes.add(
              m.metricName
                  + ": sized for today's demand, not "
                  + q.horizonMonths()
                  + " months ahead ("
                  + (t == null
                      ? "no daily values"
                      : t.projected() == null ? t.note() : "the trend does not grow")
                  + ")");
        }
      }
    }
    for (SizingMetric m :
        new SizingMetric[] {
          SizingMetric.CPU_BUSY_PCT, SizingMetric.MEM_USED, SizingMetric.NET_RX, SizingMetric.NET_TX
        }) {
      if (usage.get(m) == null) {
        notes.add("no " + m.metricName + " samples in the last " + q.lookbackDays() + " days");
      }
    }
    if (demand.cpuCount() == null) {
      notes.add("CPU count unknown (no hello, no cpu.count samples)");
    }

    Candidate current = null;
    String currentType = host.instanceType();
    if (currentType != null && host.provider() != null) {
      InstanceType t = catalog.find(host.provider(), host.region(), currentType);
      if (t == null) {
        notes.add(
            "current type "
                + currentType
                + " is not in the catalog for "
                + host.provider()
                + " "
                + host.region());
      } else {
        Double h = t.hourly(q.pricing(), os);
        if (h == null) {
          notes.add(
              "current type "
                  + currentType
                  + " has no "
                  + q.pricing().param()
                  + " "
                  + os.param()
                  + " price");
        } else {
          current =
              candidate(
                  t,
                  catalog.disks().limit(t.provider(), t.type()),
                  h,
                  true,
                  false,
                  "the type this host runs as now");
        }
      }
    }

    if (!confidence.sufficient() || demand.vcpuNeeded() == null) {
      notes.add(
          0,
          "too little data to size: "
              + confidence.samplesPresent()
              + " CPU samples (at least "
              + Confidence.MIN_SAMPLES
              + " needed)"
              + (mem == null ? " and no memory samples" : "")
              + (demand.cpuCount() == null ? ", CPU count unknown" : ""));
      return new HostSizing(
          host.id(),
          host.name(),
          HostSizing.INSUFFICIENT,
          provider,
          region,
          os.param(),
          q.pricing().param(),
          currentType,
          current,
          null,
          null,
          demand,
          confidence,
          List.of(),
          List.of(),
          notes,
          null,
          null,
          null,
          null,
          null,
          null);
    }
    if (provider == null || region == null) {
      notes.add(0, "no cloud identity: give provider and region to size it for a cloud");
      return new HostSizing(
          host.id(),
          host.name(),
          HostSizing.NO_TARGET,
          provider,
          region,
          os.param(),
          q.pricing().param(),
          currentType,
          current,
          null,
          null,
          demand,
          confidence,
          List.of(),
          List.of(),
          notes,
          null,
          null,
          null,
          null,
          null,
          null);
    }

    String hostArch = arch(host.arch());
    // the host's own architecture unless the request names one (or "any"): another architecture
    // is a migration of its software, not a resize
    String archLimit =
        q.arch() == null ? hostArch : SizingQuery.ANY_ARCH.equals(q.arch()) ? null : q.arch();
    CreditCheck credits = new CreditCheck(usage, demand, q.headroom());
    List<InstanceType> inRegion = catalog.in(provider, region);
    Scan scan =
        scan(
            inRegion,
            q,
            os,
            demand,
            credits,
            catalog.disks(),
            t -> archLimit == null || archLimit.equals(t.arch()));
    List<Candidate> fitting = scan.fitting();
    List<Candidate> tooSmall = scan.tooSmall();
    int eligible = scan.eligible();
    Comparator<Candidate> cheapest =
        Comparator.comparingDouble(Candidate::hourly)
            .thenComparingInt(Candidate::vcpu)
            .thenComparingDouble(Candidate::memoryGib)
            .thenComparing(Candidate::type);
    fitting.sort(cheapest);
    tooSmall.sort(cheapest);
    Candidate otherArch = null;
    if (q.arch() == null && hostArch != null) {
      otherArch =
          scan(inRegion, q, os, demand, credits, catalog.disks(), t -> !hostArch.equals(t.arch()))
              .fitting()
              .stream()
              .min(cheapest)
              .orElse(null);
    }

    if (fitting.isEmpty()) {
      Candidate largest =
          tooSmall.stream()
              .max(
                  Comparator.comparingDouble(Candidate::vcpu)
                      .thenComparingDouble(Candidate::memoryGib)
                      .thenComparing(cheapest.reversed()))
              .orElseThrow();
      notes.add(
          0,
          "bigger than any allowed type: the largest, "
              + largest.type()
              + ", is "
              + largest.reason());
      return new HostSizing(
          host.id(),
          host.name(),
          HostSizing.NO_FIT,
          provider,
          region,
          os.param(),
          q.pricing().param(),
          currentType,
          current,
          null,
          null,
          demand,
          confidence,
          List.of(largest),
          List.of(),
          notes,
          otherArch == null
              ? null
              : with(
                  otherArch,
                  false,
                  otherArch.arch() + " option: fits, where no " + hostArch + " type does"),
          null,
          null,
          null,
          null,
          null);
    }

    Candidate best = fitting.get(0);
    Candidate chosen =
        with(
            best,
            true,
            "cheapest type that fits: "
                + fitStatement(best, demand)
                + diskStatement(catalog.disks().limit(provider, best.type()), demand)
                + credits.statement(catalog.find(provider, region, best.type())));
    if ((demand.diskIopsNeeded() != null || demand.diskMbpsNeeded() != null)
        && catalog.disks().limit(provider, best.type()) == null) {
      notes.add(
          "disk limit not checked: the catalog has no published disk limit for "
              + provider
              + " "
              + best.type()
              + String.format(
                  Locale.ROOT,
                  " (its disks need %s IOPS and %.3f MB/s)",
                  demand.diskIopsNeeded() == null
                      ? "unmeasured"
                      : String.format(Locale.ROOT, "%.1f", demand.diskIopsNeeded()),
                  demand.diskMbpsNeeded() == null ? 0 : demand.diskMbpsNeeded()));
    }
    List<Candidate> candidates = new ArrayList<>();
    candidates.add(chosen);
    for (int i = 1; i < fitting.size() && candidates.size() < 3; i++) {
      Candidate c = fitting.get(i);
      candidates.add(
          with(
              c,
              false,
              String.format(
                  Locale.ROOT,
                  "fits, but costs %.2f USD more per month",
                  c.monthly() - best.monthly())));
    }
    // the cheaper types that were passed over, nearest first: why not those
    List<Candidate> rejected = new ArrayList<>();
    for (int i = tooSmall.size() - 1; i >= 0 && rejected.size() < 3; i--) {
      Candidate c = tooSmall.get(i);
      if (c.hourly() <= best.hourly()) {
        rejected.add(c);
      }
    }
    // a type on another architecture is a migration, not a resize: say so
    String chosenArch = arch(chosen.arch());
    if (hostArch != null && !hostArch.equals(chosenArch)) {
      notes.add(
          "the recommended "
              + chosen.type()
              + " is "
              + chosen.arch()
              + " and this host runs "
              + hostArch
              + ": its software must run on "
              + chosen.arch());
    }
    Candidate option = null;
    if (otherArch != null && otherArch.monthly() < chosen.monthly()) {
      option =
          with(
              otherArch,
              false,
              String.format(
                  Locale.ROOT,
                  "%s option: saves %.2f USD more per month than %s if this host's software runs"
                      + " on %s (arch=%s sizes for it)",
                  otherArch.arch(),
                  chosen.monthly() - otherArch.monthly(),
                  chosen.type(),
                  otherArch.arch(),
                  otherArch.arch()));
    }
    Double savings = current == null ? null : round2(current.monthly() - chosen.monthly());
    return new HostSizing(
        host.id(),
        host.name(),
        HostSizing.SIZED,
        provider,
        region,
        os.param(),
        q.pricing().param(),
        currentType,
        current,
        chosen,
        savings,
        demand,
        confidence,
        candidates,
        rejected,
        notes,
        option,
        null,
        null,
        null,
        null,
        null);
  }

  /**
   * x86_64 or arm64 as the catalog names them, from what kernels and OSes report; null if unknown.
   */
  static String arch(String reported) {
    if (reported == null) {
      return null;
    }
    return switch (reported.trim().toLowerCase(Locale.ROOT)) {
      case "x86_64", "amd64", "x64", "x86-64" -> "x86_64";
      case "arm64", "aarch64", "armv8", "arm64e" -> "arm64";
      default -> null;
    };
  }

  /** The types of a region a host may take, split into those that fit and those that do not. */
  private record Scan(List<Candidate> fitting, List<Candidate> tooSmall, int eligible) {}

  private static Scan scan(
      List<InstanceType> types,
      SizingQuery q,
      OsLicence os,
      Demand demand,
      CreditCheck credits,
      DiskCatalog disks,
      java.util.function.Predicate<InstanceType> arch) {
    List<Candidate> fitting = new ArrayList<>();
    List<Candidate> tooSmall = new ArrayList<>();
    int eligible = 0;
    for (InstanceType t : types) {
      if (!arch.test(t) || !allowed(t, q)) {
        continue;
      }
      Double hourly = t.hourly(q.pricing(), os);
      if (hourly == null) {
        continue;
      }
      eligible++;
      DiskLimit limit = disks.limit(t.provider(), t.type());
      String shortfall = shortfall(t, demand, limit);
      if (shortfall == null) {
        shortfall = credits.shortfall(t);
      }
      if (shortfall == null) {
        fitting.add(candidate(t, limit, hourly, true, false, null));
      } else {
        tooSmall.add(candidate(t, limit, hourly, false, false, shortfall));
      }
    }
    return new Scan(fitting, tooSmall, eligible);
  }

  static boolean allowed(InstanceType t, SizingQuery q) {
    if (q.families().isEmpty()) {
      return true;
    }
    for (String f : q.families()) {
      if (f.equalsIgnoreCase(t.family()) || f.equalsIgnoreCase(t.category())) {
        return true;
      }
    }
    return false;
  }

  /** Why a type is too small, or null when it fits every known demand. */
  static String shortfall(InstanceType t, Demand d) {
    return shortfall(t, d, null);
  }

  /**
   * As above, with the type's disk limit: it must carry the sum of the host's disks' IOPS and MB/s
   * (null: none published, not checked).
   */
  static String shortfall(InstanceType t, Demand d, DiskLimit limit) {
    List<String> why = new ArrayList<>();
    if (d.vcpuNeeded() != null && t.effectiveVcpu() < d.vcpuNeeded()) {
      why.add(
          String.format(
              Locale.ROOT, "%s vCPU < %.2f needed", num(t.effectiveVcpu()), d.vcpuNeeded()));
    }
    if (d.memoryNeededGib() != null && t.memoryGib() < d.memoryNeededGib()) {
      why.add(
          String.format(
              Locale.ROOT, "%s GiB < %.2f GiB needed", num(t.memoryGib()), d.memoryNeededGib()));
    }
    Double gbps = t.networkGbps();
    if (d.networkNeededGbps() != null && gbps != null && gbps < d.networkNeededGbps()) {
      why.add(
          String.format(
              Locale.ROOT, "%s Gbit/s < %.3f Gbit/s needed", num(gbps), d.networkNeededGbps()));
    }
    if (limit != null && d.diskIopsNeeded() != null && limit.iops() < d.diskIopsNeeded()) {
      why.add(
          String.format(
              Locale.ROOT,
              "disk %s IOPS < %.1f IOPS needed",
              StorageSizer.num(limit.iops()),
              d.diskIopsNeeded()));
    }
    if (limit != null && d.diskMbpsNeeded() != null && limit.mbps() < d.diskMbpsNeeded()) {
      why.add(
          String.format(
              Locale.ROOT,
              "disk %s MB/s < %.3f MB/s needed",
              StorageSizer.num(limit.mbps()),
              d.diskMbpsNeeded()));
    }
    return why.isEmpty() ? null : "too small: " + String.join(", ", why);
  }

  /** The disk part of why a type fits: its limit against the disks' sum, or not checked. */
  static String diskStatement(DiskLimit limit, Demand d) {
    if (d.diskIopsNeeded() == null && d.diskMbpsNeeded() == null) {
      return "";
    }
    if (limit == null) {
      return ", disk limit not checked (none published)";
    }
    StringBuilder sb = new StringBuilder(", disk");
    if (d.diskIopsNeeded() != null) {
      sb.append(
          String.format(
              Locale.ROOT,
              " %s IOPS >= %.1f needed",
              StorageSizer.num(limit.iops()),
              d.diskIopsNeeded()));
    }
    if (d.diskMbpsNeeded() != null) {
      sb.append(d.diskIopsNeeded() != null ? "," : "")
          .append(
              String.format(
                  Locale.ROOT,
                  " %s MB/s >= %.3f needed",
                  StorageSizer.num(limit.mbps()),
                  d.diskMbpsNeeded()));
    }
    return sb.toString();
  }

  static String fitStatement(Candidate c, Demand d) {
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            Locale.ROOT,
            "%d vCPU >= %.2f needed, %s GiB >= %.2f GiB needed",
            c.vcpu(),
            d.vcpuNeeded(),
            num(c.memoryGib()),
            d.memoryNeededGib() == null ? 0 : d.memoryNeededGib()));
    if (d.networkNeededGbps() != null) {
      sb.append(
          String.format(
              Locale.ROOT,
              ", network %s for %.3f Gbit/s needed",
              c.networkClass(),
              d.networkNeededGbps()));
    }
    return sb.toString();
  }

  static Candidate candidate(
      InstanceType t, double hourly, boolean fits, boolean chosen, String reason) {
    return candidate(t, null, hourly, fits, chosen, reason);
  }

  static Candidate candidate(
      InstanceType t, DiskLimit limit, double hourly, boolean fits, boolean chosen, String reason) {
    return new Candidate(
        t.type(),
        t.family(),
        t.category(),
        t.vcpu(),
        t.memoryGib(),
        t.arch(),
        t.networkClass(),
        hourly,
        monthly(hourly),
        fits,
        chosen,
        reason,
        limit == null ? null : limit.iops(),
        limit == null ? null : limit.mbps());
  }

  static Candidate with(Candidate c, boolean chosen, String reason) {
    return new Candidate(
        c.type(),
        c.family(),
        c.category(),
        c.vcpu(),
        c.memoryGib(),
        c.arch(),
        c.networkClass(),
        c.hourly(),
        c.monthly(),
        c.fits(),
        chosen,
        reason,
        c.diskIops(),
        c.diskMbps());
  }

  /** USD per month of 730 hours, to the cent. */
  public static double monthly(double hourly) {
    return round2(hourly * HOURS_PER_MONTH);
  }

  static double round2(double v) {
    return Math.round(v * 100) / 100.0;
  }

  private static String num(double v) {
    return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
  }
}
