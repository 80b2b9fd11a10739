package io.perfmetrics.ingest;

import java.io.ByteArrayOutputStream;

/**
 * The encoding of one (collector, metric, hour) row of {@code samples_compact}: the hour's
 * timestamps and values, decoded bit-exact.
 *
 * <p>Layout: a mode byte, the count (varint), the timestamps (first one, then delta-of-delta,
 * zigzag varints: a collector sampling every 60 s costs one byte a timestamp), then the values.
 * Mode 0..18 is decimal with that many digits after the point: each value is {@code m / 10^d} for
 * an integer m, written as zigzag varint deltas of m (collectors send short decimals, so a value
 * costs one to three bytes). A value is only written that way if dividing its m by 10^d gives back
 * the very same bits (IEEE division rounds correctly, so that is exactly the double the decimal
 * parses to); when one value of the row does not, the row is written in mode {@link #RAW}: the
 * values' raw float8 bits, 8 bytes each.
 *
 * <p>Zero runs: most series are regular (a sample every 60 s: delta-of-delta 0) and many are
 * constant (a CPU count, a disk size: value delta 0). When it is shorter, a list is written with
 * its zeros run-length coded: each 0 is followed by a varint of how many more zeros follow it, so
 * an hour of regular timestamps costs a few bytes, not one a sample. Such rows have the mode byte's
 * {@link #V2} bit set, {@link #TS_RUNS} / {@link #VALUE_RUNS} saying which lists are coded so, and
 * the digits (or {@link #RAW_V2}) in the low five bits; rows written before have it clear and
 * decode as they always did.
 *
 * <p>Chosen over float8[] arrays under TOAST compression: a row of 60 samples is far under the 2 kB
 * at which PostgreSQL compresses at all, and plain float8 arrays cost 8+ bytes a value.
 */
public final class SeriesCodec {
  static final int RAW = 0x7f;
  static final int V2 = 0x80;
  static final int TS_RUNS = 0x40;
  static final int VALUE_RUNS = 0x20;
  static final int RAW_V2 = 0x1f;

  /** First byte of an {@link #encodeHour} row, so that a format after it can be told apart. */
  static final int HOUR_BLOCK = 0x01;

  private static final int MAX_DIGITS = 9;
  private static final double[] POW10 = new double[MAX_DIGITS + 1];

  /** Integers beyond this are not all exact as doubles. */
  private static final double EXACT = 9_007_199_254_740_992.0;

  static {
    double p = 1;
    for (int i = 0; i <= MAX_DIGITS; i++) {
      POW10[i] = p;
      p *= 10;
    }
  }

  /** One series, timestamps ascending and distinct. */
  public record Series(long[] ts, double[] values, int size) {}

  private SeriesCodec() {}

  public static byte[] encode(long[] ts, double[] values, int n) {
    long[] dods = dods(ts, n);
    byte[] tsPlain = list(dods, false);
    byte[] tsRuns = list(dods, true);
    boolean tsCoded = tsRuns.length < tsPlain.length;
    Values v = values(values, n);
    ByteArrayOutputStream out = new ByteArrayOutputStream(16 + tsPlain.length + v.bytes.length);
    out.write(V2 | (tsCoded ? TS_RUNS : 0) | (v.runs ? VALUE_RUNS : 0) | v.digits);
    writeVarint(out, n);
    if (n > 0) {
      writeVarint(out, zigzag(ts[0]));
    }
    out.writeBytes(tsCoded ? tsRuns : tsPlain);
    out.writeBytes(v.bytes);
    return out.toByteArray();
  }

  /**
   * The row of one (collector, hour) in {@code samples_hour} (migration V13): every metric's series
   * of the hour in one value, so the row's own cost (tuple header, key columns, primary-key entry:
   * about 80 bytes) is paid once per collector and hour instead of once per metric, and timestamps
   * that several metrics share (a collector samples all of them at the same moment) are written
   * once.
   *
   * <p>Layout: the byte {@link #HOUR_BLOCK}, the number of series (varint), then per series, metric
   * ids ascending: the metric id (zigzag varint delta from the previous one), a mode byte ({@link
   * #TS_RUNS}, {@link #VALUE_RUNS} and the digits or {@link #RAW_V2}, as in a V2 row), a varint t
   * saying whose timestamps these are — 0: its own follow (count, the first as seconds after the
   * hour, zigzag; then delta-of-delta as in a V2 row), t &gt; 0: the same as the t-th distinct list
   * written before in this row — then the values as in a V2 row.
   *
   * @param metrics metric ids, ascending and distinct
   */
  public static byte[] encodeHour(long hour, short[] metrics, Series[] series) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(64 + 160 * metrics.length);
    out.write(HOUR_BLOCK);
    writeVarint(out, metrics.length);
    java.util.List<Series> lists = new java.util.ArrayList<>();
    int prevMetric = 0;
    for (int k = 0; k < metrics.length; k++) {
      Series s = series[k];
      int n = s.size();
      writeVarint(out, zigzag(metrics[k] - prevMetric));
      prevMetric = metrics[k];
      int shared = 0;
      for (int j = 0; j < lists.size() && shared == 0; j++) {
        if (sameTimes(lists.get(j), s)) {
          shared = j + 1;
        }
      }
      byte[] tsBytes = new byte[0];
      boolean tsCoded = false;
      if (shared == 0) {
        lists.add(s);
        long[] dods = dods(s.ts(), n);
        byte[] plain = list(dods, false);
        byte[] runs = list(dods, true);
        tsCoded = runs.length < plain.length;
        ByteArrayOutputStream t = new ByteArrayOutputStream(8 + plain.length);
        writeVarint(t, n);
        if (n > 0) {
          writeVarint(t, zigzag(s.ts()[0] - hour));
        }
        t.writeBytes(tsCoded ? runs : plain);
        tsBytes = t.toByteArray();
      }
      Values v = values(s.values(), n);
      out.write((tsCoded ? TS_RUNS : 0) | (v.runs ? VALUE_RUNS : 0) | v.digits);
      writeVarint(out, shared);
      out.writeBytes(tsBytes);
      out.writeBytes(v.bytes);
    }
    return out.toByteArray();
  }

  /** Decodes a row written by {@link #encodeHour}: metric id to its series, ids ascending. */
  public static java.util.SortedMap<Short, Series> decodeHour(long hour, byte[] data) {
    int[] pos = {0};
    if ((data[pos[0]++] & 0xff) != HOUR_BLOCK) {
      throw new IllegalArgumentException("not an hour block: format " + (data[0] & 0xff));
    }
    int count = (int) readVarint(data, pos);
    java.util.SortedMap<Short, Series> out = new java.util.TreeMap<>();
    java.util.List<long[]> lists = new java.util.ArrayList<>();
    int metric = 0;
    for (int k = 0; k < count; k++) {
      metric += (int) unzigzag(readVarint(data, pos));
      int mode = data[pos[0]++] & 0xff;
      int shared = (int) readVarint(data, pos);
      long[] ts;
      if (shared == 0) {
        int n = (int) readVarint(data, pos);
        ts = new long[n];
        if (n > 0) {
          ts[0] = hour + unzigzag(readVarint(data, pos));
          long[] dods = readList(data, pos, n - 1, (mode & TS_RUNS) != 0);
          long delta = 0;
          for (int i = 1; i < n; i++) {
            delta += dods[i - 1];
            ts[i] = ts[i - 1] + delta;
          }
        }
        lists.add(ts);
      } else {
        ts = lists.get(shared - 1);
      }
      int n = ts.length;
      double[] values = new double[n];
      readValues(data, pos, mode, values, n);
      out.put((short) metric, new Series(ts, values, n));
    }
    return out;
  }

  private static boolean sameTimes(Series a, Series b) {
    return a.size() == b.size()
        && java.util.Arrays.equals(a.ts(), 0, a.size(), b.ts(), 0, b.size());
  }

  private static long[] dods(long[] ts, int n) {
    long[] dods = new long[Math.max(0, n - 1)];
    long prevDelta = 0;
    for (int i = 1; i < n; i++) {
      long delta = ts[i] - ts[i - 1];
      dods[i - 1] = delta - prevDelta;
      prevDelta = delta;
    }
    return dods;
  }

  /** A series' values as written: mode bits (digits or RAW_V2, runs) and bytes. */
  private static final class Values {
    final int digits;
    final boolean runs;
    final byte[] bytes;

    Values(int digits, boolean runs, byte[] bytes) {
      this.digits = digits;
      this.runs = runs;
      this.bytes = bytes;
    }
  }

  private static Values values(double[] values, int n) {
    int digits = 0;
    for (int i = 0; i < n && digits >= 0; i++) {
      int d = digitsOf(values[i]);
      digits = d < 0 ? -1 : Math.max(digits, d);
    }
    if (digits >= 0) {
      for (int i = 0; i < n; i++) {
        if (!exactAt(values[i], digits)) {
          digits = -1;
          break;
        }
      }
    }
    if (digits < 0) {
      ByteArrayOutputStream raw = new ByteArrayOutputStream(n * 8);
      for (int i = 0; i < n; i++) {
        long bits = Double.doubleToRawLongBits(values[i]);
        for (int sh = 56; sh >= 0; sh -= 8) {
          raw.write((int) (bits >>> sh));
        }
      }
      return new Values(RAW_V2, false, raw.toByteArray());
    }
    long[] deltas = new long[n];
    long prev = 0;
    for (int i = 0; i < n; i++) {
      long m = (long) Math.rint(values[i] * POW10[digits]);
      deltas[i] = m - prev;
      prev = m;
    }
    byte[] plain = list(deltas, false);
    byte[] runs = list(deltas, true);
    return runs.length < plain.length
        ? new Values(digits, true, runs)
        : new Values(digits, false, plain);
  }

  private static void readValues(byte[] data, int[] pos, int mode, double[] values, int n) {
    int digits = mode & 0x1f;
    if (digits == RAW_V2) {
      readRaw(data, pos, values, n);
    } else if (digits <= MAX_DIGITS) {
      long[] deltas = readList(data, pos, n, (mode & VALUE_RUNS) != 0);
      long m = 0;
      for (int i = 0; i < n; i++) {
        m += deltas[i];
        values[i] = (double) m / POW10[digits];
      }
    } else {
      throw new IllegalArgumentException("unknown compact series mode " + mode);
    }
  }

  /** Zigzag varints of the list, with zero runs coded when {@code runs}. */
  private static byte[] list(long[] v, boolean runs) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(v.length + 8);
    for (int i = 0; i < v.length; i++) {
      writeVarint(out, zigzag(v[i]));
      if (runs && v[i] == 0) {
        int more = 0;
        while (i + 1 < v.length && v[i + 1] == 0) {
          more++;
          i++;
        }
        writeVarint(out, more);
      }
    }
    return out.toByteArray();
  }

  /** Reads n list entries written by {@link #list}. */
  private static long[] readList(byte[] data, int[] pos, int n, boolean runs) {
    long[] v = new long[n];
    for (int i = 0; i < n; i++) {
      v[i] = unzigzag(readVarint(data, pos));
      if (runs && v[i] == 0) {
        i += (int) readVarint(data, pos);
      }
    }
    return v;
  }

  public static Series decode(byte[] data) {
    int[] pos = {0};
    int mode = data[pos[0]++] & 0xff;
    if ((mode & V2) == 0) {
      return decodeV1(data, pos, mode);
    }
    int n = (int) readVarint(data, pos);
    long[] ts = new long[n];
    double[] values = new double[n];
    if (n == 0) {
      return new Series(ts, values, 0);
    }
    ts[0] = unzigzag(readVarint(data, pos));
    long[] dods = readList(data, pos, n - 1, (mode & TS_RUNS) != 0);
    long delta = 0;
    for (int i = 1; i < n; i++) {
      delta += dods[i - 1];
      ts[i] = ts[i - 1] + delta;
    }
    readValues(data, pos, mode, values, n);
    return new Series(ts, values, n);
  }

  /** Rows written before zero runs: one varint per timestamp and per decimal value. */
  private static Series decodeV1(byte[] data, int[] pos, int mode) {
    int n = (int) readVarint(data, pos);
    long[] ts = new long[n];
    double[] values = new double[n];
    long prevDelta = 0;
    for (int i = 0; i < n; i++) {
      long v = unzigzag(readVarint(data, pos));
      if (i == 0) {
        ts[0] = v;
      } else {
        prevDelta += v;
        ts[i] = ts[i - 1] + prevDelta;
      }
    }
    if (mode == RAW) {
      readRaw(data, pos, values, n);
    } else if (mode <= MAX_DIGITS) {
      long m = 0;
      for (int i = 0; i < n; i++) {
        m += unzigzag(readVarint(data, pos));
        values[i] = (double) m / POW10[mode];
      }
    } else {
      throw new IllegalArgumentException("unknown compact series mode " + mode);
    }
    return new Series(ts, values, n);
  }

  private static void readRaw(byte[] data, int[] pos, double[] values, int n) {
    for (int i = 0; i < n; i++) {
      long bits = 0;
      for (int b = 0; b < 8; b++) {
        bits = (bits << 8) | (data[pos[0]++] & 0xff);
      }
      values[i] = Double.longBitsToDouble(bits);
    }
  }

  /** The fewest decimal digits that give v back exactly, or -1 if none up to MAX_DIGITS does. */
  static int digitsOf(double v) {
    for (int d = 0; d <= MAX_DIGITS; d++) {
      if (exactAt(v, d)) {
        return d;
      }
    }
    return -1;
  }

  private static boolean exactAt(double v, int d) {
    double m = Math.rint(v * POW10[d]);
    if (!(Math.abs(m) < EXACT)) {
      return false;
    }
    return Double.doubleToRawLongBits((double) (long) m / POW10[d])
        == Double.doubleToRawLongBits(v);
  }

  private static long zigzag(long v) {
    return (v << 1) ^ (v >> 63);
  }

  private static long unzigzag(long v) {
    return (v >>> 1) ^ -(v & 1);
  }

  private static void writeVarint(ByteArrayOutputStream out, long v) {
    while ((v & ~0x7fL) != 0) {
      out.write((int) ((v & 0x7f) | 0x80));
      v >>>= 7;
    }
    out.write((int) v);
  }

  private static long readVarint(byte[] data, int[] pos) {
    long v = 0;
    int shift = 0;
    while (true) {
      int b = data[pos[0]++] & 0xff;
      v |= (long) (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        return v;
      }
      shift += 7;
    }
  }
}
