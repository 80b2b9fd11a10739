package io.perfmetrics.sizing;

import io.perfmetrics.config.RetentionSettings;
import io.perfmetrics.ingest.SampleCompactor;
import io.perfmetrics.ingest.SeriesCodec;
import io.perfmetrics.store.Partitions;
import io.perfmetrics.store.StorageUnavailableException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps {@code sizing_hourly} and {@code sizing_daily} up to date: recomputes from the stored
 * samples every hour the sample writer marked, then merges the hours of each touched day. Every row
 * is recomputed whole from what is stored, so replays, concurrent appliances and a rollup
 * interrupted half-way can never count a sample twice; at worst an hour is computed again.
 *
 * <p>Only hours that have ended, and have had no new samples for {@link #QUIET}, are rolled up.
 * Collectors upload every few minutes, so the current hour is re-marked with every upload, and an
 * ended hour still gets the samples of its last minutes for a few minutes after its end;
 * recomputing it at each of those uploads would read its samples many times over. This way an hour
 * is usually computed once. Reports therefore cover samples up to the last full hour, a few minutes
 * after it ends.
 *
 * <p>Runs in the background every few seconds; {@link #runOnce} is public so that tests (and a
 * benchmark) drive it step by step.
 */
public final class Rollup {
  private static final Logger log = LoggerFactory.getLogger(Rollup.class);
  static final int MARKS_PER_TRANSACTION = 5_000;
  static final int DAYS_PER_TRANSACTION = 5_000;

  /** An hour is rolled up once it has had no new samples for this long. */
  public static final java.time.Duration QUIET = java.time.Duration.ofMinutes(2);

  private record Mark(int collector, long hour, long seq) {}

  private final DataSource dataSource;
  private final Clock clock;
  private final Runnable onProgress;
  private final RetentionSettings retention;
  private final SampleCompactor compactor = new SampleCompactor(Partitions.samplesHour());
  private final Partitions hourlyPartitions = Partitions.sizingHourly();
  private final Partitions dailyPartitions = Partitions.sizingDaily();

  private final io.perfmetrics.ingest.LandingTable landing =
      new io.perfmetrics.ingest.LandingTable();

  /**
   * @param onProgress called after a run that changed rollups: cached reports are stale
   */
  public Rollup(DataSource dataSource, Clock clock, Runnable onProgress) {
    this(dataSource, clock, onProgress, RetentionSettings.defaults());
  }

  /**
   * @param retention hours older than its raw-sample period are not rolled up again (their samples
   *     are gone or going; what is left of them would make a partial rollup)
   */
  public Rollup(
      DataSource dataSource, Clock clock, Runnable onProgress, RetentionSettings retention) {
    this.dataSource = dataSource;
    this.clock = clock;
    this.onProgress = onProgress;
    this.retention = retention;
  }

  /**
   * True: the rollup also moves ended hours into {@code samples_hour}, on PostgreSQL and on
   * TimescaleDB alike (there the compact rows measured smaller than TimescaleDB's own compression
   * of the hypertable; docs/storage.md).
   */
  public boolean compacting() {
    return true;
  }

  /**
   * How long the oldest mark that is due (its hour ended and has been quiet for {@link #QUIET}) has
   * waited for a rollup, in seconds; 0 when none is due. A healthy appliance stays within a rollup
   * period; a growing figure means rollups fail or fall behind.
   */
  public double lagSeconds() {
    long now = clock.instant().getEpochSecond();
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT coalesce(max(? - greatest(extract(epoch FROM hour) + 3600, extract(epoch FROM marked_at) + ?)), 0)"
                    + " FROM sizing_dirty WHERE hour <= to_timestamp(?) AND marked_at <= to_timestamp(?)")) {
      ps.setLong(1, now);
      ps.setLong(2, QUIET.toSeconds());
      ps.setLong(3, now - 3600);
      ps.setLong(4, now - QUIET.toSeconds());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return Math.max(0, rs.getDouble(1));
      }
    } catch (SQLException e) {
      throw new StorageUnavailableException("cannot read the rollup marks: " + e.getMessage(), e);
    }
  }

  /** Processes every pending mark; returns the number of (collector, hour) pairs rolled up. */
  public synchronized long runOnce() {
    boolean compact = compacting();
    long hours = 0;
    long days = 0;
    try (Connection c = dataSource.getConnection()) {
      Map<Short, Histogram.Scale> ids = metricIds(c);
      c.setAutoCommit(false);
      try {
        while (true) {
          int[] done = hourBatch(c, ids, clock.instant().getEpochSecond(), compact);
          c.commit();
          hours += done[0];
          // a batch that could delete none of its marks (all re-marked meanwhile) ends the run
          if (done[0] < MARKS_PER_TRANSACTION || done[1] == 0) {
            break;
          }
        }
        if (compact) {
          // the landing table's compacted hours go whole, not as dead rows left to VACUUM
          landing.dropCompacted(c, clock.instant().getEpochSecond() - QUIET.toSeconds());
        }
        while (true) {
          int n = dayBatch(c);
          c.commit();
          days += n;
          if (n < DAYS_PER_TRANSACTION) {
            break;
          }
        }
      } catch (SQLException e) {
        c.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw new StorageUnavailableException("sizing rollup failed: " + e.getMessage(), e);
    }
    if (hours > 0 || days > 0) {
      log.debug("sizing rollup: {} host-hour(s), {} host-day(s)", hours, days);
      onProgress.run();
    }
    return hours;
  }

  /**
   * The ids of the metrics sizing rolls up, with their histogram scale: the {@link SizingMetric}s
   * and every per-disk and per-volume metric ({@link DeviceMetric}), whose names the collectors
   * make per device (ids are interned per name, so {@code disk.sda.read_ops_per_s} is one id for
   * every host that has an sda).
   */
  private static Map<Short, Histogram.Scale> metricIds(Connection c) throws SQLException {
    Map<Short, Histogram.Scale> ids = new HashMap<>();
    List<String> names = new ArrayList<>();
    for (SizingMetric m : SizingMetric.values()) {
      names.add(m.metricName);
    }
    try (PreparedStatement ps =
        c.prepareStatement("SELECT id, name FROM metrics WHERE name = ANY(?) OR name ~ ?")) {
      ps.setArray(1, c.createArrayOf("text", names.toArray()));
      ps.setString(2, DeviceMetric.SQL_PATTERN);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          SizingMetric m = SizingMetric.byName(rs.getString(2));
          ids.put(rs.getShort(1), m == null ? Histogram.Scale.LOG : m.scale);
        }
      }
    }
    return ids;
  }

  /** One transaction's worth of marks: returns {marks read, marks deleted}. */
  private int[] hourBatch(Connection c, Map<Short, Histogram.Scale> ids, long now, boolean compact)
      throws SQLException {
    List<Mark> marks = new ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT collector_id, extract(epoch FROM hour)::bigint, seq FROM sizing_dirty WHERE hour <= to_timestamp(?)"
                + " AND marked_at <= to_timestamp(?) ORDER BY hour, collector_id LIMIT ?")) {
      ps.setLong(1, now - 3600);
      ps.setLong(2, now - QUIET.toSeconds());
      ps.setInt(3, MARKS_PER_TRANSACTION);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          marks.add(new Mark(rs.getInt(1), rs.getLong(2), rs.getLong(3)));
        }
      }
    }
    if (marks.isEmpty()) {
      return new int[] {0, 0};
    }
    Map<Long, List<Integer>> byHour = new TreeMap<>();
    for (Mark m : marks) {
      byHour.computeIfAbsent(m.hour(), k -> new ArrayList<>()).add(m.collector());
    }
    Short[] metricIds = ids.keySet().toArray(Short[]::new);
    TreeSet<Long> touchedDays = new TreeSet<>();
    long rawCutoff = now - retention.rawDays() * 86_400L;
    for (var it = byHour.entrySet().iterator(); it.hasNext(); ) {
      var e = it.next();
      if (e.getKey() + 3600 <= rawCutoff) {
        if (compact) {
          compactor.discardHour(c, e.getKey(), e.getValue().toArray(Integer[]::new));
        }
        it.remove();
      }
    }
    // partitions in a short transaction of their own (it locks the parent tables); the marks
    // read so far stay valid: each is deleted below only if its seq is still the same
    c.commit();
    if (compact) {
      compactor.prepare(c, byHour.keySet());
    }
    hourlyPartitions.ensure(c, byHour.keySet());
    List<Long> days = new ArrayList<>();
    for (long hour : byHour.keySet()) {
      days.add(Math.floorDiv(hour, 86_400L) * 86_400L);
    }
    dailyPartitions.ensure(c, days);
    c.commit();
    try (PreparedStatement read =
            c.prepareStatement(
                "SELECT collector_id, metric_id, value FROM samples WHERE ts >= to_timestamp(?) AND ts < to_timestamp(?)"
                    + " AND collector_id = ANY(?) AND metric_id = ANY(?)");
        PreparedStatement delete =
            c.prepareStatement(
                "DELETE FROM sizing_hourly WHERE hour = to_timestamp(?) AND collector_id = ANY(?)");
        PreparedStatement insert =
            c.prepareStatement(
                "INSERT INTO sizing_hourly (collector_id, metric_id, hour, n, sum, max, hist)"
                    + " VALUES (?, ?, to_timestamp(?), ?, ?, ?, ?)")) {
      for (var e : byHour.entrySet()) {
        long hour = e.getKey();
        Integer[] collectors = e.getValue().toArray(Integer[]::new);
        Map<Long, Histogram> hists = new HashMap<>();
        if (compact) {
          for (int from = 0;
              from < collectors.length;
              from += SampleCompactor.COLLECTORS_PER_STATEMENT) {
            Integer[] some =
                java.util.Arrays.copyOfRange(
                    collectors,
                    from,
                    Math.min(collectors.length, from + SampleCompactor.COLLECTORS_PER_STATEMENT));
            for (var series : compactor.compactHour(c, hour, some).entrySet()) {
              Histogram.Scale scale = ids.get((short) (series.getKey() & 0xffff));
              if (scale == null) {
                continue;
              }
              Histogram h = new Histogram(scale);
              SeriesCodec.Series s = series.getValue();
              for (int i = 0; i < s.size(); i++) {
                h.add(s.values()[i]);
              }
              hists.put(series.getKey(), h);
            }
          }
        } else if (metricIds.length > 0) {
          read.setLong(1, hour);
          read.setLong(2, hour + 3600);
          read.setArray(3, c.createArrayOf("int4", collectors));
          read.setArray(4, c.createArrayOf("int2", metricIds));
          read.setFetchSize(50_000);
          try (ResultSet rs = read.executeQuery()) {
            while (rs.next()) {
              int collector = rs.getInt(1);
              short metric = rs.getShort(2);
              long key = seriesKey(collector, metric);
              hists.computeIfAbsent(key, k -> new Histogram(ids.get(metric))).add(rs.getDouble(3));
            }
          }
        }
        delete.setLong(1, hour);
        delete.setArray(2, c.createArrayOf("int4", collectors));
        delete.executeUpdate();
        insertAll(insert, hists, ps -> ps.setLong(3, hour));
        for (Integer col : collectors) {
          touchedDays.add(((long) col << 32) | Math.floorDiv(hour, 86_400L));
        }
      }
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO sizing_dirty_day (collector_id, day) VALUES (?, DATE '1970-01-01' + ?) ON CONFLICT DO NOTHING")) {
      for (long k : touchedDays) {
        ps.setInt(1, (int) (k >>> 32));
        ps.setInt(2, (int) (k & 0xffffffffL));
        ps.addBatch();
      }
      ps.executeBatch();
    }
    // in (collector, hour) order, the order writers mark in: no lock cycle between the two
    marks.sort(
        (a, b) ->
            a.collector() != b.collector()
                ? Integer.compare(a.collector(), b.collector())
                : Long.compare(a.hour(), b.hour()));
    int deleted = 0;
    try (PreparedStatement ps =
        c.prepareStatement(
            "DELETE FROM sizing_dirty WHERE collector_id = ? AND hour = to_timestamp(?) AND seq = ?")) {
      for (Mark m : marks) {
        ps.setInt(1, m.collector());
        ps.setLong(2, m.hour());
        ps.setLong(3, m.seq());
        ps.addBatch();
      }
      for (int n : ps.executeBatch()) {
        deleted += Math.max(n, 0);
      }
    }
    return new int[] {marks.size(), deleted};
  }

  /** Merges the hours of up to DAYS_PER_TRANSACTION touched (collector, day) pairs. */
  private int dayBatch(Connection c) throws SQLException {
    Map<Integer, List<Integer>> byDay = new TreeMap<>();
    int n = 0;
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT collector_id, day - DATE '1970-01-01' FROM sizing_dirty_day ORDER BY day, collector_id LIMIT ?"
                + " FOR UPDATE SKIP LOCKED")) {
      ps.setInt(1, DAYS_PER_TRANSACTION);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          byDay.computeIfAbsent(rs.getInt(2), k -> new ArrayList<>()).add(rs.getInt(1));
          n++;
        }
      }
    }
    if (n == 0) {
      return 0;
    }
    List<Long> starts = new ArrayList<>();
    for (int day : byDay.keySet()) {
      starts.add(day * 86_400L);
    }
    dailyPartitions.ensure(c, starts);
    try (PreparedStatement read =
            c.prepareStatement(
                "SELECT collector_id, metric_id, n, sum, max, hist FROM sizing_hourly WHERE collector_id = ANY(?)"
                    + " AND hour >= to_timestamp(?) AND hour < to_timestamp(?)");
        PreparedStatement delete =
            c.prepareStatement(
                "DELETE FROM sizing_daily WHERE day = DATE '1970-01-01' + ? AND collector_id = ANY(?)");
        PreparedStatement insert =
            c.prepareStatement(
                "INSERT INTO sizing_daily (collector_id, metric_id, day, n, sum, max, hist)"
                    + " VALUES (?, ?, DATE '1970-01-01' + ?, ?, ?, ?, ?)");
        PreparedStatement done =
            c.prepareStatement(
                "DELETE FROM sizing_dirty_day WHERE day = DATE '1970-01-01' + ? AND collector_id = ANY(?)")) {
      for (var e : byDay.entrySet()) {
        int day = e.getKey();
        var collectors = c.createArrayOf("int4", e.getValue().toArray());
        Map<Long, Histogram> hists = new HashMap<>();
        read.setArray(1, collectors);
        read.setLong(2, day * 86_400L);
        read.setLong(3, (day + 1) * 86_400L);
        read.setFetchSize(20_000);
        try (ResultSet rs = read.executeQuery()) {
          while (rs.next()) {
            short metric = rs.getShort(2);
            long key = seriesKey(rs.getInt(1), metric);
            Histogram h = hists.get(key);
            if (h == null) {
              h = new Histogram(scaleOf(c, metric));
              hists.put(key, h);
            }
            h.mergeEncoded(rs.getBytes(6), rs.getInt(3), rs.getDouble(4), rs.getDouble(5));
          }
        }
        delete.setInt(1, day);
        delete.setArray(2, collectors);
        delete.executeUpdate();
        insertAll(insert, hists, ps -> ps.setInt(3, day));
        done.setInt(1, day);
        done.setArray(2, collectors);
        done.executeUpdate();
      }
    }
    return n;
  }

  private final Map<Short, Histogram.Scale> scales = new HashMap<>();

  private Histogram.Scale scaleOf(Connection c, short metric) throws SQLException {
    Histogram.Scale s = scales.get(metric);
    if (s == null) {
      scales.putAll(metricIds(c));
      s = scales.getOrDefault(metric, Histogram.Scale.LOG);
    }
    return s;
  }

  /** A (collector, metric) pair as one map key; {@link #insertAll} takes it apart again. */
  private static long seriesKey(int collector, short metric) {
    return ((long) collector << 16) | (metric & 0xffff);
  }

  /** Sets parameter 3 of a rollup insert: the hour (epoch s) or the day (days since 1970). */
  @FunctionalInterface
  private interface PeriodParam {
    void set(PreparedStatement insert) throws SQLException;
  }

  /** Inserts one rollup row per (collector, metric) histogram, as one batch. */
  private static void insertAll(
      PreparedStatement insert, Map<Long, Histogram> hists, PeriodParam period)
      throws SQLException {
    for (var h : hists.entrySet()) {
      Histogram hist = h.getValue();
      insert.setInt(1, (int) (h.getKey() >>> 16));
      insert.setShort(2, (short) (h.getKey() & 0xffff));
      period.set(insert);
      insert.setInt(4, (int) hist.count());
      insert.setDouble(5, hist.sum());
      insert.setDouble(6, hist.max());
      insert.setBytes(7, hist.encode());
      insert.addBatch();
    }
    insert.executeBatch();
  }
}
