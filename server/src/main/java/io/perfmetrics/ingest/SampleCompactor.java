package io.perfmetrics.ingest;

import io.perfmetrics.store.Partitions;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * Moves the samples of ended hours from the landing table {@code samples} into {@code
 * samples_hour}, one row per (collector, hour) in {@link SeriesCodec#encodeHour}'s encoding. The
 * caller (the sizing rollup) runs it in its own transaction, so an hour's samples are moved and
 * rolled up together or not at all.
 *
 * <p>The landed rows are taken with {@code DELETE ... RETURNING}: exactly the rows this transaction
 * saw go, and a sample committed meanwhile stays for the next pass (its upload marked the hour
 * again). A sample for an hour compacted already (late, or replayed) is merged into the hour's row;
 * for a timestamp present in both, the compacted value stays, as a replay into the landing table
 * would have been ignored too.
 */
public final class SampleCompactor {
  /** Collectors moved per statement: bounds the memory one DELETE ... RETURNING needs. */
  public static final int COLLECTORS_PER_STATEMENT = 250;

  private final Partitions partitions;

  public SampleCompactor(Partitions partitions) {
    this.partitions = partitions;
  }

  /** Makes the partitions the hours (epoch s) need, in the caller's transaction. */
  public void prepare(Connection c, Collection<Long> hours) throws SQLException {
    partitions.ensure(c, hours);
  }

  /**
   * Compacts one hour of these collectors and returns every sample of the hour (compacted before or
   * now), keyed by {@code collector << 16 | metric}, timestamps ascending.
   *
   * <p>Rows of the per-metric layout ({@code samples_compact}, before V13) of the hour are taken
   * out too and merged into the collector's row: V13 marked their hours, so the first passes after
   * it rewrite them.
   */
  public Map<Long, SeriesCodec.Series> compactHour(Connection c, long hour, Integer[] collectors)
      throws SQLException {
    Array ids = c.createArrayOf("int4", collectors);
    Map<Long, Growing> landed = new HashMap<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "DELETE FROM samples WHERE ts >= to_timestamp(?) AND ts < to_timestamp(?) AND collector_id = ANY(?)"
                + " RETURNING collector_id, metric_id, extract(epoch FROM ts)::bigint, value")) {
      ps.setLong(1, hour);
      ps.setLong(2, hour + 3600);
      ps.setArray(3, ids);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          landed
              .computeIfAbsent(key(rs.getInt(1), rs.getShort(2)), k -> new Growing())
              .add(rs.getLong(3), rs.getDouble(4));
        }
      }
    }
    Map<Long, SeriesCodec.Series> all = new HashMap<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT collector_id, data FROM samples_hour WHERE hour = to_timestamp(?) AND collector_id = ANY(?)")) {
      ps.setLong(1, hour);
      ps.setArray(2, ids);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          int collector = rs.getInt(1);
          for (var e : SeriesCodec.decodeHour(hour, rs.getBytes(2)).entrySet()) {
            all.put(key(collector, e.getKey()), e.getValue());
          }
        }
      }
    }
    // collectors whose row is written again: new samples, or rows of the old layout to move
    java.util.Set<Integer> changed = new java.util.TreeSet<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "DELETE FROM samples_compact WHERE hour = to_timestamp(?) AND collector_id = ANY(?)"
                + " RETURNING collector_id, metric_id, data")) {
      ps.setLong(1, hour);
      ps.setArray(2, ids);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          long k = key(rs.getInt(1), rs.getShort(2));
          all.put(k, merge(all.get(k), SeriesCodec.decode(rs.getBytes(3))));
          changed.add(rs.getInt(1));
        }
      }
    }
    for (var e : landed.entrySet()) {
      all.put(e.getKey(), merge(all.get(e.getKey()), e.getValue().sorted()));
      changed.add((int) (e.getKey() >>> 16));
    }
    if (changed.isEmpty()) {
      return all;
    }
    Map<Integer, java.util.TreeMap<Short, SeriesCodec.Series>> byCollector = new HashMap<>();
    for (var e : all.entrySet()) {
      int collector = (int) (e.getKey() >>> 16);
      if (changed.contains(collector)) {
        byCollector
            .computeIfAbsent(collector, k -> new java.util.TreeMap<>())
            .put((short) (e.getKey() & 0xffff), e.getValue());
      }
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO samples_hour (collector_id, hour, n, data) VALUES (?, to_timestamp(?), ?, ?)"
                + " ON CONFLICT (collector_id, hour) DO UPDATE SET n = EXCLUDED.n, data = EXCLUDED.data")) {
      for (int collector : changed) {
        var series = byCollector.get(collector);
        short[] metrics = new short[series.size()];
        SeriesCodec.Series[] values = new SeriesCodec.Series[series.size()];
        int i = 0;
        int n = 0;
        for (var e : series.entrySet()) {
          metrics[i] = e.getKey();
          values[i++] = e.getValue();
          n += e.getValue().size();
        }
        ps.setInt(1, collector);
        ps.setLong(2, hour);
        ps.setInt(3, n);
        ps.setBytes(4, SeriesCodec.encodeHour(hour, metrics, values));
        ps.addBatch();
      }
      ps.executeBatch();
    }
    return all;
  }

  /**
   * Drops the landed samples of an hour that retention has removed already: nothing to keep them
   * for.
   */
  public int discardHour(Connection c, long hour, Integer[] collectors) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "DELETE FROM samples WHERE ts >= to_timestamp(?) AND ts < to_timestamp(?) AND collector_id = ANY(?)")) {
      ps.setLong(1, hour);
      ps.setLong(2, hour + 3600);
      ps.setArray(3, c.createArrayOf("int4", collectors));
      return ps.executeUpdate();
    }
  }

  public static long key(int collector, short metric) {
    return ((long) collector << 16) | (metric & 0xffff);
  }

  /** Both ascending and each without repeats; on a timestamp in both, the old value wins. */
  static SeriesCodec.Series merge(SeriesCodec.Series old, SeriesCodec.Series add) {
    if (old == null) {
      return add;
    }
    long[] ts = new long[old.size() + add.size()];
    double[] v = new double[ts.length];
    int i = 0;
    int j = 0;
    int n = 0;
    while (i < old.size() || j < add.size()) {
      if (j == add.size() || (i < old.size() && old.ts()[i] <= add.ts()[j])) {
        if (j < add.size() && old.ts()[i] == add.ts()[j]) {
          j++;
        }
        ts[n] = old.ts()[i];
        v[n++] = old.values()[i++];
      } else {
        ts[n] = add.ts()[j];
        v[n++] = add.values()[j++];
      }
    }
    return new SeriesCodec.Series(ts, v, n);
  }

  /** The samples of one series as they come back from the DELETE, in no particular order. */
  private static final class Growing {
    long[] ts = new long[64];
    double[] values = new double[64];
    int n;

    void add(long t, double v) {
      if (n == ts.length) {
        ts = Arrays.copyOf(ts, n * 2);
        values = Arrays.copyOf(values, n * 2);
      }
      ts[n] = t;
      values[n++] = v;
    }

    /**
     * Ascending by time, a repeated timestamp once (the landing table's key forbids it, but cheap
     * to be sure).
     */
    SeriesCodec.Series sorted() {
      Integer[] order = new Integer[n];
      for (int i = 0; i < n; i++) {
        order[i] = i;
      }
      Arrays.sort(order, (a, b) -> Long.compare(ts[a], ts[b]));
      long[] t = new long[n];
      double[] v = new double[n];
      int m = 0;
      for (int i = 0; i < n; i++) {
        int k = order[i];
        if (m > 0 && t[m - 1] == ts[k]) {
          continue;
        }
        t[m] = ts[k];
        v[m++] = values[k];
      }
      return new SeriesCodec.Series(t, v, m);
    }
  }
}
