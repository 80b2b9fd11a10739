package io.perfmetrics.sizing;

import java.util.Locale;

/** How instances are paid for; a report compares current and recommended under the same one. */
public enum PricingModel {
  ON_DEMAND,
  COMMIT_1Y,
  COMMIT_3Y;

  public String param() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** From {@code on_demand}, {@code commit_1y}, {@code commit_3y}; null if none of them. */
  public static PricingModel parse(String s) {
    for (PricingModel p : values()) {
      if (p.param().equalsIgnoreCase(s)) {
        return p;
      }
    }
    return null;
  }
}
