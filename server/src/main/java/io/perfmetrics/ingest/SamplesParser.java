package io.perfmetrics.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Reads a metrics body: lines {@code ts_epoch_s,metric,value} (text/plain), or a JSON array of
 * {@code {"ts":..,"metric":"..","value":..}} objects. Either the whole body is valid or it is
 * refused with the first bad line named, so nothing is half-stored.
 */
public final class SamplesParser {
  /** Samples before 2000 are certainly a broken clock, not data. */
  public static final long MIN_EPOCH_S = 946_684_800L;

  /** Allows for collectors whose clocks run a little ahead. */
  public static final long MAX_FUTURE_S = 86_400L;

  private static final JsonFactory JSON = new JsonFactory();

  private final MetricIds metricIds;
  private final Clock clock;

  public SamplesParser(MetricIds metricIds, Clock clock) {
    this.metricIds = metricIds;
    this.clock = clock;
  }

  /** Column arrays being filled, with names not yet interned kept aside. */
  private static final class Columns {
    long[] ts = new long[64];
    short[] ids = new short[64];
    double[] values = new double[64];
    String[] unresolved;
    int size;

    void add(long t, short id, String unresolvedName, double v) {
      if (size == ts.length) {
        int n = size * 2;
        ts = Arrays.copyOf(ts, n);
        ids = Arrays.copyOf(ids, n);
        values = Arrays.copyOf(values, n);
        if (unresolved != null) {
          unresolved = Arrays.copyOf(unresolved, n);
        }
      }
      if (unresolvedName != null) {
        if (unresolved == null) {
          unresolved = new String[ts.length];
        }
        unresolved[size] = unresolvedName;
      }
      ts[size] = t;
      ids[size] = id;
      values[size] = v;
      size++;
    }
  }

  public SampleBatch parseText(int collectorId, byte[] body, int length)
      throws MalformedSamplesException {
    long maxTs = clock.instant().getEpochSecond() + MAX_FUTURE_S;
    Columns cols = new Columns();
    Names names = new Names();
    int line = 0;
    int pos = 0;
    while (pos < length) {
      int end = pos;
      while (end < length && body[end] != '\n') {
        end++;
      }
      line++;
      int stop = end > pos && body[end - 1] == '\r' ? end - 1 : end;
      if (stop > pos) {
        parseLine(body, pos, stop, line, maxTs, cols, names);
      }
      pos = end + 1;
    }
    return finish(collectorId, cols);
  }

  private void parseLine(
      byte[] b, int from, int to, int line, long maxTs, Columns cols, Names names)
      throws MalformedSamplesException {
    int c1 = indexOf(b, from, to, (byte) ',');
    int c2 = c1 < 0 ? -1 : indexOf(b, c1 + 1, to, (byte) ',');
    if (c1 < 0 || c2 < 0 || indexOf(b, c2 + 1, to, (byte) ',') >= 0) {
      throw bad(
          line, "expected 'ts_epoch_s,metric,value' (three comma-separated fields)", b, from, to);
    }
    long ts = parseEpoch(b, from, c1, line, maxTs);
    int k = names.find(b, c1 + 1, c2);
    if (k < 0) {
      String name = metricName(b, c1 + 1, c2, line);
      k = names.add(b, c1 + 1, c2, name, metricIds.cached(name));
    }
    double value = parseValue(b, c2 + 1, to, line);
    Short id = names.ids[k];
    cols.add(ts, id == null ? 0 : id, id == null ? names.names[k] : null, value);
  }

  /**
   * The metric names of one body, as bytes: a body repeats the same few names on every line, so
   * each is checked, made a String and looked up once, not once a line.
   */
  private static final class Names {
    // a collector sends up to 17 host-wide names plus 4 per disk and 2 per volume, 64 of each
    // at most (DeviceIds): all of them are remembered
    private static final int MAX = 512;
    final byte[][] bytes = new byte[MAX][];
    final String[] names = new String[MAX];
    final Short[] ids = new Short[MAX];
    int size;
    int last;

    /** The index of this name, or -1 when it is not among the first {@link #MAX} of the body. */
    int find(byte[] b, int from, int to) {
      int n = to - from;
      // lines usually follow the previous body's order: try after the last match first
      for (int i = 0; i < size; i++) {
        int k = last + 1 + i;
        if (k >= size) {
          k -= size;
        }
        byte[] e = bytes[k];
        if (e.length == n && Arrays.equals(e, 0, n, b, from, to)) {
          last = k;
          return k;
        }
      }
      return -1;
    }

    /** Remembers a name already checked; when full, the name is only kept in slot MAX - 1. */
    int add(byte[] b, int from, int to, String name, Short id) {
      int k = size < MAX ? size++ : MAX - 1;
      bytes[k] = Arrays.copyOfRange(b, from, to);
      names[k] = name;
      ids[k] = id;
      last = k;
      return k;
    }
  }

  public SampleBatch parseJson(int collectorId, byte[] body, int length)
      throws MalformedSamplesException {
    long maxTs = clock.instant().getEpochSecond() + MAX_FUTURE_S;
    Columns cols = new Columns();
    int element = 0;
    try (JsonParser p = JSON.createParser(body, 0, length)) {
      if (p.nextToken() != JsonToken.START_ARRAY) {
        throw new MalformedSamplesException(
            "expected a JSON array of {\"ts\":..,\"metric\":\"..\",\"value\":..} objects");
      }
      while (p.nextToken() != JsonToken.END_ARRAY) {
        element++;
        if (p.currentToken() != JsonToken.START_OBJECT) {
          throw new MalformedSamplesException("element " + element + ": expected an object");
        }
        Long ts = null;
        String name = null;
        Double value = null;
        while (p.nextToken() != JsonToken.END_OBJECT) {
          String field = p.currentName();
          JsonToken t = p.nextToken();
          switch (field) {
            case "ts" -> {
              if (t != JsonToken.VALUE_NUMBER_INT) {
                throw new MalformedSamplesException(
                    "element " + element + ": ts must be integer epoch seconds");
              }
              ts = p.getLongValue();
            }
            case "metric" -> {
              if (t != JsonToken.VALUE_STRING) {
                throw new MalformedSamplesException(
                    "element " + element + ": metric must be a string");
              }
              name = p.getText();
            }
            case "value" -> {
              if (!t.isNumeric()) {
                throw new MalformedSamplesException(
                    "element " + element + ": value must be a number");
              }
              value = p.getDoubleValue();
            }
            default -> p.skipChildren();
          }
        }
        if (ts == null || name == null || value == null) {
          throw new MalformedSamplesException(
              "element " + element + ": needs ts, metric and value");
        }
        checkEpoch(ts, maxTs, "element " + element);
        if (!MetricIds.NAME.matcher(name).matches()) {
          throw new MalformedSamplesException(
              "element "
                  + element
                  + ": metric name '"
                  + clip(name)
                  + "' must match "
                  + MetricIds.NAME);
        }
        if (!Double.isFinite(value)) {
          throw new MalformedSamplesException(
              "element " + element + ": value is not a finite number");
        }
        Short id = metricIds.cached(name);
        cols.add(ts, id == null ? 0 : id, id == null ? name : null, value);
      }
      if (p.nextToken() != null) {
        throw new MalformedSamplesException("unexpected content after the JSON array");
      }
    } catch (IOException e) {
      throw new MalformedSamplesException(
          "not valid JSON after element "
              + element
              + ": "
              + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j
                  ? j.getOriginalMessage()
                  : e.getMessage()));
    }
    return finish(collectorId, cols);
  }

  private SampleBatch finish(int collectorId, Columns cols) throws MalformedSamplesException {
    if (cols.unresolved != null) {
      Set<String> names = new LinkedHashSet<>();
      for (int i = 0; i < cols.size; i++) {
        if (cols.unresolved[i] != null) {
          names.add(cols.unresolved[i]);
        }
      }
      Map<String, Short> ids = new HashMap<>(metricIds.resolve(names));
      for (int i = 0; i < cols.size; i++) {
        if (cols.unresolved[i] != null) {
          cols.ids[i] = ids.get(cols.unresolved[i]);
        }
      }
    }
    return new SampleBatch(collectorId, cols.size, cols.ts, cols.ids, cols.values);
  }

  private static long parseEpoch(byte[] b, int from, int to, int line, long maxTs)
      throws MalformedSamplesException {
    if (to - from < 1 || to - from > 12) {
      throw bad(line, "timestamp must be integer epoch seconds", b, from, to);
    }
    long v = 0;
    for (int i = from; i < to; i++) {
      int d = b[i] - '0';
      if (d < 0 || d > 9) {
        throw bad(line, "timestamp must be integer epoch seconds", b, from, to);
      }
      v = v * 10 + d;
    }
    if (v < MIN_EPOCH_S || v > maxTs) {
      checkEpoch(v, maxTs, "line " + line);
    }
    return v;
  }

  /** The timestamp rule every collector upload shares (samples, socket snapshots). */
  public static void checkEpoch(long v, long maxTs, String where) throws MalformedSamplesException {
    if (v < MIN_EPOCH_S || v > maxTs) {
      throw new MalformedSamplesException(
          where
              + ": timestamp "
              + v
              + " is outside 2000-01-01 .. now + 1 day (epoch "
              + MIN_EPOCH_S
              + ".."
              + maxTs
              + "); is the collector's clock set?");
    }
  }

  private static String metricName(byte[] b, int from, int to, int line)
      throws MalformedSamplesException {
    int n = to - from;
    boolean ok = n >= 1 && n <= 64 && b[from] >= 'a' && b[from] <= 'z';
    for (int i = from + 1; ok && i < to; i++) {
      byte c = b[i];
      ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
    }
    if (!ok) {
      throw bad(line, "metric name must match " + MetricIds.NAME, b, from, to);
    }
    return new String(b, from, n, StandardCharsets.ISO_8859_1);
  }

  private static double parseValue(byte[] b, int from, int to, int line)
      throws MalformedSamplesException {
    int n = to - from;
    boolean ok = n >= 1 && n <= 40;
    for (int i = from; ok && i < to; i++) {
      byte c = b[i];
      ok = (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E';
    }
    if (ok) {
      double fast = shortDecimal(b, from, to);
      if (!Double.isNaN(fast)) {
        return fast;
      }
      try {
        double v = Double.parseDouble(new String(b, from, n, StandardCharsets.ISO_8859_1));
        if (Double.isFinite(v)) {
          return v;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
    }
    throw bad(line, "value must be a finite decimal number", b, from, to);
  }

  private static final double[] POW10 = new double[23];

  static {
    double p = 1;
    for (int i = 0; i < POW10.length; i++) {
      POW10[i] = p;
      p *= 10;
    }
  }

  /**
   * The value of a plain decimal ({@code -12.50}, {@code 42}, {@code .5}) with at most 15 digits,
   * or NaN for anything else (exponents, more digits, no digit), left to Double.parseDouble. Such a
   * decimal is m / 10^d with m and 10^d exact doubles (m below 2^53, d at most 22), and IEEE
   * division rounds correctly, so the result is the very double Double.parseDouble gives: the
   * nearest to the decimal.
   */
  static double shortDecimal(byte[] b, int from, int to) {
    int i = from;
    boolean negative = false;
    if (i < to && (b[i] == '-' || b[i] == '+')) {
      negative = b[i] == '-';
      i++;
    }
    long m = 0;
    int digits = 0;
    int point = -1;
    for (; i < to; i++) {
      byte c = b[i];
      if (c >= '0' && c <= '9') {
        if (++digits > 15) {
          return Double.NaN;
        }
        m = m * 10 + (c - '0');
      } else if (c == '.' && point < 0) {
        point = digits;
      } else {
        return Double.NaN;
      }
    }
    if (digits == 0) {
      return Double.NaN;
    }
    int scale = point < 0 ? 0 : digits - point;
    double v = scale == 0 ? (double) m : (double) m / POW10[scale];
    return negative ? -v : v;
  }

  private static int indexOf(byte[] b, int from, int to, byte c) {
    for (int i = from; i < to; i++) {
      if (b[i] == c) {
        return i;
      }
    }
    return -1;
  }

  private static MalformedSamplesException bad(int line, String why, byte[] b, int from, int to) {
    String got = new String(b, from, Math.min(to - from, 80), StandardCharsets.UTF_8);
    return new MalformedSamplesException("line " + line + ": " + why + ", got '" + got + "'");
  }

  private static String clip(String s) {
    return s.length() > 80 ? s.substring(0, 80) + "..." : s;
  }
}
