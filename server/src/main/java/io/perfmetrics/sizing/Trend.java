package io.perfmetrics.sizing;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Arrays;

/**
 * A robust linear trend of one metric of a host over the window's days: the Theil-Sen slope (the
 * median of the slopes between every two days, so a few odd days cannot tilt it) and the
 * Mann-Kendall test of whether there is a trend at all. A trend is extrapolated only when it is
 * significant and rests on enough days; otherwise the demand stays today's.
 *
 * @param metric the collector metric
 * @param days days with samples the trend rests on
 * @param level the trend line's value on the window's last day (units of the metric)
 * @param slopePerDay Theil-Sen slope, units per day; null when there are too few days
 * @param z Mann-Kendall statistic (normal approximation; |z| > 1.96 is p < 0.05, two-sided)
 * @param significant whether the report may extrapolate it
 * @param projected the trend line at the planning horizon; null when not extrapolated
 * @param note why a trend is not used, or what it adds
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Trend(
    String metric,
    int days,
    Double level,
    Double slopePerDay,
    Double z,
    boolean significant,
    Double projected,
    String note) {

  /** Fewer days than this carry no trend: a week holds one of each weekday. */
  public static final int MIN_DAYS = 7;

  /** Two-sided 5 % on the normal approximation of the Mann-Kendall S statistic. */
  static final double Z_95 = 1.96;

  /** Theil-Sen is O(n^2) in days: longer windows are averaged into this many bins first. */
  static final int MAX_POINTS = 120;

  /** Days in a month, for slopes per month and horizons in months. */
  public static final double DAYS_PER_MONTH = 365.25 / 12;

  /**
   * @param daily the metric's daily value, index = day of the window (NaN: no samples that day)
   * @param horizonDays how far past the window's last day to project; 0 for none
   */
  public static Trend of(SizingMetric metric, double[] daily, double horizonDays) {
    return of(metric.metricName, daily, horizonDays);
  }

  /** As above for any metric name (a volume's {@code fs.<id>.used_bytes}). */
  public static Trend of(String metric, double[] daily, double horizonDays) {
    double[] x = new double[daily.length];
    double[] y = new double[daily.length];
    int n = 0;
    for (int i = 0; i < daily.length; i++) {
      if (!Double.isNaN(daily[i])) {
        x[n] = i;
        y[n] = daily[i];
        n++;
      }
    }
    if (n < MIN_DAYS) {
      return new Trend(
          metric,
          n,
          null,
          null,
          null,
          false,
          null,
          "no trend: " + n + " day(s) with samples, at least " + MIN_DAYS + " needed");
    }
    x = Arrays.copyOf(x, n);
    y = Arrays.copyOf(y, n);
    if (n > MAX_POINTS) {
      double[][] b = bin(x, y, MAX_POINTS);
      x = b[0];
      y = b[1];
    }
    double slope = theilSen(x, y);
    double z = mannKendallZ(y);
    // the line through the median point with that slope (Sen's intercept)
    double[] residual = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      residual[i] = y[i] - slope * x[i];
    }
    double intercept = median(residual);
    double last = daily.length - 1;
    double level = intercept + slope * last;
    boolean significant = Math.abs(z) > Z_95 && slope != 0;
    Double projected = null;
    String note;
    if (!significant) {
      note =
          String.format(
              java.util.Locale.ROOT, "no significant trend (|z| = %.2f <= 1.96)", Math.abs(z));
    } else if (horizonDays <= 0) {
      note = "significant; not projected (no planning horizon asked)";
    } else {
      projected = intercept + slope * (last + horizonDays);
      note = "significant; projected to the planning horizon";
    }
    return new Trend(metric, n, level, slope, z, significant, projected, note);
  }

  /** Median of the pairwise slopes. */
  static double theilSen(double[] x, double[] y) {
    int n = x.length;
    double[] slopes = new double[n * (n - 1) / 2];
    int k = 0;
    for (int i = 0; i < n; i++) {
      for (int j = i + 1; j < n; j++) {
        slopes[k++] = (y[j] - y[i]) / (x[j] - x[i]);
      }
    }
    return median(Arrays.copyOf(slopes, k));
  }

  /**
   * S = sum of sign(y_j - y_i) over i < j, its variance with the correction for tied values, and
   * the continuity-corrected z.
   */
  static double mannKendallZ(double[] y) {
    int n = y.length;
    long s = 0;
    for (int i = 0; i < n; i++) {
      for (int j = i + 1; j < n; j++) {
        s += Double.compare(y[j], y[i]) > 0 ? 1 : y[j] == y[i] ? 0 : -1;
      }
    }
    double var = n * (n - 1.0) * (2 * n + 5);
    double[] sorted = y.clone();
    Arrays.sort(sorted);
    for (int i = 0; i < n; ) {
      int j = i;
      while (j < n && sorted[j] == sorted[i]) {
        j++;
      }
      int t = j - i;
      var -= t * (t - 1.0) * (2 * t + 5);
      i = j;
    }
    var /= 18;
    if (var <= 0 || s == 0) {
      return 0;
    }
    return (s - Math.signum(s)) / Math.sqrt(var);
  }

  static double median(double[] v) {
    double[] a = v.clone();
    Arrays.sort(a);
    int m = a.length / 2;
    return a.length % 2 == 1 ? a[m] : (a[m - 1] + a[m]) / 2;
  }

  /** Means of {@code bins} consecutive runs of (x, y). */
  private static double[][] bin(double[] x, double[] y, int bins) {
    double[] bx = new double[bins];
    double[] by = new double[bins];
    for (int b = 0; b < bins; b++) {
      int from = (int) ((long) b * x.length / bins);
      int to = (int) ((long) (b + 1) * x.length / bins);
      double sx = 0;
      double sy = 0;
      for (int i = from; i < to; i++) {
        sx += x[i];
        sy += y[i];
      }
      bx[b] = sx / (to - from);
      by[b] = sy / (to - from);
    }
    return new double[][] {bx, by};
  }
}
