package io.perfmetrics.sizing;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/** Downsampled series for charts: one point per {@code stepSeconds}, mean and max of each. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Series(long stepSeconds, List<Point> points) {
  /**
   * ts: start of the step, epoch seconds. Null where the metric had no samples in the step. The
   * operations per second are the sum over the host's disks (per-disk metrics; null from an old
   * collector).
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Point(
      long ts,
      Double cpuBusyPctMean,
      Double cpuBusyPctMax,
      Double memUsedBytesMean,
      Double memUsedBytesMax,
      Double netRxBytesPerSMean,
      Double netTxBytesPerSMean,
      Double diskReadBytesPerSMean,
      Double diskWriteBytesPerSMean,
      Double diskReadOpsPerSMean,
      Double diskWriteOpsPerSMean) {}
}
