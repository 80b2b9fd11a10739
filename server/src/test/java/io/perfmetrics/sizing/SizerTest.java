package io.perfmetrics.sizing;

import static io.perfmetrics.sizing.OsLicence.LINUX;
import static io.perfmetrics.sizing.PricingModel.COMMIT_1Y;
import static io.perfmetrics.sizing.PricingModel.ON_DEMAND;
import static io.perfmetrics.sizing.SizingQuery.ANY_ARCH;
import static io.perfmetrics.sizing.SizingQuery.SIZE_USED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.io.StringReader;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The arithmetic of issue 6 on hand-computed cases. */
class SizerTest {
  static final double GIB = 1024.0 * 1024 * 1024;
  static final Catalog CATALOG = catalog();

  static Catalog catalog() {
    String csv =
        """
        # test catalog
        provider,region,type,family,category,vcpu,memory_gib,arch,network_class,linux_hour,windows_hour,commit_1y_hour,commit_3y_hour
        aws,us-east-1,t.small,t,burstable,2,2,x86_64,up-to-5Gbps,0.02,0.03,0.012,0.008
        aws,us-east-1,m.large,m,general,2,8,x86_64,up-to-12.5Gbps,0.10,0.192,0.0625,0.043
        aws,us-east-1,r.large,r,memory,2,16,x86_64,up-to-12.5Gbps,0.126,0.218,,
        aws,us-east-1,c.xlarge,c,compute,4,8,x86_64,up-to-12.5Gbps,0.17,0.354,0.106,0.073
        aws,us-east-1,m.xlarge,m,general,4,16,x86_64,up-to-12.5Gbps,0.20,0.384,0.125,0.086
        aws,us-east-1,g.xlarge,g,general,4,16,arm64,up-to-12.5Gbps,0.16,,0.1,0.069
        aws,us-east-1,m.2xlarge,m,general,8,32,x86_64,up-to-12.5Gbps,0.40,0.768,0.25,0.172
        aws,us-east-1,n.xlarge,n,general,4,16,x86_64,1Gbps,0.19,0.374,,
        """;
    try {
      return Catalog.parse(new StringReader(csv), "test");
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  static final long DAY = 1440;

  /** 95 samples at 49.75% and 5 at 90.25%, repeated: p95 is 50 (the bucket's upper edge). */
  static Histogram cpu(long samples) {
    Histogram h = new Histogram(Histogram.Scale.PERCENT);
    for (long i = 0; i < samples; i++) {
      h.add(i % 100 < 95 ? 49.75 : 90.25);
    }
    return h;
  }

  static Histogram constant(double v, long samples) {
    Histogram h = new Histogram(Histogram.Scale.LOG);
    for (long i = 0; i < samples; i++) {
      h.add(v);
    }
    return h;
  }

  static Usage usage(long samples, int days, long expected, boolean memory, boolean network) {
    Map<SizingMetric, Histogram> m = new EnumMap<>(SizingMetric.class);
    m.put(SizingMetric.CPU_BUSY_PCT, cpu(samples));
    if (memory) {
      m.put(SizingMetric.MEM_USED, constant(10 * GIB, samples));
    }
    if (network) {
      m.put(SizingMetric.NET_RX, constant(50e6, samples));
      m.put(SizingMetric.NET_TX, constant(10e6, samples));
    }
    return new Usage(m, days, expected);
  }

  static Usage fullTwoWeeks() {
    return usage(14 * DAY, 14, 14 * DAY, true, true);
  }

  static Host host(String type, String os, Integer cpus) {
    return new Host(1, "web1", os, "x86_64", "aws", "us-east-1", type, cpus);
  }

  static SizingQuery query() {
    return SizingQuery.defaults();
  }

  @Test
  void cpuDemandIsCoreCountTimesPercentileOfBusyTimesHeadroom() {
    Demand d = Demand.of(fullTwoWeeks(), 4, 95, 1.3);
    assertThat(d.cpuBusyPct()).isEqualTo(50.0);
    assertThat(d.vcpuUsed()).isEqualTo(2.0);
    assertThat(d.vcpuNeeded()).isCloseTo(2.6, within(1e-12));
    // 10 GiB, within the 2% bound of the log scale, times 1.3
    assertThat(d.memoryUsedGib()).isGreaterThanOrEqualTo(10).isLessThan(10.2);
    assertThat(d.memoryNeededGib()).isGreaterThanOrEqualTo(13).isLessThan(13.26);
    // the busier direction: 50 MB/s = 0.4 Gbit/s, times 1.3
    assertThat(d.networkNeededGbps()).isGreaterThanOrEqualTo(0.52).isLessThan(0.52 * 1.02);
  }

  @Test
  void theCheapestTypeThatFitsIsChosenAndTheSavingsAreCurrentMinusRecommendedOver730Hours() {
    HostSizing s = Sizer.size(host("m.2xlarge", "linux", 4), fullTwoWeeks(), query(), CATALOG);

    assertThat(s.status()).isEqualTo(HostSizing.SIZED);
    // needs 2.6 vCPU and ~13 GiB; an x86_64 host stays on x86_64: n.xlarge (4, 16) at 0.19
    assertThat(s.recommended().type()).isEqualTo("n.xlarge");
    assertThat(s.recommended().monthly()).isEqualTo(138.70);
    assertThat(s.current().type()).isEqualTo("m.2xlarge");
    assertThat(s.current().monthly()).isEqualTo(292.00);
    assertThat(s.monthlySavings()).isEqualTo(153.30);
    assertThat(s.confidence().rating()).isEqualTo("high");
    // the next cheapest that fit, and why they lost
    assertThat(s.candidates())
        .extracting(Candidate::type)
        .containsExactly("n.xlarge", "m.xlarge", "m.2xlarge");
    assertThat(s.candidates().get(0).chosen()).isTrue();
    assertThat(s.candidates().get(0).reason())
        .startsWith("cheapest type that fits: 4 vCPU >= 2.60 needed");
    assertThat(s.candidates().get(1).reason()).isEqualTo("fits, but costs 7.30 USD more per month");
    assertThat(s.candidates().get(2).reason())
        .isEqualTo("fits, but costs 153.30 USD more per month");
    // cheaper ones that were too small, nearest first
    assertThat(s.rejected())
        .extracting(Candidate::type)
        .containsExactly("c.xlarge", "r.large", "m.large");
    assertThat(s.rejected().get(1).reason()).isEqualTo("too small: 2 vCPU < 2.60 needed");
    assertThat(s.rejected().get(2).reason())
        .startsWith("too small: 2 vCPU < 2.60 needed, 8 GiB < 13.");
    // the cheaper arm64 type is shown beside the pick, as an option
    assertThat(s.otherArch().type()).isEqualTo("g.xlarge");
    assertThat(s.otherArch().chosen()).isFalse();
    assertThat(s.otherArch().reason())
        .isEqualTo(
            "arm64 option: saves 21.90 USD more per month than n.xlarge if this host's software"
                + " runs on arm64 (arch=arm64 sizes for it)");
    assertThat(s.notes()).noneMatch(n -> n.contains("its software must run on"));
  }

  @Test
  void anyArchitectureTakesTheCheapestAndSaysItIsAMigration() {
    SizingQuery any =
        new SizingQuery(
            null, null, null, ON_DEMAND, 95, 1.3, 14, List.of(), ANY_ARCH, 0, SIZE_USED);
    HostSizing s = Sizer.size(host("m.2xlarge", "linux", 4), fullTwoWeeks(), any, CATALOG);
    assertThat(s.recommended().type()).isEqualTo("g.xlarge");
    assertThat(s.monthlySavings()).isEqualTo(175.20);
    assertThat(s.otherArch()).isNull();
    assertThat(s.notes())
        .contains(
            "the recommended g.xlarge is arm64 and this host runs x86_64: its software must run on"
                + " arm64");
  }

  @Test
  void aHostOfUnknownArchitectureMayTakeAny() {
    Host unknown = new Host(3, "app3", "linux", null, "aws", "us-east-1", null, 4);
    HostSizing s = Sizer.size(unknown, fullTwoWeeks(), query(), CATALOG);
    assertThat(s.recommended().type()).isEqualTo("g.xlarge");
    assertThat(s.otherArch()).isNull();
  }

  /** Burstable types by their credits; b.xlarge sustains 40% of 4 vCPUs = 1.6 vCPUs. */
  static final Catalog CREDITS =
      parse(
          """
          provider,region,type,family,category,vcpu,memory_gib,arch,network_class,linux_hour,windows_hour,commit_1y_hour,commit_3y_hour,cpu_baseline_pct
          aws,us-east-1,b.xlarge,b,burstable,4,16,x86_64,up-to-5Gbps,0.12,0.15,,,40
          aws,us-east-1,m.xlarge,m,general,4,16,x86_64,up-to-12.5Gbps,0.20,0.384,,,
          aws,us-east-1,bg.xlarge,bg,burstable,4,16,arm64,up-to-5Gbps,0.10,,,,40
          aws,us-east-1,g.xlarge,g,general,4,16,arm64,up-to-12.5Gbps,0.16,,,,
          """);

  /** 2026-11-01T00:00Z in epoch hours. */
  static final long NOV_1 = java.time.Instant.parse("2026-11-01T00:00:00Z").getEpochSecond() / 3600;

  static Usage withHours(double[] busyPct) {
    Usage u = fullTwoWeeks();
    CpuHours h = new CpuHours(NOV_1, busyPct);
    return new Usage(u.metrics(), u.daysCovered(), u.expectedSamples(), () -> h);
  }

  /** 14 days: {@code base} % busy, and {@code peak} % for the first {@code peakHours} of each. */
  static double[] daily(double base, double peak, int peakHours) {
    double[] a = new double[14 * 24];
    for (int i = 0; i < a.length; i++) {
      a[i] = i % 24 < peakHours ? peak : base;
    }
    return a;
  }

  @Test
  void aBurstableTypeIsChosenWhenItsCreditsHoldOverTheWindow() {
    // 4 CPUs x 1.3 headroom: 20% busy uses 1.04 vCPU (earns 96 - 62.4 = +33.6 credits an hour),
    // the 2-hour 90% peak is capped at the type's 4 vCPUs (-144 an hour): +451.2 a day, and the
    // lowest balance is the full bank of 2,304 minus 288. Mean use (22 x 1.04 + 2 x 4) / 24.
    HostSizing s =
        Sizer.size(host(null, "linux", 4), withHours(daily(20, 90, 2)), query(), CREDITS);
    assertThat(s.recommended().type()).isEqualTo("b.xlarge");
    assertThat(s.recommended().reason())
        .endsWith("; CPU credits hold: 1.29 vCPU used on average (with headroom), 1.60 sustained");
    // the cheaper arm64 burstable holds as well: shown as the option
    assertThat(s.otherArch().type()).isEqualTo("bg.xlarge");
  }

  @Test
  void aSustainedLoadAboveTheBaselineRunsTheCreditsOutAndTheReportSaysWhen() {
    // 35% of 4 CPUs x 1.3 = 1.82 vCPU: spends 109.2 an hour, earns 96, -13.2 an hour from the full
    // bank of 2,304: below zero in hour 175 (2304 / 13.2 = 174.5), day 8 of the window
    HostSizing s =
        Sizer.size(host(null, "linux", 4), withHours(daily(35, 35, 0)), query(), CREDITS);
    assertThat(s.recommended().type()).isEqualTo("m.xlarge");
    assertThat(s.rejected()).extracting(Candidate::type).containsExactly("b.xlarge");
    assertThat(s.rejected().get(0).reason())
        .isEqualTo(
            "credits would run out on 2026-11-08: it uses 1.82 vCPU on average (with headroom),"
                + " the type sustains 1.60");
    // the arm64 burstable runs out the same way: the option is the arm64 general type
    assertThat(s.otherArch().type()).isEqualTo("g.xlarge");
    assertThat(s.otherArch().reason()).startsWith("arm64 option: saves 29.20 USD more per month");
  }

  @Test
  void aPeakLongerThanTheBankRunsOutThoughTheMeanFits() {
    // 10% (0.52 vCPU, +64.8 an hour) except one 30-hour stretch at 100% (4 vCPU, -144 an hour):
    // the mean fits the 1.6 baseline, but the bank of 2,304 lasts 16 hours of the stretch
    double[] a = daily(10, 10, 0);
    for (int i = 48; i < 78; i++) {
      a[i] = 100;
    }
    HostSizing s = Sizer.size(host(null, "linux", 4), withHours(a), query(), CREDITS);
    assertThat(s.recommended().type()).isEqualTo("m.xlarge");
    // hour 48 + 16 = 64: 2026-11-03T16
    assertThat(s.rejected().get(0).reason()).startsWith("credits would run out on 2026-11-03:");
  }

  @Test
  void hoursWithoutSamplesNeitherEarnNorSpend() {
    double[] a = daily(35, 35, 0);
    // a week without samples: 7 days at -13.2 an hour is 2,217.6, within the bank
    for (int i = 0; i < 7 * 24; i++) {
      a[i] = Double.NaN;
    }
    CpuCredits.Outcome o =
        CpuCredits.simulate(
            CREDITS.find("aws", "us-east-1", "b.xlarge"), new CpuHours(NOV_1, a), 4, 1.3);
    // replayed, the deficit still wins: 2,304 / (13.2 x 168) = 1.04 windows -> in the second replay
    assertThat(o.holds()).isFalse();
    assertThat(o.meanVcpu()).isCloseTo(1.82, within(1e-9));
    assertThat(o.runsOutOn()).isEqualTo(java.time.LocalDate.parse("2026-11-22"));
  }

  @Test
  void withoutHourlyCpuABurstableTypeCannotBeChecked() {
    HostSizing s = Sizer.size(host(null, "linux", 4), fullTwoWeeks(), query(), CREDITS);
    assertThat(s.recommended().type()).isEqualTo("m.xlarge");
    assertThat(s.rejected().get(0).reason())
        .isEqualTo("burstable, and there is no hourly CPU to check its credits against");
  }

  @Test
  void aCatalogWithoutTheCreditColumnNeverRecommendsItsBurstableTypes() {
    Map<SizingMetric, Histogram> m = new EnumMap<>(SizingMetric.class);
    m.put(SizingMetric.CPU_BUSY_PCT, cpu(14 * DAY));
    m.put(SizingMetric.MEM_USED, constant(1 * GIB, 14 * DAY));
    // 1 CPU: 0.65 vCPU and 1.3 GiB needed, which t.small (2, 2) would carry by size
    HostSizing s = Sizer.size(host(null, "linux", 1), new Usage(m, 14, 14 * DAY), query(), CATALOG);
    assertThat(s.recommended().type()).isEqualTo("m.large");
    assertThat(s.rejected()).extracting(Candidate::type).containsExactly("t.small");
    assertThat(s.rejected().get(0).reason()).contains("no cpu_baseline_pct");
  }

  static Catalog parse(String csv) {
    try {
      return Catalog.parse(new StringReader(csv), "test");
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  static Usage withDailyMemory(double[] gib) {
    Usage u = fullTwoWeeks();
    double[] bytes = new double[gib.length];
    for (int i = 0; i < gib.length; i++) {
      bytes[i] = gib[i] * GIB;
    }
    return new Usage(
        u.metrics(),
        u.daysCovered(),
        u.expectedSamples(),
        () -> null,
        Map.of(SizingMetric.MEM_USED, bytes));
  }

  static SizingQuery horizon(int months) {
    return new SizingQuery(
        null, null, null, ON_DEMAND, 95, 1.3, 14, List.of(), null, months, SIZE_USED);
  }

  @Test
  void aGrowingHostIsSizedForTheHorizonAndAFlatOneAsItIsToday() {
    // memory means 8 GiB + 0.1 GiB a day: 3 months (91.3125 days) add 9.13 GiB to the p95 of
    // ~10 GiB: (10 + 9.13) x 1.3 = 24.87 GiB needed, which only m.2xlarge (8, 32) carries
    double[] growing = TrendTest.line(14, 8, 0.1);
    HostSizing g =
        Sizer.size(host(null, "linux", 4), withDailyMemory(growing), horizon(3), CATALOG);
    assertThat(g.demand().horizonMonths()).isEqualTo(3);
    assertThat(g.demand().memoryUsedGibProjected())
        .isCloseTo(g.demand().memoryUsedGib() + 0.1 * 91.3125, within(1e-6));
    assertThat(g.demand().memoryNeededGib())
        .isCloseTo(g.demand().memoryUsedGibProjected() * 1.3, within(1e-9));
    assertThat(g.recommended().type()).isEqualTo("m.2xlarge");
    assertThat(g.trends())
        .filteredOn(t -> t.metric().equals("mem.used_bytes"))
        .singleElement()
        .satisfies(
            t -> assertThat(t.note()).isEqualTo("significant; projected to the planning horizon"));
    // the CPU has no daily values here: sized for today, said so
    assertThat(g.notes())
        .contains("cpu.busy_pct: sized for today's demand, not 3 months ahead (no daily values)");
    // without a horizon the same host is sized for today
    assertThat(
            Sizer.size(host(null, "linux", 4), withDailyMemory(growing), query(), CATALOG)
                .recommended()
                .type())
        .isEqualTo("n.xlarge");

    double[] flat = new double[14];
    for (int i = 0; i < flat.length; i++) {
      flat[i] = i % 2 == 0 ? 10 : 10.2;
    }
    HostSizing f = Sizer.size(host(null, "linux", 4), withDailyMemory(flat), horizon(12), CATALOG);
    assertThat(f.demand().memoryUsedGibProjected()).isNull();
    assertThat(f.recommended().type()).isEqualTo("n.xlarge");
    assertThat(f.notes())
        .anySatisfy(
            n ->
                assertThat(n)
                    .startsWith(
                        "mem.used_bytes: sized for today's demand, not 12 months ahead (no significant trend"));
  }

  @Test
  void aFallingTrendNeverSizesDown() {
    HostSizing s =
        Sizer.size(
            host(null, "linux", 4),
            withDailyMemory(TrendTest.line(14, 12, -0.2)),
            horizon(6),
            CATALOG);
    assertThat(s.demand().memoryUsedGibProjected()).isNull();
    assertThat(s.recommended().type()).isEqualTo("n.xlarge");
    assertThat(s.notes()).anySatisfy(n -> assertThat(n).endsWith("(the trend does not grow)"));
  }

  @Test
  void architectureAndFamilyConstraintsNarrowTheChoice() {
    SizingQuery x86 =
        new SizingQuery(
            null, null, null, ON_DEMAND, 95, 1.3, 14, List.of(), "x86_64", 0, SIZE_USED);
    HostSizing sameArch = Sizer.size(host(null, "linux", 4), fullTwoWeeks(), x86, CATALOG);
    assertThat(sameArch.recommended().type()).isEqualTo("n.xlarge");
    assertThat(sameArch.notes()).noneMatch(n -> n.contains("its software must run on"));
    SizingQuery memoryFamily =
        new SizingQuery(null, null, null, ON_DEMAND, 95, 1.3, 14, List.of("m"), null, 0, SIZE_USED);
    assertThat(
            Sizer.size(host(null, "linux", 4), fullTwoWeeks(), memoryFamily, CATALOG)
                .recommended()
                .type())
        .isEqualTo("m.xlarge");
  }

  @Test
  void aNetworkDemandAboveATypesBandwidthRulesItOut() {
    Map<SizingMetric, Histogram> m = new EnumMap<>(fullTwoWeeks().metrics());
    m.put(SizingMetric.NET_TX, constant(200e6, 14 * DAY)); // 1.6 Gbit/s x 1.3 > 1 Gbit/s
    SizingQuery x86 =
        new SizingQuery(
            null, null, null, ON_DEMAND, 95, 1.3, 14, List.of(), "x86_64", 0, SIZE_USED);
    HostSizing s = Sizer.size(host(null, "linux", 4), new Usage(m, 14, 14 * DAY), x86, CATALOG);
    assertThat(s.recommended().type()).isEqualTo("m.xlarge");
    assertThat(s.rejected().get(0).type()).isEqualTo("n.xlarge");
    assertThat(s.rejected().get(0).reason()).contains("1 Gbit/s < 2.0");
  }

  @Test
  void windowsHostsPayTheLicenceAndCannotRunOnArm() {
    HostSizing s = Sizer.size(host("m.2xlarge", "windows", 4), fullTwoWeeks(), query(), CATALOG);
    assertThat(s.os()).isEqualTo("windows");
    assertThat(s.recommended().type()).isEqualTo("n.xlarge");
    assertThat(s.recommended().monthly()).isEqualTo(273.02); // 0.374 x 730
    assertThat(s.current().monthly()).isEqualTo(560.64); // 0.768 x 730
    assertThat(s.monthlySavings()).isEqualTo(287.62);
  }

  @Test
  void commitmentPricesAddTheWindowsLicenceOnTopAndSkipTypesWithoutOne() {
    SizingQuery oneYear =
        new SizingQuery(
            null, null, LINUX, COMMIT_1Y, 95, 1.3, 14, List.of(), "x86_64", 0, SIZE_USED);
    HostSizing s = Sizer.size(host("m.2xlarge", "linux", 4), fullTwoWeeks(), oneYear, CATALOG);
    // n.xlarge has no commitment price: m.xlarge at 0.125
    assertThat(s.recommended().type()).isEqualTo("m.xlarge");
    assertThat(s.recommended().monthly()).isEqualTo(91.25);
    assertThat(s.current().monthly()).isEqualTo(182.50);
    InstanceType m = CATALOG.find("aws", "us-east-1", "m.xlarge");
    assertThat(m.hourly(PricingModel.COMMIT_3Y, OsLicence.WINDOWS))
        .isCloseTo(0.086 + (0.384 - 0.20), within(1e-12));
  }

  @Test
  void percentileAndHeadroomComePerRequest() {
    SizingQuery median =
        new SizingQuery(null, null, null, ON_DEMAND, 50, 1.0, 14, List.of(), null, 0, SIZE_USED);
    HostSizing s = Sizer.size(host(null, "linux", 4), fullTwoWeeks(), median, CATALOG);
    // 2.0 vCPU and 10 GiB: r.large (2, 16) at 0.126
    assertThat(s.demand().vcpuNeeded()).isEqualTo(2.0);
    assertThat(s.recommended().type()).isEqualTo("r.large");
  }

  @Test
  void aHostBiggerThanAnyTypeIsListedAsNoFitWithTheLargestType() {
    HostSizing s = Sizer.size(host(null, "linux", 64), fullTwoWeeks(), query(), CATALOG);
    assertThat(s.status()).isEqualTo(HostSizing.NO_FIT);
    assertThat(s.recommended()).isNull();
    assertThat(s.candidates()).extracting(Candidate::type).containsExactly("m.2xlarge");
    assertThat(s.notes().get(0))
        .contains("bigger than any allowed type")
        .contains("8 vCPU < 41.60 needed");
  }

  @Test
  void aMissingMemoryMetricMeansTooLittleDataNotASizingOnNothing() {
    HostSizing s =
        Sizer.size(
            host("m.xlarge", "linux", 4),
            usage(14 * DAY, 14, 14 * DAY, false, true),
            query(),
            CATALOG);
    assertThat(s.status()).isEqualTo(HostSizing.INSUFFICIENT);
    assertThat(s.confidence().rating()).isEqualTo("insufficient");
    assertThat(s.recommended()).isNull();
    assertThat(s.notes()).anySatisfy(n -> assertThat(n).contains("no mem.used_bytes samples"));
    // what it costs now is still shown
    assertThat(s.current().monthly()).isEqualTo(146.0);
  }

  @Test
  void aMissingNetworkMetricIsNotedAndTheHostIsStillSized() {
    HostSizing s =
        Sizer.size(
            host(null, "linux", 4), usage(14 * DAY, 14, 14 * DAY, true, false), query(), CATALOG);
    assertThat(s.status()).isEqualTo(HostSizing.SIZED);
    assertThat(s.demand().networkNeededGbps()).isNull();
    assertThat(s.notes())
        .contains(
            "no net.rx_bytes_per_s samples in the last 14 days",
            "no net.tx_bytes_per_s samples in the last 14 days");
  }

  @Test
  void fewerThanSixHoursOfSamplesIsTooLittleData() {
    HostSizing s =
        Sizer.size(host(null, "linux", 4), usage(359, 1, 14 * DAY, true, true), query(), CATALOG);
    assertThat(s.status()).isEqualTo(HostSizing.INSUFFICIENT);
    assertThat(s.notes().get(0)).contains("359 CPU samples (at least 360 needed)");
  }

  @Test
  void aGapOfSeveralDaysLowersTheConfidence() {
    // 7 of 14 days present (a week-long gap): half the samples
    HostSizing half =
        Sizer.size(
            host(null, "linux", 4), usage(7 * DAY, 7, 14 * DAY, true, true), query(), CATALOG);
    assertThat(half.status()).isEqualTo(HostSizing.SIZED);
    assertThat(half.confidence().share()).isEqualTo(0.5);
    assertThat(half.confidence().daysCovered()).isEqualTo(7);
    assertThat(half.confidence().rating()).isEqualTo("medium");
    // 4 of 14 days: sized on what there is, but low
    HostSizing four =
        Sizer.size(
            host(null, "linux", 4), usage(4 * DAY, 4, 14 * DAY, true, true), query(), CATALOG);
    assertThat(four.confidence().share()).isEqualTo(0.286);
    assertThat(four.confidence().rating()).isEqualTo("low");
    assertThat(four.recommended().type()).isEqualTo("n.xlarge");
  }

  @Test
  void confidenceRule() {
    assertThat(Confidence.rate(18_144, 20_160, 14, 14, true).rating()).isEqualTo("high"); // 90%
    assertThat(Confidence.rate(18_143, 20_160, 14, 14, true).rating()).isEqualTo("medium");
    assertThat(Confidence.rate(18_144, 20_160, 6, 14, true).rating())
        .isEqualTo("medium"); // 6 < 7 days
    assertThat(Confidence.rate(2_000, 2_000, 2, 2, true).rating())
        .isEqualTo("high"); // a 2-day window
    assertThat(Confidence.rate(10_080, 20_160, 2, 14, true).rating())
        .isEqualTo("low"); // 2 < 3 days
    assertThat(Confidence.rate(360, 20_160, 1, 14, true).rating()).isEqualTo("low");
    assertThat(Confidence.rate(359, 20_160, 1, 14, true).rating()).isEqualTo("insufficient");
    assertThat(Confidence.rate(20_160, 20_160, 14, 14, false).rating()).isEqualTo("insufficient");
  }

  @Test
  void aHostWhoseIdentityNamesAnUnknownTypeIsSizedWithoutCurrentCostOrSavings() {
    HostSizing s = Sizer.size(host("m9.huge", "linux", 4), fullTwoWeeks(), query(), CATALOG);
    assertThat(s.status()).isEqualTo(HostSizing.SIZED);
    assertThat(s.currentType()).isEqualTo("m9.huge");
    assertThat(s.current()).isNull();
    assertThat(s.monthlySavings()).isNull();
    assertThat(s.notes()).contains("current type m9.huge is not in the catalog for aws us-east-1");
  }

  @Test
  void aHostWithoutCloudIdentityNeedsATargetAndIsSizedForTheOneGiven() {
    Host onPrem = new Host(2, "db1", "linux", "x86_64", null, null, null, 4);
    assertThat(Sizer.size(onPrem, fullTwoWeeks(), query(), CATALOG).status())
        .isEqualTo(HostSizing.NO_TARGET);
    SizingQuery aws =
        new SizingQuery(
            "aws", "us-east-1", null, ON_DEMAND, 95, 1.3, 14, List.of(), null, 0, SIZE_USED);
    HostSizing s = Sizer.size(onPrem, fullTwoWeeks(), aws, CATALOG);
    assertThat(s.status()).isEqualTo(HostSizing.SIZED);
    assertThat(s.recommended().type()).isEqualTo("n.xlarge");
    assertThat(s.monthlySavings()).isNull();
  }

  @Test
  void sharedCoreTypesCountTheirGuaranteedShare() {
    InstanceType micro =
        new InstanceType(
            "gcp",
            "us-east1",
            "e2-micro",
            "e2",
            "burstable",
            2,
            1,
            "x86_64",
            "1Gbps",
            0.008,
            null,
            null,
            null,
            null);
    assertThat(micro.effectiveVcpu()).isEqualTo(0.25);
    assertThat(micro.networkGbps()).isEqualTo(1.0);
    assertThat(CATALOG.find("aws", "us-east-1", "m.large").networkGbps()).isEqualTo(12.5);
  }

  @Test
  void aCatalogWithABadLineSaysWhichLine() {
    String csv = Catalog.HEADER + "\naws,us-east-1,x,x,general,two,8,x86_64,1Gbps,0.1,,,\n";
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> Catalog.parse(new StringReader(csv), "ops.csv"))
        .hasMessageContaining("ops.csv line 2");
  }
}
