package io.perfmetrics.sizing;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;

/**
 * What a host needs, each figure the chosen percentile of its samples; the {@code *Needed} figures
 * are times the headroom factor and are what a type must provide. Null where the metric is missing.
 * With a planning horizon, {@code vcpuUsed} and the needed figures include the projected growth
 * ({@code cpuBusyPctProjected}, {@code memoryUsedGibProjected}); {@code cpuBusyPct} and {@code
 * memoryUsedGib} stay the observed percentiles. Storage (all local file systems together) is
 * reported with its trend here; each disk is sized in the report's storage lines.
 *
 * @param diskIopsNeeded the sum over the host's disks of read plus write IOPS, each the percentile,
 *     times the headroom: what the instance type must carry; null when not measured
 * @param diskMbpsNeeded the same in MB/s (10^6 bytes per second); null without disk samples
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
    Double diskWriteBytesPerS,
    Integer horizonMonths,
    Double cpuBusyPctProjected,
    Double memoryUsedGibProjected,
    Double storageUsedGib,
    Double storageCapacityGib,
    Double storageUsedGibProjected,
    Double diskIopsNeeded,
    Double diskMbpsNeeded) {

  static final double GIB = 1024.0 * 1024 * 1024;

  /**
   * CPU in vCPUs = core count x percentile of busy % / 100; memory = percentile of used bytes;
   * network = the busier direction's percentile (links are full duplex); disk reported only (the
   * catalog states no disk throughput). Each times the headroom factor.
   */
  public static Demand of(Usage u, Integer inventoryCpus, double percentile, double headroom) {
    return of(u, inventoryCpus, percentile, headroom, 0, Map.of());
  }

  /**
   * As above; with a planning horizon, a significant upward trend adds its growth to the horizon
   * (trend line there minus trend line today) to the percentile before the headroom. A flat,
   * unsupported or falling trend leaves today's figure: a report never sizes down on a forecast.
   *
   * @param trends by metric, from {@link Trend#of}
   */
  public static Demand of(
      Usage u,
      Integer inventoryCpus,
      double percentile,
      double headroom,
      int horizonMonths,
      Map<SizingMetric, Trend> trends) {
    Double cpus =
        inventoryCpus != null && inventoryCpus > 0
            ? Double.valueOf(inventoryCpus)
            : max(u.get(SizingMetric.CPU_COUNT));
    Double busyToday = p(u.get(SizingMetric.CPU_BUSY_PCT), percentile);
    Double memToday = p(u.get(SizingMetric.MEM_USED), percentile);
    Double fsToday = p(u.get(SizingMetric.FS_USED), percentile);
    Double busyGrown = grown(busyToday, trends.get(SizingMetric.CPU_BUSY_PCT));
    if (busyGrown != null) {
      busyGrown = Math.min(100.0, busyGrown);
    }
    Double memGrown = grown(memToday, trends.get(SizingMetric.MEM_USED));
    Double fsGrown = grown(fsToday, trends.get(SizingMetric.FS_USED));
    Double busy = busyGrown != null ? busyGrown : busyToday;
    Double mem = memGrown != null ? memGrown : memToday;
    Double vcpu = cpus == null || busy == null ? null : cpus * busy / 100.0;
    Double rx = p(u.get(SizingMetric.NET_RX), percentile);
    Double tx = p(u.get(SizingMetric.NET_TX), percentile);
    Double net = rx;
    if (tx != null && (net == null || tx > net)) {
      net = tx;
    }
    Double read = p(u.get(SizingMetric.DISK_READ), percentile);
    Double write = p(u.get(SizingMetric.DISK_WRITE), percentile);
    Double fsCap = max(u.get(SizingMetric.FS_CAPACITY));
    return new Demand(
        percentile,
        headroom,
        cpus,
        busyToday,
        vcpu,
        vcpu == null ? null : vcpu * headroom,
        memToday == null ? null : memToday / GIB,
        mem == null ? null : mem / GIB * headroom,
        net,
        net == null ? null : net * 8 / 1e9 * headroom,
        read == null ? null : read * headroom,
        write == null ? null : write * headroom,
        horizonMonths > 0 ? horizonMonths : null,
        busyGrown,
        memGrown == null ? null : memGrown / GIB,
        fsToday == null ? null : fsToday / GIB,
        fsCap == null ? null : fsCap / GIB,
        fsGrown == null ? null : fsGrown / GIB,
        null,
        null);
  }

  /** The same demand with the disk I/O the instance type must carry. */
  public Demand withDisk(Double iops, Double mbps) {
    return new Demand(
        percentile,
        headroom,
        cpuCount,
        cpuBusyPct,
        vcpuUsed,
        vcpuNeeded,
        memoryUsedGib,
        memoryNeededGib,
        networkBytesPerS,
        networkNeededGbps,
        diskReadBytesPerS,
        diskWriteBytesPerS,
        horizonMonths,
        cpuBusyPctProjected,
        memoryUsedGibProjected,
        storageUsedGib,
        storageCapacityGib,
        storageUsedGibProjected,
        iops,
        mbps);
  }

  /** Today's figure plus a projected trend's growth; null when there is none to add. */
  private static Double grown(Double today, Trend t) {
    if (today == null || t == null || t.projected() == null || t.level() == null) {
      return null;
    }
    double growth = t.projected() - t.level();
    return growth > 0 ? today + growth : null;
  }

  private static Double p(Histogram h, double percentile) {
    return h == null ? null : h.percentile(percentile);
  }

  private static Double max(Histogram h) {
    return h == null ? null : h.max();
  }
}
