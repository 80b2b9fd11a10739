package io.perfmetrics.sizing;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * One disk of a host sized to a disk offering: what it holds and does, what it needs, and the
 * offering chosen for it with its price. {@code source}: {@code per_disk} (the collector's per-disk
 * and per-volume metrics) or {@code totals} (an old collector: all file systems and all disks as
 * one).
 *
 * @param disk the escaped disk id ({@code sda}, {@code 0_20_43_3a}), or {@code volume:<id>} for a
 *     volume on no known disk, or {@code all} for the totals
 * @param name the raw device name from the hello, when known
 * @param volumes the mount points (or drive letters) on it
 * @param usedGib the percentile of its volumes' used space, summed
 * @param usedGibProjected used space with its volumes' growth to the planning horizon; null when
 *     none of them grows significantly or no horizon was asked
 * @param provisionedGib its size now (the hello's disk size, else its volumes' capacity)
 * @param sizedOn {@code used} (used x headroom) or {@code provisioned} (the size it has now)
 * @param neededGib what the offering must hold
 * @param iopsNeeded read plus write operations per second, each its percentile, times the headroom;
 *     null when not measured (totals carry no operations)
 * @param mbpsNeeded read plus write MB/s (10^6 bytes), each its percentile, times the headroom
 * @param offering the disk type chosen (gp3, PremiumSSD_LRS P30); null when none fits or the region
 *     has no offerings in the catalog
 * @param sizeGib the size billed
 * @param iops the IOPS it delivers (provisioned or by its size)
 * @param mbps the MB/s it delivers
 * @param monthly USD per month
 * @param price how the price is made up
 * @param reason why this offering, or why none
 * @param trends per volume, the trend of its used space
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StorageLine(
    String disk,
    String name,
    String source,
    List<String> volumes,
    Double usedGib,
    Double usedGibProjected,
    Double provisionedGib,
    String sizedOn,
    Double neededGib,
    Double iopsNeeded,
    Double mbpsNeeded,
    String offering,
    Double sizeGib,
    Double iops,
    Double mbps,
    Double monthly,
    String price,
    String reason,
    List<Trend> trends) {

  public static final String PER_DISK = "per_disk";
  public static final String TOTALS = "totals";

  /**
   * Without the price breakdown, the reason and the trends, for the fleet list (the host report has
   * them; a fleet of a thousand hosts with three disks each stays a few hundred bytes a disk).
   */
  public StorageLine summary() {
    return new StorageLine(
        disk,
        name,
        source,
        volumes,
        usedGib,
        usedGibProjected,
        provisionedGib,
        sizedOn,
        neededGib,
        iopsNeeded,
        mbpsNeeded,
        offering,
        sizeGib,
        iops,
        mbps,
        monthly,
        null,
        null,
        null);
  }
}
