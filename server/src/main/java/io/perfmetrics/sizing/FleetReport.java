package io.perfmetrics.sizing;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

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
      int horizonMonths,
      String storageSize,
      String catalog,
      Instant windowStart) {}

  /**
   * Per provider: hosts listed, sized; monthly cost now (hosts whose current type is priced),
   * recommended (sized hosts), savings (hosts with both); storage (the disks of sized hosts whose
   * every disk is priced; {@code storagePriced} of them) and compute plus storage.
   */
  public record ProviderTotal(
      String provider,
      int hosts,
      int sized,
      double currentMonthly,
      double recommendedMonthly,
      double monthlySavings,
      int storagePriced,
      double storageMonthly,
      double totalMonthly) {}

  /** Totals per provider ("none" for hosts without one), in provider order. */
  public static List<ProviderTotal> totals(List<HostSizing> hosts) {
    Map<String, double[]> sums = new TreeMap<>();
    for (HostSizing s : hosts) {
      double[] t =
          sums.computeIfAbsent(s.provider() == null ? "none" : s.provider(), k -> new double[7]);
      t[0]++;
      if (HostSizing.SIZED.equals(s.status())) {
        t[1]++;
        t[3] += s.recommended().monthly();
        if (s.storageMonthly() != null) {
          t[5]++;
          t[6] += s.storageMonthly();
        }
      }
      if (s.current() != null) {
        t[2] += s.current().monthly();
      }
      if (s.monthlySavings() != null) {
        t[4] += s.monthlySavings();
      }
    }
    List<ProviderTotal> out = new ArrayList<>();
    sums.forEach(
        (p, t) ->
            out.add(
                new ProviderTotal(
                    p,
                    (int) t[0],
                    (int) t[1],
                    Sizer.round2(t[2]),
                    Sizer.round2(t[3]),
                    Sizer.round2(t[4]),
                    (int) t[5],
                    Sizer.round2(t[6]),
                    Sizer.round2(t[3] + t[6]))));
    return out;
  }

  /** The hosts whose confidence rating is one of {@code ratings}, with totals over them alone. */
  public FleetReport withConfidence(Set<String> ratings) {
    List<HostSizing> kept =
        hosts.stream()
            .filter(
                h ->
                    ratings.contains(
                        h.confidence() == null ? "insufficient" : h.confidence().rating()))
            .toList();
    return new FleetReport(generatedAt, parameters, kept, totals(kept));
  }
}
