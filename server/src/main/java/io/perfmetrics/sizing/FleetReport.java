package io.perfmetrics.sizing;

import java.time.Instant;
import java.util.List;

/** The report over all hosts: one summary per host and totals per provider sized for. */
public record FleetReport(
    Instant generatedAt,
    Parameters parameters,
    List<HostSizing> hosts,
    List<ProviderTotal> totals) {

  /** What the report was computed with, echoed so an exported report explains itself. */
  public record Parameters(
      String provider,
      String region,
      String os,
      String pricing,
      double percentile,
      double headroom,
      int lookbackDays,
      List<String> families,
      String arch,
      String catalog,
      Instant windowStart) {}

  /**
   * Per provider: hosts listed, sized; monthly cost now (hosts whose current type is priced),
   * recommended (sized hosts), savings (hosts with both).
   */
  public record ProviderTotal(
      String provider, int hosts, int sized, double currentMonthly, double recommendedMonthly, double monthlySavings) {}
}
