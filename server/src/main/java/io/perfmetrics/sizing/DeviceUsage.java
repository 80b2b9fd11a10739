package io.perfmetrics.sizing;

import java.util.Map;

/**
 * A host's per-disk and per-volume measurements over the window, merged from the rollups.
 *
 * @param hists per metric (disk.&lt;id&gt;.*, fs.&lt;id&gt;.*)
 * @param usedDaily per volume id: the daily mean of its used bytes (index = day of the window, NaN
 *     for a day without samples), for its growth trend
 */
public record DeviceUsage(Map<DeviceMetric, Histogram> hists, Map<String, double[]> usedDaily) {
  public static final DeviceUsage NONE = new DeviceUsage(Map.of(), Map.of());

  public boolean isEmpty() {
    return hists.isEmpty();
  }

  Histogram get(boolean disk, String id, DeviceMetric.Field f) {
    Histogram h = hists.get(new DeviceMetric(disk, id, f));
    return h == null || h.count() == 0 ? null : h;
  }
}
