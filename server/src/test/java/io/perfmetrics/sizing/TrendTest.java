package io.perfmetrics.sizing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Theil-Sen and Mann-Kendall on hand-computed series. */
class TrendTest {
  static double[] line(int days, double start, double perDay) {
    double[] a = new double[days];
    for (int i = 0; i < days; i++) {
      a[i] = start + perDay * i;
    }
    return a;
  }

  @Test
  void aStraightLineHasItsSlopeAndTheLargestZItsLengthAllows() {
    // 7 rising days: S = 21 pairs, var = 7 x 6 x 19 / 18 = 44.33, z = (21 - 1) / 6.658 = 3.004
    Trend t = Trend.of(SizingMetric.MEM_USED, line(7, 1, 1), 0);
    assertThat(t.slopePerDay()).isEqualTo(1.0);
    assertThat(t.z()).isCloseTo(20 / Math.sqrt(7 * 6 * 19 / 18.0), within(1e-12));
    assertThat(t.z()).isCloseTo(3.004, within(1e-3));
    assertThat(t.significant()).isTrue();
    assertThat(t.level()).isEqualTo(7.0);
    assertThat(t.projected()).isNull();
    assertThat(t.note()).isEqualTo("significant; not projected (no planning horizon asked)");
  }

  @Test
  void oneWildDayDoesNotTiltTheSlope() {
    double[] a = line(14, 10, 0.5);
    a[5] = 1_000;
    Trend t = Trend.of(SizingMetric.FS_USED, a, 30);
    assertThat(t.slopePerDay()).isEqualTo(0.5);
    // the line through the median residual: 10 + 0.5 x 13 today, + 15 in 30 days
    assertThat(t.level()).isEqualTo(16.5);
    assertThat(t.projected()).isEqualTo(31.5);
  }

  @Test
  void aFlatNoisySeriesHasNoSignificantTrendAndIsNotProjected() {
    double[] a = new double[14];
    for (int i = 0; i < a.length; i++) {
      a[i] = i % 2 == 0 ? 10 : 10.2;
    }
    Trend t = Trend.of(SizingMetric.MEM_USED, a, 365);
    assertThat(t.significant()).isFalse();
    assertThat(t.projected()).isNull();
    assertThat(t.note()).startsWith("no significant trend (|z| = ");
  }

  @Test
  void tooFewDaysCarryNoTrendAndMissingDaysAreSkipped() {
    double[] a = new double[14];
    Arrays.fill(a, Double.NaN);
    for (int i = 0; i < 6; i++) {
      a[i * 2] = i;
    }
    Trend t = Trend.of(SizingMetric.CPU_BUSY_PCT, a, 30);
    assertThat(t.days()).isEqualTo(6);
    assertThat(t.slopePerDay()).isNull();
    assertThat(t.note()).isEqualTo("no trend: 6 day(s) with samples, at least 7 needed");
    // a seventh day: every other day rising by 1, so 0.5 a day
    a[12] = 6;
    Trend seven = Trend.of(SizingMetric.CPU_BUSY_PCT, a, 0);
    assertThat(seven.days()).isEqualTo(7);
    assertThat(seven.slopePerDay()).isEqualTo(0.5);
  }

  @Test
  void tiedValuesShrinkTheVariance() {
    // 1,1,2,2,3,3,4: S = 21 - 3 tied pairs = 18; var = (7x6x19 - 3 x (2x1x9)) / 18 = 41.33
    double[] a = {1, 1, 2, 2, 3, 3, 4};
    assertThat(Trend.mannKendallZ(a)).isCloseTo(17 / Math.sqrt((798 - 54) / 18.0), within(1e-12));
  }

  @Test
  void aLongWindowIsBinnedAndKeepsItsSlope() {
    Trend t = Trend.of(SizingMetric.FS_USED, line(400, 100, 2), 0);
    assertThat(t.days()).isEqualTo(400);
    assertThat(t.slopePerDay()).isCloseTo(2.0, within(1e-9));
    assertThat(t.level()).isCloseTo(100 + 2 * 399, within(1e-6));
  }
}
