package io.perfmetrics.network;

import io.perfmetrics.store.StorageUnavailableException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.sql.DataSource;

/**
 * Stores socket snapshots. Per group of bodies (see {@link SocketWriter}), one transaction: the
 * snapshot keys go in first (with their hosts' first/last snapshot, one statement), and only the
 * rows of snapshots that were not there already are COPYed ({@link SocketCopy}, binary) into {@code
 * socket_rows}, so a replay changes nothing. {@link #rollup} later moves the rows of ended hours
 * into the hourly tables and the listener summary in one statement; readers add what is not rolled
 * up yet.
 */
public final class SocketStore {
  private final DataSource dataSource;

  public SocketStore(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  private record Key(int collectorId, long ts) {}

  /** What a group stored: how many snapshots were new (the others were replays), and whose. */
  record Written(int snapshots, Set<Integer> hosts) {}

  /** Stores the uploads of several requests in one transaction. */
  Written write(List<SocketCopy.Upload> uploads, SocketCopy copy) throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try {
        Set<Key> fresh = insertKeys(c, uploads);
        if (!fresh.isEmpty()) {
          copy.copy(c, "socket_rows", uploads, (id, ts) -> fresh.contains(new Key(id, ts)));
        }
        c.commit();
        Set<Integer> hosts = new HashSet<>();
        for (Key k : fresh) {
          hosts.add(k.collectorId());
        }
        return new Written(fresh.size(), hosts);
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    }
  }

  private static Set<Key> insertKeys(Connection c, List<SocketCopy.Upload> uploads)
      throws SQLException {
    List<Integer> id = new ArrayList<>();
    List<Long> ts = new ArrayList<>();
    List<String> source = new ArrayList<>();
    List<Integer> lr = new ArrayList<>();
    List<Integer> cr = new ArrayList<>();
    List<Integer> dr = new ArrayList<>();
    for (SocketCopy.Upload u : uploads) {
      for (SocketSnapshot s : u.snapshots()) {
        id.add(u.collectorId());
        ts.add(s.ts());
        source.add(s.source());
        lr.add(s.listenerRows());
        cr.add(s.connectionRows());
        dr.add(s.droppedRows());
      }
    }
    // One statement per group: the new keys also update their hosts (first, last, count), so a
    // replayed snapshot touches neither; host rows are locked in key order, so two writers
    // never wait on each other in opposite orders.
    String sql =
        "WITH k AS (INSERT INTO socket_snapshots (collector_id, ts, source, listener_rows, connection_rows,"
            + " dropped_rows) SELECT i, to_timestamp(t), s, l, n, d FROM unnest(?::int[], ?::bigint[], ?::text[], ?::int[],"
            + " ?::int[], ?::int[]) AS u(i, t, s, l, n, d) ORDER BY i, t ON CONFLICT DO NOTHING RETURNING collector_id, ts),"
            + " h AS (INSERT INTO socket_hosts (collector_id, first_snapshot, last_snapshot, snapshots)"
            + " SELECT collector_id, min(ts), max(ts), count(*) FROM k GROUP BY collector_id ORDER BY collector_id"
            + " ON CONFLICT (collector_id) DO UPDATE SET"
            + " first_snapshot = least(socket_hosts.first_snapshot, excluded.first_snapshot),"
            + " last_snapshot = greatest(socket_hosts.last_snapshot, excluded.last_snapshot),"
            + " snapshots = socket_hosts.snapshots + excluded.snapshots)"
            + " SELECT collector_id, extract(epoch FROM ts)::bigint FROM k";
    Set<Key> fresh = new HashSet<>();
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setArray(1, c.createArrayOf("int4", id.toArray()));
      ps.setArray(2, c.createArrayOf("int8", ts.toArray()));
      ps.setArray(3, c.createArrayOf("text", source.toArray()));
      ps.setArray(4, c.createArrayOf("int4", lr.toArray()));
      ps.setArray(5, c.createArrayOf("int4", cr.toArray()));
      ps.setArray(6, c.createArrayOf("int4", dr.toArray()));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          fresh.add(new Key(rs.getInt(1), rs.getLong(2)));
        }
      }
    }
    return fresh;
  }

  /**
   * SQL for the bit of timestamp column {@code ts}'s hour in its UTC week (Monday 00:00 is hour 0,
   * the rightmost bit) as connection_weeks (V17) keeps them.
   *
   * @param ts a column name or qualified column (a constant of this codebase, never input)
   */
  public static String hourOfWeekBit(String ts) {
    return "B'1'::bit(168) >> (167 - floor(extract(epoch FROM ("
        + ts
        + " AT TIME ZONE 'UTC') - date_trunc('week', "
        + ts
        + " AT TIME ZONE 'UTC')) / 3600)::int)";
  }

  /** A connection key of connection_keys (V17), which connection_weeks refers to by id. */
  private static final String KEY_K =
      "collector_id, direction, proto, local_addr, local_port, remote_addr, remote_port, username,"
          + " process";

  /**
   * Moves the rows of hours that ended before {@code before} into {@code listener_hours}, {@code
   * connection_hours}, {@code connection_keys}, {@code connection_weeks} and {@code listeners}, in
   * one statement (so one transaction, and two appliances rolling up at once each move a row at
   * most once).
   *
   * @return the number of raw rows moved
   */
  public long rollup(Instant before) {
    String keyL = "collector_id, proto, local_addr, local_port, username, process, service";
    String keyC =
        "collector_id, hour, direction, proto, local_addr, local_port, remote_addr, remote_port,"
            + " username, process, service";
    String sql =
        "WITH moved AS (DELETE FROM socket_rows WHERE ts < date_trunc('hour', ?::timestamptz) RETURNING *),"
            + " lh AS (INSERT INTO listener_hours ("
            + keyL.replace("collector_id,", "collector_id, hour,")
            + ", first_seen, last_seen, snapshots)"
            + "   SELECT collector_id, date_trunc('hour', ts), proto, local_addr, local_port, username, process, service,"
            + "   min(ts), max(ts), count(*) FROM moved WHERE kind = 'l' GROUP BY 1, 2, 3, 4, 5, 6, 7, 8 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8"
            + "   ON CONFLICT ("
            + keyL.replace("collector_id,", "collector_id, hour,")
            + ") DO UPDATE SET"
            + "   first_seen = least(listener_hours.first_seen, excluded.first_seen),"
            + "   last_seen = greatest(listener_hours.last_seen, excluded.last_seen),"
            + "   snapshots = listener_hours.snapshots + excluded.snapshots),"
            + " ls AS (INSERT INTO listeners ("
            + keyL
            + ", first_seen, last_seen, snapshots)"
            + "   SELECT "
            + keyL
            + ", min(ts), max(ts), count(*) FROM moved WHERE kind = 'l'"
            + "   GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2, 3, 4, 5, 6, 7"
            + "   ON CONFLICT ("
            + keyL
            + ") DO UPDATE SET"
            + "   first_seen = least(listeners.first_seen, excluded.first_seen),"
            + "   last_seen = greatest(listeners.last_seen, excluded.last_seen),"
            + "   snapshots = listeners.snapshots + excluded.snapshots),"
            + " ch AS (INSERT INTO connection_hours ("
            + keyC
            + ", first_seen, last_seen, snapshots, connections,"
            + "   max_connections)"
            + "   SELECT collector_id, date_trunc('hour', ts), direction, proto, local_addr, local_port, remote_addr,"
            + "   remote_port, username, process, service, min(ts), max(ts), count(*), sum(connections), max(connections)"
            + "   FROM moved WHERE kind = 'c' GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11"
            + "   ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11"
            + "   ON CONFLICT ("
            + keyC
            + ") DO UPDATE SET"
            + "   first_seen = least(connection_hours.first_seen, excluded.first_seen),"
            + "   last_seen = greatest(connection_hours.last_seen, excluded.last_seen),"
            + "   snapshots = connection_hours.snapshots + excluded.snapshots,"
            + "   connections = connection_hours.connections + excluded.connections,"
            + "   max_connections = greatest(connection_hours.max_connections, excluded.max_connections)),"
            // the dependency map's summary: each key once with an id (its last day kept for
            // retention), and a key's UTC hours of each week as a bit string under that id; DO
            // UPDATE so that RETURNING gives the ids of keys already there too
            + " ck AS (INSERT INTO connection_keys ("
            + KEY_K
            + ", last_day)"
            + "   SELECT "
            + KEY_K
            + ", max((ts AT TIME ZONE 'UTC')::date) FROM moved WHERE kind = 'c'"
            + "   GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9"
            + "   ON CONFLICT ("
            + KEY_K
            + ") DO UPDATE SET last_day = greatest(connection_keys.last_day, excluded.last_day)"
            + "   RETURNING id, "
            + KEY_K
            + "),"
            + " cw AS (INSERT INTO connection_weeks (week, key_id, hours, first_seen, last_seen, max_connections)"
            + "   SELECT date_trunc('week', m.ts AT TIME ZONE 'UTC')::date, ck.id, bit_or("
            + hourOfWeekBit("m.ts")
            + "), min(m.ts), max(m.ts), max(m.connections)"
            + "   FROM moved m JOIN ck USING ("
            + KEY_K
            + ") WHERE m.kind = 'c' GROUP BY 1, 2 ORDER BY 1, 2"
            + "   ON CONFLICT (week, key_id) DO UPDATE SET"
            + "   hours = connection_weeks.hours | excluded.hours,"
            + "   first_seen = least(connection_weeks.first_seen, excluded.first_seen),"
            + "   last_seen = greatest(connection_weeks.last_seen, excluded.last_seen),"
            + "   max_connections = greatest(connection_weeks.max_connections, excluded.max_connections))"
            + " SELECT count(*) FROM moved";
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setTimestamp(1, java.sql.Timestamp.from(before));
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    } catch (SQLException e) {
      throw new StorageUnavailableException("socket rollup failed: " + e.getMessage(), e);
    }
  }

  // ---- reading, for the port audit

  /** Every listener of every host with its host's facts, in one query over the summary tables. */
  List<StoredListener> listeners(java.util.Collection<Integer> collectorIds) {
    String sql =
        "SELECT l.collector_id, coalesce(h.hostname, c.label, 'collector ' || c.id), h.os_family,"
            + " l.proto, host(l.local_addr), l.local_port, l.username, l.process, l.service,"
            + " extract(epoch FROM l.first_seen)::bigint, extract(epoch FROM l.last_seen)::bigint, l.snapshots,"
            + " extract(epoch FROM s.first_snapshot)::bigint, extract(epoch FROM s.last_snapshot)::bigint"
            + " FROM (SELECT collector_id, proto, local_addr, local_port, username, process, service,"
            + "   min(first_seen) AS first_seen, max(last_seen) AS last_seen, sum(snapshots) AS snapshots FROM ("
            + "   SELECT collector_id, proto, local_addr, local_port, username, process, service, first_seen, last_seen,"
            + "   snapshots FROM listeners"
            + (collectorIds == null ? "" : " WHERE collector_id = ANY(?)")
            + "   UNION ALL SELECT collector_id, proto, local_addr, local_port, username, process, service, min(ts), max(ts),"
            + "   count(*) FROM socket_rows WHERE kind = 'l'"
            + (collectorIds == null ? "" : " AND collector_id = ANY(?)")
            + "   GROUP BY 1, 2, 3, 4, 5, 6, 7) u GROUP BY 1, 2, 3, 4, 5, 6, 7) l"
            + " JOIN collectors c ON c.id = l.collector_id"
            + " JOIN socket_hosts s ON s.collector_id = l.collector_id"
            + " LEFT JOIN host_inventory h ON h.collector_id = l.collector_id"
            + " ORDER BY l.collector_id, l.local_port, l.proto, l.local_addr";
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      if (collectorIds != null) {
        java.sql.Array ids = c.createArrayOf("int4", collectorIds.toArray());
        ps.setArray(1, ids);
        ps.setArray(2, ids);
      }
      ps.setFetchSize(10_000);
      List<StoredListener> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(
              new StoredListener(
                  rs.getInt(1),
                  rs.getString(2),
                  rs.getString(3),
                  rs.getString(4),
                  rs.getString(5),
                  rs.getInt(6),
                  rs.getString(7),
                  rs.getString(8),
                  rs.getString(9),
                  rs.getLong(10),
                  rs.getLong(11),
                  rs.getLong(12),
                  rs.getLong(13),
                  rs.getLong(14)));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new StorageUnavailableException("could not read listeners: " + e.getMessage(), e);
    }
  }

  /** A listener row with what the audit needs of its host. */
  record StoredListener(
      int collectorId,
      String hostname,
      String osFamily,
      String proto,
      String addr,
      int port,
      String user,
      String process,
      String service,
      long firstSeen,
      long lastSeen,
      long snapshots,
      long hostFirstSnapshot,
      long hostLastSnapshot) {}
}
