package io.perfmetrics.sizing;

import java.util.Map;
import java.util.function.Supplier;

/**
 * A host's measurements over the lookback window, merged from the rollups.
 *
 * @param metrics histogram per metric; a metric without samples is absent
 * @param daysCovered UTC days in the window holding at least an hour of CPU samples
 * @param expectedSamples CPU samples the window should hold at one per 60 s
 * @param cpuHours the hourly CPU, read only when a burstable type has to be checked (most reports
 *     never need it); its result may be null when the host has no hourly rollups
 * @param daily each metric's daily mean over the window (index = day, NaN: no samples), for trends
 * @param devices per-disk and per-volume measurements; empty from an old collector
 */
public record Usage(
    Map<SizingMetric, Histogram> metrics,
    int daysCovered,
    long expectedSamples,
    Supplier<CpuHours> cpuHours,
    Map<SizingMetric, double[]> daily,
    DeviceUsage devices) {

  public Usage {
    devices = devices == null ? DeviceUsage.NONE : devices;
  }

  public Usage(
      Map<SizingMetric, Histogram> metrics,
      int daysCovered,
      long expectedSamples,
      Supplier<CpuHours> cpuHours,
      Map<SizingMetric, double[]> daily) {
    this(metrics, daysCovered, expectedSamples, cpuHours, daily, DeviceUsage.NONE);
  }

  public Usage(Map<SizingMetric, Histogram> metrics, int daysCovered, long expectedSamples) {
    this(metrics, daysCovered, expectedSamples, () -> null, Map.of());
  }

  public Usage(
      Map<SizingMetric, Histogram> metrics,
      int daysCovered,
      long expectedSamples,
      Supplier<CpuHours> cpuHours) {
    this(metrics, daysCovered, expectedSamples, cpuHours, Map.of());
  }

  public Histogram get(SizingMetric m) {
    Histogram h = metrics.get(m);
    return h == null || h.count() == 0 ? null : h;
  }
}
