package io.perfmetrics.ingest;

import io.perfmetrics.store.Partitions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The landing table {@code samples}, where uploads are COPYed until the compactor moves their hour
 * into {@code samples_hour}. Partitioned by hour (migration V11) on PostgreSQL, a hypertable with
 * 1-hour chunks on TimescaleDB; either way an hour's partition or chunk is dropped whole once it is
 * compacted, so the table holds only the last hour or two and never the dead rows of the
 * compactor's {@code DELETE}s.
 *
 * <p>A partition may go once no {@code sizing_dirty} mark for its hour is left: the writer marks
 * the hours of its samples in the transaction that stores them, and the compactor deletes a mark
 * only in the transaction that took the hour's samples out (and only if no upload marked it again).
 * So no mark means no live row. That is checked under an exclusive lock on {@code samples}, so no
 * upload can commit in between; the lock is held for a catalog change of a few milliseconds, once
 * an hour.
 */
public final class LandingTable {
  /** What the landing table is on this database, looked up once. */
  enum Kind {
    PARTITIONED,
    HYPERTABLE,
    PLAIN
  }

  private final Partitions hours = new Partitions("samples", 3600, false);
  private volatile Kind kind;

  private Kind kind(Connection c) throws SQLException {
    Kind k = kind;
    if (k == null) {
      try (Statement s = c.createStatement();
          ResultSet rs =
              s.executeQuery(
                  "SELECT EXISTS (SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass('samples')),"
                      + " EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb')")) {
        rs.next();
        k = rs.getBoolean(1) ? Kind.PARTITIONED : rs.getBoolean(2) ? Kind.HYPERTABLE : Kind.PLAIN;
      }
      kind = k;
    }
    return k;
  }

  /**
   * Makes the hourly partitions these samples need, on the caller's connection and in its
   * transaction (commit soon after: it locks the parent). Nothing to do on TimescaleDB, which makes
   * its chunks itself.
   */
  public void prepare(Connection c, List<SampleBatch> batches) throws SQLException {
    if (kind(c) != Kind.PARTITIONED) {
      return;
    }
    Set<Long> seen = new HashSet<>();
    for (SampleBatch b : batches) {
      long prev = Long.MIN_VALUE;
      for (int i = 0; i < b.size(); i++) {
        long h = Math.floorDiv(b.epochSeconds()[i], 3600L);
        if (h != prev) {
          seen.add(h * 3600);
          prev = h;
        }
      }
    }
    hours.ensure(c, seen);
  }

  /**
   * Forgets which partitions exist: the compactor dropped one this writer had made (a sample came
   * late for a compacted hour), and the next {@link #prepare} makes it again.
   */
  public void forget() {
    hours.known().clear();
  }

  /**
   * Drops every partition (or chunk) that ended at or before {@code before} (epoch s) and has no
   * mark left, in a transaction of its own on {@code c} (not in autocommit). Gives up for this
   * time, returning 0, if the lock on {@code samples} is not granted within 2 s.
   */
  public int dropCompacted(Connection c, long before) throws SQLException {
    Kind k = kind(c);
    if (k == Kind.PLAIN) {
      return 0;
    }
    List<long[]> candidates = new ArrayList<>();
    List<String> chunkNames = new ArrayList<>();
    if (k == Kind.PARTITIONED) {
      for (String name : hours.existing(c)) {
        long n = Long.parseLong(name.substring("samples_p".length()));
        if ((n + 1) * 3600 <= before) {
          candidates.add(new long[] {n * 3600, (n + 1) * 3600});
          chunkNames.add(name);
        }
      }
    } else {
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT extract(epoch FROM range_start)::bigint, extract(epoch FROM range_end)::bigint"
                  + " FROM timescaledb_information.chunks WHERE hypertable_name = 'samples'"
                  + " AND range_end <= to_timestamp(?) ORDER BY range_start")) {
        ps.setLong(1, before);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            candidates.add(new long[] {rs.getLong(1), rs.getLong(2)});
            chunkNames.add(null);
          }
        }
      }
    }
    c.commit();
    if (candidates.isEmpty()) {
      return 0;
    }
    int dropped = 0;
    try (Statement s = c.createStatement()) {
      s.execute("SET LOCAL lock_timeout = '2s'");
      s.execute("LOCK TABLE samples IN ACCESS EXCLUSIVE MODE");
      TreeSet<Long> marked = new TreeSet<>();
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT DISTINCT extract(epoch FROM hour)::bigint FROM sizing_dirty WHERE hour < to_timestamp(?)")) {
        ps.setLong(1, before);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            marked.add(rs.getLong(1));
          }
        }
      }
      for (int i = 0; i < candidates.size(); i++) {
        long[] range = candidates.get(i);
        Long mark = marked.ceiling(range[0]);
        if (mark != null && mark < range[1]) {
          continue;
        }
        if (k == Kind.PARTITIONED) {
          s.execute("DROP TABLE " + chunkNames.get(i));
          hours.known().remove(range[0] / 3600);
        } else {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT count(*) FROM drop_chunks('samples', older_than => to_timestamp(?), newer_than => to_timestamp(?))")) {
            ps.setLong(1, range[1]);
            ps.setLong(2, range[0]);
            try (ResultSet rs = ps.executeQuery()) {
              rs.next();
            }
          }
        }
        dropped++;
      }
      c.commit();
    } catch (SQLException e) {
      c.rollback();
      if ("55P03".equals(e.getSQLState())) {
        return 0; // uploads held the table for 2 s: next pass
      }
      throw e;
    }
    return dropped;
  }
}
