package io.perfmetrics.sizing;

import java.util.List;

/**
 * What a report is asked for. Validated at the edge; also the cache key.
 *
 * @param provider null: each host in its own provider (from its identity document)
 * @param region null: each host in its own region
 * @param os null: each host's own OS licence (Windows hosts pay for Windows)
 * @param families empty: any family; else family names (m7i, Dsv5) or categories (general, compute,
 *     memory, burstable)
 * @param horizonMonths 0: size for today's demand; else for the demand its significant trends
 *     project that many months ahead
 * @param arch null: the host's own architecture (any when unknown); {@value #ANY_ARCH}: any; else
 *     x86_64 or arm64
 * @param storageSize {@value #SIZE_USED}: each disk sized on its used space x headroom (grown to
 *     the horizon); {@value #SIZE_PROVISIONED}: on the size it has now
 */
public record SizingQuery(
    String provider,
    String region,
    OsLicence os,
    PricingModel pricing,
    double percentile,
    double headroom,
    int lookbackDays,
    List<String> families,
    String arch,
    int horizonMonths,
    String storageSize) {

  public static final String ANY_ARCH = "any";
  public static final String SIZE_USED = "used";
  public static final String SIZE_PROVISIONED = "provisioned";
  public static final double DEFAULT_PERCENTILE = 95;
  public static final double DEFAULT_HEADROOM = 1.3;
  public static final int DEFAULT_LOOKBACK_DAYS = 14;

  /** The longest planning horizon a report projects to: trends are not forecasts beyond that. */
  public static final int MAX_HORIZON_MONTHS = 36;

  public SizingQuery {
    families = List.copyOf(families);
    if (storageSize == null) {
      storageSize = SIZE_USED;
    }
  }

  public boolean sizeOnProvisioned() {
    return SIZE_PROVISIONED.equals(storageSize);
  }

  /** Every host in its own provider, region, OS and architecture; today's demand, used space. */
  public static SizingQuery defaults() {
    return new SizingQuery(
        null,
        null,
        null,
        PricingModel.ON_DEMAND,
        DEFAULT_PERCENTILE,
        DEFAULT_HEADROOM,
        DEFAULT_LOOKBACK_DAYS,
        List.of(),
        null,
        0,
        SIZE_USED);
  }
}
