package io.perfmetrics.sizing;

import java.util.List;

/**
 * One row of the disk catalog: a disk type (or one fixed-size tier of it) in a region, what it
 * performs and what it costs. Three shapes cover the providers: a fixed tier (Azure Premium and
 * Standard SSD: size, IOPS and MB/s fixed, one monthly price), performance that grows with size
 * (GCP pd-balanced and pd-ssd, AWS st1: a bigger disk for more IOPS), and provisioned performance
 * (gp3, io2, Premium SSD v2, Hyperdisk Balanced: a baseline included, the rest bought by the IOPS
 * and MB/s). Nullable fields are the ones a shape does not use. {@code series}: the machine series
 * (GCP: the type name up to its first '-', e.g. n2, c4a) whose types can attach it; empty: every
 * type.
 */
public record DiskOffering(
    String provider,
    String region,
    String offering,
    String tier,
    double minGib,
    double maxGib,
    Double gibMonth,
    Double tierMonth,
    double iops,
    double iopsPerGib,
    double maxIops,
    Double maxIopsPerGib,
    Double iopsIncluded,
    Double iopsMonth,
    double mbps,
    double mbpsPerGib,
    double mbpsPerIops,
    double maxMbps,
    Double mbpsIncluded,
    Double mbpsMonth,
    List<String> series) {

  public DiskOffering {
    series = series == null ? List.of() : List.copyOf(series);
  }

  /** The name a report shows: the tier when there is one (P30), else the disk type (gp3). */
  public String name() {
    return tier == null ? offering : offering + " " + tier;
  }

  public boolean isTier() {
    return tierMonth != null;
  }

  public boolean provisionsIops() {
    return iopsMonth != null;
  }

  public boolean provisionsMbps() {
    return mbpsMonth != null;
  }

  /** Whether an instance type can attach this disk (null type: any). */
  public boolean attaches(String type) {
    if (series.isEmpty() || type == null) {
      return true;
    }
    int dash = type.indexOf('-');
    return series.contains(dash < 0 ? type : type.substring(0, dash));
  }
}
