package io.perfmetrics.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SeriesCodecTest {
  private static final long HOUR = 1_793_487_600L;

  @Test
  void aRegularHourOfAConstantCostsAFewBytesNotOneASample() {
    long[] ts = new long[60];
    double[] values = new double[60];
    for (int i = 0; i < 60; i++) {
      ts[i] = HOUR + 60L * i;
      values[i] = 4;
    }
    byte[] row = SeriesCodec.encode(ts, values, 60);
    // mode, count, first timestamp (5), the first delta, one zero run, one value, one zero run
    assertThat(row.length).isLessThanOrEqualTo(14);
    assertBitExact(SeriesCodec.decode(row), ts, values, 60);
  }

  @Test
  void aRegularHourOfChangingDecimalsCodesOnlyTheTimestampsAsRuns() {
    long[] ts = new long[60];
    double[] values = new double[60];
    for (int i = 0; i < 60; i++) {
      ts[i] = HOUR + 60L * i;
      values[i] = 12.5 + (i % 7) * 0.25;
    }
    byte[] row = SeriesCodec.encode(ts, values, 60);
    assertThat(row[0] & SeriesCodec.TS_RUNS).isNotZero();
    assertThat(row[0] & SeriesCodec.VALUE_RUNS).isZero();
    // the values' deltas take one or two bytes each (about 72 here); the timestamps, written one
    // byte each before (66), now take under 10
    assertThat(row.length).isLessThanOrEqualTo(85);
    assertBitExact(SeriesCodec.decode(row), ts, values, 60);
  }

  @Test
  void irregularTimestampsAndAnyDoublesComeBackBitExact() {
    SplittableRandom r = new SplittableRandom(42);
    double[] extremes = {
      -0.0,
      0.0,
      Double.MIN_VALUE,
      -Double.MIN_VALUE,
      Double.MAX_VALUE,
      -Double.MAX_VALUE,
      1e-300,
      0.1,
      1.0 / 3,
      9_007_199_254_740_993.0,
      -123456.789
    };
    for (int round = 0; round < 500; round++) {
      int n = r.nextInt(0, 80);
      long[] ts = new long[n];
      double[] values = new double[n];
      long t = HOUR + r.nextInt(0, 59);
      for (int i = 0; i < n; i++) {
        // mostly regular, with gaps, jitter and runs of equal values
        t +=
            switch (r.nextInt(0, 5)) {
              case 0 -> 1 + r.nextInt(0, 300);
              case 1 -> 59;
              default -> 60;
            };
        ts[i] = t;
        values[i] =
            switch (r.nextInt(0, 4)) {
              case 0 -> extremes[r.nextInt(0, extremes.length)];
              case 1 -> Double.longBitsToDouble(r.nextLong());
              case 2 -> i > 0 ? values[i - 1] : 7;
              default -> Math.round(r.nextDouble() * 10_000) / 100.0;
            };
        if (Double.isNaN(values[i])) {
          values[i] = 1;
        }
      }
      assertBitExact(SeriesCodec.decode(SeriesCodec.encode(ts, values, n)), ts, values, n);
    }
  }

  @Test
  void runsAreOnlyUsedWhereTheyAreShorter() {
    // alternating zero and non-zero delta-of-delta: zero runs of one would cost two bytes each
    long[] ts = new long[61];
    double[] values = new double[61];
    long t = HOUR;
    for (int i = 0; i < 61; i++) {
      t += i % 2 == 0 ? 60 : 61;
      ts[i] = t;
      values[i] = i;
    }
    byte[] row = SeriesCodec.encode(ts, values, 61);
    assertThat(row[0] & SeriesCodec.TS_RUNS).isZero();
    assertBitExact(SeriesCodec.decode(row), ts, values, 61);
  }

  @Test
  void rowsWrittenBeforeZeroRunsStillDecode() {
    // the first layout, byte by byte: mode 1 (one decimal digit), count 3, timestamps (first,
    // then delta-of-delta zigzag varints), then zigzag varint deltas of value x 10
    byte[] v1 = {1, 3, (byte) 0xe0, (byte) 0xcb, (byte) 0xb3, (byte) 0xae, 0x0d, 120, 0, 25, 2, 3};
    SeriesCodec.Series s = SeriesCodec.decode(v1);
    assertThat(s.ts()).containsExactly(HOUR, HOUR + 60, HOUR + 120);
    assertThat(s.values()).containsExactly(-1.3, -1.2, -1.4);
  }

  @Test
  void anHourOfSixteenMetricsWritesTheirSharedTimestampsOnceAndComesBackBitExact() {
    SplittableRandom r = new SplittableRandom(7);
    long[] ts = new long[60];
    for (int i = 0; i < 60; i++) {
      ts[i] = HOUR + 60L * i + (i % 7 == 3 ? 1 : 0);
    }
    short[] metrics = new short[16];
    SeriesCodec.Series[] series = new SeriesCodec.Series[16];
    int perMetricRows = 0;
    for (int k = 0; k < 16; k++) {
      metrics[k] = (short) (3 + 2 * k);
      double[] v = new double[60];
      for (int i = 0; i < 60; i++) {
        v[i] = k % 4 == 0 ? 4096.0 * k : Math.round(r.nextDouble() * 1000) / 10.0;
      }
      series[k] = new SeriesCodec.Series(ts, v, 60);
      perMetricRows += SeriesCodec.encode(ts, v, 60).length;
    }
    byte[] row = SeriesCodec.encodeHour(HOUR, metrics, series);
    var back = SeriesCodec.decodeHour(HOUR, row);
    assertThat(back.keySet()).containsExactly(toObjects(metrics));
    for (int k = 0; k < 16; k++) {
      assertBitExact(back.get(metrics[k]), ts, series[k].values(), 60);
    }
    // the irregular timestamps (a tick late every 7th minute) cost ~20 bytes a list: once, not
    // 16 times
    assertThat(row.length).isLessThan(perMetricRows - 15 * 15);
  }

  @Test
  void anHourOfSeriesWithDifferentTimestampsAndAnyDoublesComesBackBitExact() {
    SplittableRandom r = new SplittableRandom(11);
    for (int round = 0; round < 300; round++) {
      int count = r.nextInt(0, 12);
      short[] metrics = new short[count];
      SeriesCodec.Series[] series = new SeriesCodec.Series[count];
      short id = (short) r.nextInt(-5, 20);
      long[] shared = null;
      for (int k = 0; k < count; k++) {
        metrics[k] = id;
        id += (short) r.nextInt(1, 300);
        int n = r.nextInt(0, 70);
        long[] ts;
        if (shared != null && r.nextBoolean()) {
          ts = shared;
          n = shared.length;
        } else {
          ts = new long[n];
          long t = HOUR + r.nextInt(0, 60);
          for (int i = 0; i < n; i++) {
            ts[i] = t;
            t += r.nextInt(1, 90);
          }
          shared = ts;
        }
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
          v[i] =
              switch (r.nextInt(4)) {
                case 0 -> Double.longBitsToDouble(r.nextLong());
                case 1 -> -0.0;
                case 2 -> r.nextInt(-1000, 1000) / 100.0;
                default -> 0;
              };
          if (Double.isNaN(v[i])) {
            v[i] = Double.MIN_VALUE;
          }
        }
        series[k] = new SeriesCodec.Series(ts, v, n);
      }
      var back = SeriesCodec.decodeHour(HOUR, SeriesCodec.encodeHour(HOUR, metrics, series));
      assertThat(back).hasSize(count);
      for (int k = 0; k < count; k++) {
        assertBitExact(back.get(metrics[k]), series[k].ts(), series[k].values(), series[k].size());
      }
    }
  }

  @Test
  void anHourRowKeepsItsLayoutByteByByte() {
    // rows stay on disk for the retention period: this is the layout they are read with.
    // Block byte, 2 series; metric 5 (zigzag 10): mode (one digit), own timestamps (0), count 3,
    // the first 60 s after the hour (zigzag 120), delta-of-delta 60 (120) and 0, values x 10 as
    // zigzag deltas (15, +1, -2); metric 6 (+1, zigzag 2): mode (no digits, value runs), the
    // timestamps of list 1, a zero followed by 2 more
    short[] metrics = {5, 6};
    long[] ts = {HOUR + 60, HOUR + 120, HOUR + 180};
    SeriesCodec.Series[] series = {
      new SeriesCodec.Series(ts, new double[] {1.5, 1.6, 1.4}, 3),
      new SeriesCodec.Series(ts, new double[] {0, 0, 0}, 3)
    };
    byte[] row = SeriesCodec.encodeHour(HOUR, metrics, series);
    assertThat(row).containsExactly(1, 2, 10, 1, 0, 3, 120, 120, 0, 30, 2, 3, 2, 0x20, 1, 0, 2);
    assertThat(SeriesCodec.decodeHour(HOUR, row).get((short) 5).values())
        .containsExactly(1.5, 1.6, 1.4);
  }

  private static Short[] toObjects(short[] v) {
    Short[] o = new Short[v.length];
    for (int i = 0; i < v.length; i++) {
      o[i] = v[i];
    }
    return o;
  }

  private static void assertBitExact(SeriesCodec.Series s, long[] ts, double[] values, int n) {
    assertThat(s.size()).isEqualTo(n);
    assertThat(s.ts()).isEqualTo(Arrays.copyOf(ts, n));
    for (int i = 0; i < n; i++) {
      assertThat(Double.doubleToRawLongBits(s.values()[i]))
          .as("value %d", i)
          .isEqualTo(Double.doubleToRawLongBits(values[i]));
    }
  }
}
