package io.perfmetrics.sizing;

import java.util.Map;

/**
 * A host's measurements over the lookback window, merged from the rollups.
 *
 * @param metrics histogram per metric; a metric without samples is absent
 * @param daysCovered UTC days in the window holding at least an hour of CPU samples
 * @param expectedSamples CPU samples the window should hold at one per 60 s
 */
public record Usage(Map<SizingMetric, Histogram> metrics, int daysCovered, long expectedSamples) {
  public Histogram get(SizingMetric m) {
    Histogram h = metrics.get(m);
    return h == null || h.count() == 0 ? null : h;
  }
}
