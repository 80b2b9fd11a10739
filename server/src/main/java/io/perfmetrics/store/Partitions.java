package io.perfmetrics.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Range partitions of one table, made on demand and dropped whole by retention. Partition n of
 * {@code table} is {@code table_p<n>} and holds [n * period, (n + 1) * period) seconds since 1970
 * (migration V9 makes the first ones the same way). Plain PostgreSQL partitioning, so it works the
 * same on TimescaleDB and on any operator PostgreSQL.
 *
 * @param dateBounds the partition key is a {@code date}, not a {@code timestamptz}
 */
public record Partitions(String table, long periodSeconds, boolean dateBounds, Set<Long> known) {
  /** Compact samples: a week a partition, so that 90 days of retention keep at most 97. */
  public static Partitions samplesCompact() {
    return new Partitions("samples_compact", 7 * 86_400L, false);
  }

  /** Compact samples by collector and hour (V13): a week a partition, as the above. */
  public static Partitions samplesHour() {
    return new Partitions("samples_hour", 7 * 86_400L, false);
  }

  public static Partitions sizingHourly() {
    return new Partitions("sizing_hourly", 30 * 86_400L, false);
  }

  public static Partitions sizingDaily() {
    return new Partitions("sizing_daily", 30 * 86_400L, true);
  }

  public Partitions(String table, long periodSeconds, boolean dateBounds) {
    this(table, periodSeconds, dateBounds, ConcurrentHashMap.newKeySet());
  }

  /**
   * Makes the partitions that rows at these times (epoch seconds) need, on the caller's connection
   * and in its transaction (a second connection would wait forever on single-session servers such
   * as PGlite). Creating a partition locks the parent table until that transaction ends, so callers
   * commit soon after; it happens once per partition period.
   */
  public void ensure(Connection c, Collection<Long> epochSeconds) throws SQLException {
    TreeSet<Long> missing = new TreeSet<>();
    for (long t : epochSeconds) {
      long n = Math.floorDiv(t, periodSeconds);
      if (!known.contains(n)) {
        missing.add(n);
      }
    }
    if (missing.isEmpty()) {
      return;
    }
    try (Statement s = c.createStatement()) {
      for (long n : missing) {
        String sql =
            "CREATE TABLE IF NOT EXISTS "
                + name(n)
                + " PARTITION OF "
                + table
                + " FOR VALUES FROM ('"
                + bound(n)
                + "') TO ('"
                + bound(n + 1)
                + "')";
        var savepoint = c.getAutoCommit() ? null : c.setSavepoint();
        try {
          s.execute(sql);
          if (savepoint != null) {
            c.releaseSavepoint(savepoint);
          }
        } catch (SQLException e) {
          // another appliance made it at the same moment ("already exists"): that is what we wanted
          if (!"42P07".equals(e.getSQLState()) && !"23505".equals(e.getSQLState())) {
            throw e;
          }
          if (savepoint != null) {
            c.rollback(savepoint);
          }
        }
        known.add(n);
      }
    }
  }

  /**
   * Drops every partition whose whole range is older than {@code cutoff}; returns their names. Rows
   * of a partition that ends after the cutoff stay until all of it is older.
   */
  public List<String> dropOlderThan(Connection c, Instant cutoff) throws SQLException {
    List<String> dropped = new ArrayList<>();
    try (Statement s = c.createStatement()) {
      for (long n : numbers(c)) {
        if ((n + 1) * periodSeconds <= cutoff.getEpochSecond()) {
          s.execute("DROP TABLE IF EXISTS " + name(n));
          known.remove(n);
          dropped.add(name(n));
        }
      }
    }
    return dropped;
  }

  /** Names of the existing partitions, oldest first. */
  public List<String> existing(Connection c) throws SQLException {
    List<String> names = new ArrayList<>();
    for (long n : numbers(c)) {
      names.add(name(n));
    }
    return names;
  }

  /** The numbers of the table's partitions in the database, oldest first. */
  private TreeSet<Long> numbers(Connection c) throws SQLException {
    Pattern own = Pattern.compile(Pattern.quote(table) + "_p(-?\\d+)");
    TreeSet<Long> ns = new TreeSet<>();
    try (Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT child.relname FROM pg_inherits i JOIN pg_class child ON child.oid = i.inhrelid"
                    + " JOIN pg_class parent ON parent.oid = i.inhparent WHERE parent.relname = '"
                    + table
                    + "'")) {
      while (rs.next()) {
        Matcher m = own.matcher(rs.getString(1));
        if (m.matches()) {
          ns.add(Long.parseLong(m.group(1)));
        }
      }
    }
    return ns;
  }

  String name(long n) {
    return table + "_p" + n;
  }

  private String bound(long n) {
    long t = n * periodSeconds;
    if (dateBounds) {
      return LocalDate.ofEpochDay(Math.floorDiv(t, 86_400L)).toString();
    }
    return Instant.ofEpochSecond(t)
        .atOffset(ZoneOffset.UTC)
        .toString()
        .replace('T', ' ')
        .replace("Z", "+00");
  }
}
