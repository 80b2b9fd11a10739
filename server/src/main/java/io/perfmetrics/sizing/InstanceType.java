package io.perfmetrics.sizing;

/**
 * One row of the instance catalog. Prices are USD per hour; null where the provider publishes none
 * (no Windows on arm64, no commitment for some families).
 *
 * @param cpuBaselinePct for types that run on CPU credits (AWS T, Azure B): the share of each vCPU
 *     the type sustains, in percent; it earns that many vCPU-minutes per vCPU and hour. Null for
 *     every other type.
 */
public record InstanceType(
    String provider,
    String region,
    String type,
    String family,
    String category,
    int vcpu,
    double memoryGib,
    String arch,
    String networkClass,
    double linuxHour,
    Double windowsHour,
    Double commit1yHour,
    Double commit3yHour,
    Double cpuBaselinePct) {

  /** A burstable type whose sustained capacity is credits, not its vCPU count. */
  public boolean earnsCredits() {
    return cpuBaselinePct != null;
  }

  /**
   * Burstable by category, but neither credits nor a guaranteed share are known: it cannot be
   * checked (a catalog without the cpu_baseline_pct column).
   */
  public boolean burstableUnchecked() {
    return "burstable".equals(category) && cpuBaselinePct == null && effectiveVcpu() == vcpu;
  }

  /**
   * vCPUs of sustained capacity: GCP's shared-core e2-micro, e2-small and e2-medium show 2 vCPUs
   * but guarantee 0.25, 0.5 and 1 (see the catalog header).
   */
  public double effectiveVcpu() {
    if ("gcp".equals(provider)) {
      switch (type) {
        case "e2-micro" -> {
          return 0.25;
        }
        case "e2-small" -> {
          return 0.5;
        }
        case "e2-medium" -> {
          return 1;
        }
        default -> {}
      }
    }
    return vcpu;
  }

  /**
   * Network bandwidth in Gbit/s from the class ("up-to-12.5Gbps" counts as 12.5); null when not
   * stated.
   */
  public Double networkGbps() {
    String s = networkClass == null ? "" : networkClass.toLowerCase(java.util.Locale.ROOT);
    if (s.startsWith("up-to-")) {
      s = s.substring(6);
    }
    if (s.endsWith("gbps")) {
      try {
        return Double.parseDouble(s.substring(0, s.length() - 4));
      } catch (NumberFormatException e) {
        return null;
      }
    }
    if (s.endsWith("mbps")) {
      try {
        return Double.parseDouble(s.substring(0, s.length() - 4)) / 1000;
      } catch (NumberFormatException e) {
        return null;
      }
    }
    return null;
  }

  /**
   * Hourly price under a pricing model and OS licence; null when the provider does not offer it.
   */
  public Double hourly(PricingModel pricing, OsLicence os) {
    if (os == OsLicence.WINDOWS && windowsHour == null) {
      return null;
    }
    // the Windows licence is the same with or without a commitment: on-demand difference on top
    double licence = os == OsLicence.WINDOWS ? windowsHour - linuxHour : 0;
    Double base =
        switch (pricing) {
          case ON_DEMAND -> linuxHour;
          case COMMIT_1Y -> commit1yHour;
          case COMMIT_3Y -> commit3yHour;
        };
    return base == null ? null : base + licence;
  }
}
