package io.perfmetrics.sizing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HistogramTest {
  static double exactNearestRank(double[] values, double p) {
    double[] s = values.clone();
    Arrays.sort(s);
    int rank = (int) Math.max(1, Math.ceil(p * s.length / 100.0 - 1e-9));
    return s[rank - 1];
  }

  @Test
  void percentOfHandPickedValuesIsTheUpperEdgeOfTheirHalfPointBucket() {
    Histogram h = new Histogram(Histogram.Scale.PERCENT);
    for (int i = 0; i < 95; i++) {
      h.add(49.75);
    }
    for (int i = 0; i < 5; i++) {
      h.add(90.25);
    }
    // rank 95 of 100 is 49.75, in [49.5, 50): answered 50
    assertThat(h.percentile(95)).isEqualTo(50.0);
    // rank 96 is 90.25, in [90, 90.5), capped at the exact maximum 90.25
    assertThat(h.percentile(96)).isEqualTo(90.25);
    assertThat(h.percentile(100)).isEqualTo(90.25);
    assertThat(h.count()).isEqualTo(100);
    assertThat(h.mean()).isCloseTo((95 * 49.75 + 5 * 90.25) / 100, within(1e-9));
  }

  @Test
  void aValueOnABucketEdgeBelongsToTheBucketAbove() {
    Histogram h = new Histogram(Histogram.Scale.PERCENT);
    h.add(50.0);
    h.add(100.0);
    // 50 is in [50, 50.5)
    assertThat(h.percentile(50)).isEqualTo(50.5);
    Histogram l = new Histogram(Histogram.Scale.LOG);
    double edge = Math.pow(1.02, 100);
    l.add(edge);
    l.add(edge * 10);
    assertThat(l.percentile(50))
        .isGreaterThanOrEqualTo(edge)
        .isLessThanOrEqualTo(edge * 1.02 * (1 + 1e-12));
  }

  @Test
  void anEmptyHistogramHasNoPercentile() {
    assertThat(new Histogram(Histogram.Scale.LOG).percentile(95)).isNaN();
    assertThat(new Histogram(Histogram.Scale.LOG).max()).isNaN();
  }

  @Test
  void percentilesStayWithinTheStatedErrorBoundOnRandomData() {
    Random r = new Random(42);
    for (int trial = 0; trial < 50; trial++) {
      int n = 1 + r.nextInt(5000);
      double[] pct = new double[n];
      double[] bytes = new double[n];
      Histogram hp = new Histogram(Histogram.Scale.PERCENT);
      Histogram hb = new Histogram(Histogram.Scale.LOG);
      for (int i = 0; i < n; i++) {
        pct[i] = Math.min(100, Math.abs(r.nextGaussian() * 20 + 40));
        bytes[i] = Math.exp(r.nextDouble() * 40);
        hp.add(pct[i]);
        hb.add(bytes[i]);
      }
      for (double p : new double[] {50, 90, 95, 99, 99.9, 100}) {
        double ep = exactNearestRank(pct, p);
        double eb = exactNearestRank(bytes, p);
        assertThat(hp.percentile(p)).isGreaterThanOrEqualTo(ep).isLessThan(ep + 0.5 + 1e-12);
        assertThat(hb.percentile(p))
            .isGreaterThanOrEqualTo(eb)
            .isLessThanOrEqualTo(Math.max(1, eb) * 1.02 * (1 + 1e-12));
      }
    }
  }

  @Test
  void encodedHoursMergeIntoTheSameDayAsAllTheirSamples() {
    Random r = new Random(7);
    Histogram day = new Histogram(Histogram.Scale.LOG);
    Histogram merged = new Histogram(Histogram.Scale.LOG);
    for (int hour = 0; hour < 24; hour++) {
      Histogram h = new Histogram(Histogram.Scale.LOG);
      for (int i = 0; i < 60; i++) {
        double v = r.nextDouble() * 1e10;
        h.add(v);
        day.add(v);
      }
      merged.mergeEncoded(h.encode(), h.count(), h.sum(), h.max());
    }
    assertThat(merged.count()).isEqualTo(day.count());
    assertThat(merged.max()).isEqualTo(day.max());
    for (double p : new double[] {1, 50, 95, 100}) {
      assertThat(merged.percentile(p)).isEqualTo(day.percentile(p));
    }
    assertThat(merged.encode()).isEqualTo(day.encode());
  }

  @Test
  void hoursInRangesFarApartMergeLikeAllTheirSamplesInAnyOrder() {
    // each hour's values lie in its own narrow band, some below the bands before it and some
    // above, with zeros now and then: the counted range must widen on both sides
    double[] bands = {5e6, 3, 9e12, 0.2, 40_000, 7e3, 1.5, 2e15};
    Random r = new Random(11);
    Histogram all = new Histogram(Histogram.Scale.LOG);
    Histogram encoded = new Histogram(Histogram.Scale.LOG);
    Histogram objects = new Histogram(Histogram.Scale.LOG);
    for (double band : bands) {
      Histogram h = new Histogram(Histogram.Scale.LOG);
      for (int i = 0; i < 60; i++) {
        double v = i % 17 == 0 ? 0 : band * (1 + r.nextDouble() * 0.1);
        h.add(v);
        all.add(v);
      }
      encoded.mergeEncoded(h.encode(), h.count(), h.sum(), h.max());
      objects.merge(h);
    }
    for (Histogram m : new Histogram[] {encoded, objects}) {
      assertThat(m.count()).isEqualTo(all.count());
      assertThat(m.max()).isEqualTo(all.max());
      for (double p : new double[] {1, 5, 10, 25, 50, 75, 90, 95, 99, 100}) {
        assertThat(m.percentile(p)).as("p%s", p).isEqualTo(all.percentile(p));
      }
      assertThat(m.encode()).isEqualTo(all.encode());
    }
    // an empty histogram merges as nothing
    Histogram empty = new Histogram(Histogram.Scale.LOG);
    objects.merge(empty);
    objects.mergeEncoded(empty.encode(), 0, 0, Double.NEGATIVE_INFINITY);
    assertThat(objects.encode()).isEqualTo(all.encode());
  }

  @Test
  void anHourOfSamplesEncodesInAFewBytes() {
    Histogram h = new Histogram(Histogram.Scale.PERCENT);
    for (int i = 0; i < 60; i++) {
      h.add(20 + (i % 3));
    }
    assertThat(h.encode()).hasSizeLessThanOrEqualTo(8);
  }
}
