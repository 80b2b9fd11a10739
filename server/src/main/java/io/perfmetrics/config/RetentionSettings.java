package io.perfmetrics.config;

import java.util.Map;

/**
 * How long stored data is kept. Old data goes by whole partitions (TimescaleDB: chunks), so it may
 * stay up to one partition's length (a week for samples, 30 days for rollups) longer.
 *
 * @param rawDays samples, as sent (the samples API, charts of single samples)
 * @param rollupDays hourly and daily rollups, what sizing reports read; at least {@code rawDays}
 */
public record RetentionSettings(int rawDays, int rollupDays) {
  public static final String RAW_DAYS = "PERFMETRICS_RETENTION_DAYS";
  public static final String ROLLUP_DAYS = "PERFMETRICS_ROLLUP_RETENTION_DAYS";

  public static RetentionSettings defaults() {
    return new RetentionSettings(90, 400);
  }

  static RetentionSettings from(Map<String, String> v) {
    int raw = days(v, RAW_DAYS, defaults().rawDays());
    int rollup = days(v, ROLLUP_DAYS, Math.max(defaults().rollupDays(), raw));
    if (rollup < raw) {
      throw new ConfigException(
          ROLLUP_DAYS
              + " ("
              + rollup
              + ") must be at least "
              + RAW_DAYS
              + " ("
              + raw
              + "): rollups are recomputed from samples");
    }
    return new RetentionSettings(raw, rollup);
  }

  private static int days(Map<String, String> v, String key, int fallback) {
    String s = v.get(key);
    if (s == null || s.isBlank()) {
      return fallback;
    }
    try {
      int d = Integer.parseInt(s.trim());
      if (d >= 1 && d <= 36_500) {
        return d;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new ConfigException(
        key + " must be a whole number of days from 1 to 36500, got '" + s + "'");
  }
}
