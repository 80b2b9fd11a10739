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
 * <p>Chosen over float8[] arrays under TOAST compression: a row of 60 samples is far under the 2 kB
 * at which PostgreSQL compresses at all, and plain float8 arrays cost 8+ bytes a value.
 */
public final class SeriesCodec {
  static final int RAW = 0x7f;
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
    ByteArrayOutputStream out = new ByteArrayOutputStream(16 + n * 3);
    out.write(digits < 0 ? RAW : digits);
    writeVarint(out, n);
    long prevTs = 0;
    long prevDelta = 0;
    for (int i = 0; i < n; i++) {
      if (i == 0) {
        writeVarint(out, zigzag(ts[0]));
      } else {
        long delta = ts[i] - prevTs;
        writeVarint(out, zigzag(delta - prevDelta));
        prevDelta = delta;
      }
      prevTs = ts[i];
    }
    if (digits < 0) {
      for (int i = 0; i < n; i++) {
        long bits = Double.doubleToRawLongBits(values[i]);
        for (int s = 56; s >= 0; s -= 8) {
          out.write((int) (bits >>> s));
        }
      }
    } else {
      long prev = 0;
      for (int i = 0; i < n; i++) {
        long m = (long) Math.rint(values[i] * POW10[digits]);
        writeVarint(out, zigzag(m - prev));
        prev = m;
      }
    }
    return out.toByteArray();
  }

  public static Series decode(byte[] data) {
    int[] pos = {0};
    int mode = data[pos[0]++] & 0xff;
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
      for (int i = 0; i < n; i++) {
        long bits = 0;
        for (int b = 0; b < 8; b++) {
          bits = (bits << 8) | (data[pos[0]++] & 0xff);
        }
        values[i] = Double.longBitsToDouble(bits);
      }
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
