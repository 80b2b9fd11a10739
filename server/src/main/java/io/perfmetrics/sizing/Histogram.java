package io.perfmetrics.sizing;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * Counts of values in fixed buckets, plus count, sum and exact maximum: mergeable, so hourly
 * rollups add up to days and days to a lookback window without looking at a sample again.
 *
 * <p>Error bound: {@link #percentile} answers the upper edge of the bucket holding the nearest-rank
 * percentile, capped at the exact maximum. The answer is never below the exact nearest-rank
 * percentile of the samples and exceeds it by less than one bucket: 0.5 percentage points on the
 * {@link Scale#PERCENT} scale, 2% of the value on the {@link Scale#LOG} scale (values under 1 are
 * reported as at most 1). Sizing on it can over-provision by that much, never under-provision.
 */
public final class Histogram {
  /**
   * Bucket layouts; the layout of a stored histogram never changes (a new one gets a new scale).
   */
  public enum Scale {
    /** 0-100 in steps of 0.5: bucket i holds [0.5 i, 0.5 (i + 1)); 100 and above in the last. */
    PERCENT(201),
    /** bucket 0 holds [0, 1); bucket i >= 1 holds [1.02^(i-1), 1.02^i); up to about 8e18. */
    LOG(2200);

    final int buckets;

    /** upper[i] is the exclusive upper edge of bucket i; the last is infinite. */
    final double[] upper;

    Scale(int buckets) {
      this.buckets = buckets;
      upper = new double[buckets];
      for (int i = 0; i < buckets; i++) {
        upper[i] = i == buckets - 1 ? Double.POSITIVE_INFINITY : edge(i);
      }
    }

    private double edge(int i) {
      return ordinal() == 0 ? 0.5 * (i + 1) : Math.pow(GROWTH, i);
    }

    /** The bucket of a value: the first whose upper edge is above it (binary search, exact). */
    int bucket(double v) {
      if (!(v > 0)) {
        return 0;
      }
      int i = Arrays.binarySearch(upper, v);
      // an exact hit on an upper edge belongs to the next bucket (edges are exclusive)
      i = i >= 0 ? i + 1 : -i - 1;
      return Math.min(i, buckets - 1);
    }
  }

  static final double GROWTH = 1.02;

  private static final long[] NONE = {};

  private final Scale scale;

  /**
   * Counts of buckets {@code base} to {@code base + counts.length - 1}, the range seen so far: a
   * fleet report holds tens of thousands of histograms at once, and the full log scale (2,200
   * buckets, 17.6 KB) is mostly empty for one series.
   */
  private long[] counts = NONE;

  private int base;
  private long n;
  private double sum;
  private double max = Double.NEGATIVE_INFINITY;

  public Histogram(Scale scale) {
    this.scale = scale;
  }

  /** Widens the counted range to take buckets lo to hi. */
  private void cover(int lo, int hi) {
    if (counts.length == 0) {
      counts = new long[hi - lo + 1];
      base = lo;
      return;
    }
    int end = base + counts.length - 1;
    if (lo >= base && hi <= end) {
      return;
    }
    int newBase = Math.min(lo, base);
    long[] wider = new long[Math.max(hi, end) - newBase + 1];
    System.arraycopy(counts, 0, wider, base - newBase, counts.length);
    counts = wider;
    base = newBase;
  }

  public Scale scale() {
    return scale;
  }

  public void add(double v) {
    int b = scale.bucket(v);
    cover(b, b);
    counts[b - base]++;
    n++;
    sum += v;
    max = Math.max(max, v);
  }

  public void merge(Histogram o) {
    if (o.counts.length > 0) {
      cover(o.base, o.base + o.counts.length - 1);
      for (int i = 0; i < o.counts.length; i++) {
        counts[o.base - base + i] += o.counts[i];
      }
    }
    n += o.n;
    sum += o.sum;
    max = Math.max(max, o.max);
  }

  /** Adds a stored histogram (see {@link #encode}) with its count, sum and maximum. */
  public void mergeEncoded(byte[] hist, long n, double sum, double max) {
    // first the range the stored buckets span (index deltas), so the counts grow once
    Varints in = new Varints(hist);
    int lo = -1;
    int index = 0;
    while (in.more()) {
      index += (int) in.next();
      in.next();
      if (lo < 0) {
        lo = index;
      }
    }
    if (lo >= 0) {
      cover(lo, index);
    }
    in = new Varints(hist);
    index = 0;
    while (in.more()) {
      index += (int) in.next();
      counts[index - base] += in.next();
    }
    this.n += n;
    this.sum += sum;
    this.max = Math.max(this.max, max);
  }

  /**
   * The non-empty buckets as varint pairs (index delta, count): an hour of samples is a few bytes.
   */
  public byte[] encode() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(64);
    int last = 0;
    for (int i = 0; i < counts.length; i++) {
      if (counts[i] != 0) {
        varint(out, base + i - last);
        varint(out, counts[i]);
        last = base + i;
      }
    }
    return out.toByteArray();
  }

  /** Reads the varints {@link #encode} writes. */
  private static final class Varints {
    private final byte[] bytes;
    private int pos;

    Varints(byte[] bytes) {
      this.bytes = bytes;
    }

    boolean more() {
      return pos < bytes.length;
    }

    long next() {
      long v = 0;
      int shift = 0;
      byte b;
      do {
        b = bytes[pos++];
        v |= (long) (b & 0x7f) << shift;
        shift += 7;
      } while (b < 0);
      return v;
    }
  }

  private static void varint(ByteArrayOutputStream out, long v) {
    while ((v & ~0x7fL) != 0) {
      out.write((int) ((v & 0x7f) | 0x80));
      v >>>= 7;
    }
    out.write((int) v);
  }

  public long count() {
    return n;
  }

  public double sum() {
    return sum;
  }

  /** The exact maximum; NaN when empty. */
  public double max() {
    return n == 0 ? Double.NaN : max;
  }

  public double mean() {
    return n == 0 ? Double.NaN : sum / n;
  }

  /**
   * The nearest-rank p-th percentile (0 < p <= 100) within the error bound in the class comment;
   * NaN when empty.
   */
  public double percentile(double p) {
    if (n == 0) {
      return Double.NaN;
    }
    // p * n / 100 rather than p / 100 * n: 95 * 100 / 100 is exactly 95, 0.95 * 100 is not
    long rank = Math.max(1, (long) Math.ceil(p * n / 100.0 - 1e-9));
    long seen = 0;
    for (int i = 0; i < counts.length; i++) {
      seen += counts[i];
      if (seen >= rank) {
        return Math.min(scale.upper[base + i], max);
      }
    }
    return max;
  }
}
