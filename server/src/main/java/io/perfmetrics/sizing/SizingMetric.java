package io.perfmetrics.sizing;

/** The collector metrics sizing rolls up, each with the histogram scale that suits its values. */
public enum SizingMetric {
  CPU_BUSY_PCT("cpu.busy_pct", Histogram.Scale.PERCENT),
  CPU_COUNT("cpu.count", Histogram.Scale.LOG),
  MEM_USED("mem.used_bytes", Histogram.Scale.LOG),
  MEM_TOTAL("mem.total_bytes", Histogram.Scale.LOG),
  DISK_READ("disk.read_bytes_per_s", Histogram.Scale.LOG),
  DISK_WRITE("disk.write_bytes_per_s", Histogram.Scale.LOG),
  NET_RX("net.rx_bytes_per_s", Histogram.Scale.LOG),
  NET_TX("net.tx_bytes_per_s", Histogram.Scale.LOG),
  /** Used bytes of the host's local file systems together: its storage trend. */
  FS_USED("fs.used_bytes", Histogram.Scale.LOG),
  FS_CAPACITY("fs.capacity_bytes", Histogram.Scale.LOG);

  public final String metricName;
  public final Histogram.Scale scale;

  SizingMetric(String metricName, Histogram.Scale scale) {
    this.metricName = metricName;
    this.scale = scale;
  }

  public static SizingMetric byName(String name) {
    for (SizingMetric m : values()) {
      if (m.metricName.equals(name)) {
        return m;
      }
    }
    return null;
  }
}
