package io.perfmetrics.store;

import io.perfmetrics.config.RetentionSettings;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes data older than {@link RetentionSettings} by dropping whole partitions (compact samples,
 * rollups) and, on TimescaleDB, whole chunks of the samples hypertable: no DELETE, no bloat, no
 * vacuum. On plain PostgreSQL the landing table {@code samples} holds only the hours not compacted
 * yet; the compactor discards what lands there older than the retention.
 */
public final class Retention {
  private static final Logger log = LoggerFactory.getLogger(Retention.class);

  /**
   * What one run removed: partition names, how many hypertable chunks, and how many rows of the
   * port audit's listener summary and hourly socket tables.
   */
  public record Result(List<String> droppedPartitions, int droppedChunks, long prunedSocketRows) {
    public Result(List<String> droppedPartitions, int droppedChunks) {
      this(droppedPartitions, droppedChunks, 0);
    }
  }

  private final DataSource dataSource;
  private final RetentionSettings settings;
  private final Clock clock;

  private final Runnable afterSocketPrune;

  public Retention(DataSource dataSource, RetentionSettings settings, Clock clock) {
    this(dataSource, settings, clock, () -> {});
  }

  /**
   * @param afterSocketPrune run when listeners were pruned (the port audit's cache is dropped)
   */
  public Retention(
      DataSource dataSource, RetentionSettings settings, Clock clock, Runnable afterSocketPrune) {
    this.dataSource = dataSource;
    this.settings = settings;
    this.clock = clock;
    this.afterSocketPrune = afterSocketPrune;
  }

  public synchronized Result runOnce() {
    Instant now = clock.instant();
    Instant rawCutoff = now.minusSeconds(settings.rawDays() * 86_400L);
    Instant rollupCutoff = now.minusSeconds(settings.rollupDays() * 86_400L);
    List<String> dropped = new ArrayList<>();
    int chunks = 0;
    long socketRows;
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(true);
      dropped.addAll(Partitions.samplesCompact().dropOlderThan(c, rawCutoff));
      dropped.addAll(Partitions.samplesHour().dropOlderThan(c, rawCutoff));
      dropped.addAll(Partitions.sizingHourly().dropOlderThan(c, rollupCutoff));
      dropped.addAll(Partitions.sizingDaily().dropOlderThan(c, rollupCutoff));
      if (hasTimescale(c)) {
        try (PreparedStatement ps =
            c.prepareStatement("SELECT count(*) FROM drop_chunks('samples', older_than => ?)")) {
          ps.setTimestamp(1, Timestamp.from(rawCutoff));
          try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            chunks = rs.getInt(1);
          }
        }
      }
      socketRows = pruneSockets(c, rollupCutoff);
    } catch (SQLException e) {
      throw new StorageUnavailableException("retention failed: " + e.getMessage(), e);
    }
    if (socketRows > 0) {
      afterSocketPrune.run();
      log.info(
          "retention: pruned {} listener and socket-hour rows before {}", socketRows, rollupCutoff);
    }
    if (!dropped.isEmpty() || chunks > 0) {
      log.info(
          "retention: dropped {} partition(s) {} and {} chunk(s) (samples before {}, rollups before {})",
          dropped.size(),
          dropped,
          chunks,
          rawCutoff,
          rollupCutoff);
    }
    return new Result(dropped, chunks, socketRows);
  }

  /**
   * The port audit's tables keep the rollups' retention: a listener not seen since the cutoff
   * leaves the summary (and so the audit), and hourly socket rows before it go. These tables are
   * not partitioned (hypertables on TimescaleDB, whose own policy is a fixed 400 days), so this is
   * a DELETE; the summary holds a few rows per host and the hourly rows go an hour's worth a run.
   */
  private static long pruneSockets(Connection c, Instant cutoff) throws SQLException {
    // connection_weeks: a day goes when all of it is older than the cutoff, as the hourly rows
    // do; the week the cutoff falls in loses the bits of its days before it (a row left with none
    // is deleted below), whole weeks before it go
    java.time.LocalDate cutoffDay = cutoff.atZone(java.time.ZoneOffset.UTC).toLocalDate();
    java.time.LocalDate week =
        cutoffDay.with(
            java.time.temporal.TemporalAdjusters.previousOrSame(java.time.DayOfWeek.MONDAY));
    int keptFrom = (cutoffDay.getDayOfWeek().getValue() - 1) * 24;
    String kept = "((~B'0'::bit(168)) << " + keptFrom + ")";
    try (PreparedStatement ps =
        c.prepareStatement(
            "UPDATE connection_weeks SET hours = hours & "
                + kept
                + " WHERE week = ? AND hours & ~"
                + kept
                + " <> B'0'::bit(168) AND hours & "
                + kept
                + " <> B'0'::bit(168)")) {
      ps.setDate(1, java.sql.Date.valueOf(week));
      ps.executeUpdate();
    }
    String sql =
        "WITH l AS (DELETE FROM listeners WHERE last_seen < ? RETURNING 1),"
            + " lh AS (DELETE FROM listener_hours WHERE hour < date_trunc('hour', ?::timestamptz) RETURNING 1),"
            + " ch AS (DELETE FROM connection_hours WHERE hour < date_trunc('hour', ?::timestamptz) RETURNING 1),"
            + " cw AS (DELETE FROM connection_weeks WHERE week < ?::date OR (week = ?::date AND hours & "
            + kept
            + " = B'0'::bit(168)) RETURNING 1),"
            // a key goes with its last day
            + " ck AS (DELETE FROM connection_keys WHERE last_day < (?::timestamptz AT TIME ZONE 'UTC')::date RETURNING 1)"
            + " SELECT (SELECT count(*) FROM l) + (SELECT count(*) FROM lh) + (SELECT count(*) FROM ch)"
            + " + (SELECT count(*) FROM cw) + (SELECT count(*) FROM ck)";
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      Timestamp t = Timestamp.from(cutoff);
      ps.setTimestamp(1, t);
      ps.setTimestamp(2, t);
      ps.setTimestamp(3, t);
      ps.setDate(4, java.sql.Date.valueOf(week));
      ps.setDate(5, java.sql.Date.valueOf(week));
      ps.setTimestamp(6, t);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  /**
   * What the console's overview shows: the database's size on disk and its oldest sample (null when
   * none). The oldest compacted sample is looked for in the oldest partitions only, which retention
   * keeps few.
   */
  public record Usage(long databaseBytes, Instant oldestSample) {}

  /** The first sample of the oldest hour in one compact table, or null when it has none. */
  private static Instant oldestCompacted(Connection c, Partitions table) throws SQLException {
    boolean byCollector = table.table().equals("samples_hour");
    try (java.sql.Statement s = c.createStatement()) {
      for (String partition : table.existing(c)) {
        Instant first;
        try (ResultSet rs = s.executeQuery("SELECT min(hour) FROM " + partition)) {
          if (!rs.next() || rs.getTimestamp(1) == null) {
            continue;
          }
          first = rs.getTimestamp(1).toInstant();
        }
        try (PreparedStatement ps =
            c.prepareStatement("SELECT data FROM " + partition + " WHERE hour = ? LIMIT 1")) {
          ps.setTimestamp(1, Timestamp.from(first));
          try (ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
              return first;
            }
            long ts = Long.MAX_VALUE;
            if (byCollector) {
              for (var series :
                  io.perfmetrics.ingest.SeriesCodec.decodeHour(
                          first.getEpochSecond(), rs.getBytes(1))
                      .values()) {
                ts = series.size() > 0 ? Math.min(ts, series.ts()[0]) : ts;
              }
            } else {
              ts = io.perfmetrics.ingest.SeriesCodec.decode(rs.getBytes(1)).ts()[0];
            }
            Instant t = ts == Long.MAX_VALUE ? first : Instant.ofEpochSecond(ts);
            // other rows of the same hour may start a little earlier: the hour is close enough
            return first.isBefore(t) ? first : t;
          }
        }
      }
    }
    return null;
  }

  public static Usage usage(DataSource dataSource) {
    try (Connection c = dataSource.getConnection();
        java.sql.Statement s = c.createStatement()) {
      long bytes;
      try (ResultSet rs = s.executeQuery("SELECT pg_database_size(current_database())")) {
        rs.next();
        bytes = rs.getLong(1);
      }
      Instant oldest = null;
      try (ResultSet rs = s.executeQuery("SELECT min(ts) FROM samples")) {
        if (rs.next() && rs.getTimestamp(1) != null) {
          oldest = rs.getTimestamp(1).toInstant();
        }
      }
      for (Partitions table : List.of(Partitions.samplesCompact(), Partitions.samplesHour())) {
        Instant t = oldestCompacted(c, table);
        oldest = t != null && (oldest == null || t.isBefore(oldest)) ? t : oldest;
      }
      return new Usage(bytes, oldest);
    } catch (SQLException e) {
      throw new StorageUnavailableException("could not measure the database: " + e.getMessage(), e);
    }
  }

  private static boolean hasTimescale(Connection c) throws SQLException {
    try (PreparedStatement ps =
            c.prepareStatement("SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'");
        ResultSet rs = ps.executeQuery()) {
      return rs.next();
    }
  }
}
