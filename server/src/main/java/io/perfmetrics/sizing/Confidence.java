package io.perfmetrics.sizing;

/**
 * How far to trust a recommendation, from the share of expected CPU samples present in the window
 * and the number of days they cover (the rule is in the README): insufficient when under 6 hours of
 * CPU samples or no memory samples (the host is not sized); high when at least 90% of the samples
 * are present and they cover at least min(7, lookback) days; medium at 50% and min(3, lookback)
 * days; low otherwise.
 */
public record Confidence(
    String rating, long samplesPresent, long samplesExpected, double share, int daysCovered) {
  public static final long MIN_SAMPLES = 6 * 60;

  public static Confidence rate(
      long present, long expected, int daysCovered, int lookbackDays, boolean memoryPresent) {
    double share = expected <= 0 ? 0 : Math.min(1.0, (double) present / expected);
    String rating;
    if (present < MIN_SAMPLES || !memoryPresent) {
      rating = "insufficient";
    } else if (share >= 0.9 && daysCovered >= Math.min(7, lookbackDays)) {
      rating = "high";
    } else if (share >= 0.5 && daysCovered >= Math.min(3, lookbackDays)) {
      rating = "medium";
    } else {
      rating = "low";
    }
    // the rule compares the exact share; the report shows it rounded
    return new Confidence(
        rating, present, expected, Math.round(share * 1000) / 1000.0, daysCovered);
  }

  public boolean sufficient() {
    return !"insufficient".equals(rating);
  }
}
