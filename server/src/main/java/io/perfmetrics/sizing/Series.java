package io.perfmetrics.sizing;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** Downsampled series for charts: one point per {@code stepSeconds}, mean and max of each. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Series(long stepSeconds, List<Point> points) {
  /**
   * ts: start of the step, epoch seconds. Null where the metric had no samples in the step. The
   * operations per second are the sum over the host's disks (per-disk metrics; null from an old
   * collector). The names are spelled out: the naming strategy would make {@code PerSMean} into
   * {@code per_smean}, not the {@code per_s_mean} the API documents.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Point(
      long ts,
      Double cpuBusyPctMean,
      Double cpuBusyPctMax,
      Double memUsedBytesMean,
      Double memUsedBytesMax,
      @JsonProperty("net_rx_bytes_per_s_mean") Double netRxBytesPerSMean,
      @JsonProperty("net_tx_bytes_per_s_mean") Double netTxBytesPerSMean,
      @JsonProperty("disk_read_bytes_per_s_mean") Double diskReadBytesPerSMean,
      @JsonProperty("disk_write_bytes_per_s_mean") Double diskWriteBytesPerSMean,
      @JsonProperty("disk_read_ops_per_s_mean") Double diskReadOpsPerSMean,
      @JsonProperty("disk_write_ops_per_s_mean") Double diskWriteOpsPerSMean) {}
}
