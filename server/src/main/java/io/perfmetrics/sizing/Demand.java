package io.perfmetrics.sizing;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * What a host needs, each figure the chosen percentile of its samples; the {@code *Needed} figures
 * are times the headroom factor and are what a type must provide. Null where the metric is missing.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Demand(
    double percentile,
    double headroom,
    Double cpuCount,
    Double cpuBusyPct,
    Double vcpuUsed,
    Double vcpuNeeded,
    Double memoryUsedGib,
    Double memoryNeededGib,
    Double networkBytesPerS,
    Double networkNeededGbps,
    Double diskReadBytesPerS,
    Double diskWriteBytesPerS) {

  static final double GIB = 1024.0 * 1024 * 1024;

  /**
   * CPU in vCPUs = core count x percentile of busy % / 100; memory = percentile of used bytes;
   * network = the busier direction's percentile (links are full duplex); disk reported only (the
   * catalog states no disk throughput). Each times the headroom factor.
   */
  public static Demand of(Usage u, Integer inventoryCpus, double percentile, double headroom) {
    Double cpus =
        inventoryCpus != null && inventoryCpus > 0
            ? Double.valueOf(inventoryCpus)
            : max(u.get(SizingMetric.CPU_COUNT));
    Double busy = p(u.get(SizingMetric.CPU_BUSY_PCT), percentile);
    Double vcpu = cpus == null || busy == null ? null : cpus * busy / 100.0;
    Double mem = p(u.get(SizingMetric.MEM_USED), percentile);
    Double rx = p(u.get(SizingMetric.NET_RX), percentile);
    Double tx = p(u.get(SizingMetric.NET_TX), percentile);
    Double net = rx;
    if (tx != null && (net == null || tx > net)) {
      net = tx;
    }
    Double read = p(u.get(SizingMetric.DISK_READ), percentile);
    Double write = p(u.get(SizingMetric.DISK_WRITE), percentile);
    return new Demand(
        percentile,
        headroom,
        cpus,
        busy,
        vcpu,
        vcpu == null ? null : vcpu * headroom,
        mem == null ? null : mem / GIB,
        mem == null ? null : mem / GIB * headroom,
        net,
        net == null ? null : net * 8 / 1e9 * headroom,
        read == null ? null : read * headroom,
        write == null ? null : write * headroom);
  }

  private static Double p(Histogram h, double percentile) {
    return h == null ? null : h.percentile(percentile);
  }

  private static Double max(Histogram h) {
    return h == null ? null : h.max();
  }
}
