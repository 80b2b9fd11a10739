package io.perfmetrics.network;

import io.perfmetrics.store.StorageUnavailableException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import javax.sql.DataSource;

/**
 * Stores socket snapshots as hourly aggregates. One transaction per body: the snapshot keys go
 * in first, and only snapshots that were not there already are added to the aggregates, so a
 * replay changes nothing. Each table gets one multi-row upsert (arrays unnested on the server),
 * whatever the number of rows: a few round trips per body, not one per row.
 */
public final class SocketStore {
  private final DataSource dataSource;

  public SocketStore(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /** An hourly or all-time aggregate being built. */
  private static final class Seen {
    long first = Long.MAX_VALUE;
    long last = Long.MIN_VALUE;
    int snapshots;
    long connections;
    int maxConnections;

    void add(long ts, int count) {
      first = Math.min(first, ts);
      last = Math.max(last, ts);
      snapshots++;
      connections += count;
      maxConnections = Math.max(maxConnections, count);
    }
  }

  private record HourListener(long hour, SocketSnapshot.Listener l) {}

  private record HourConnection(long hour, SocketSnapshot.Connection c) {}

  /** @return the number of snapshots that were new (the others were replays) */
  int write(int collectorId, List<SocketSnapshot> snapshots) {
    if (snapshots.isEmpty()) {
      return 0;
    }
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try {
        Set<Long> fresh = insertKeys(c, collectorId, snapshots);
        if (!fresh.isEmpty()) {
          aggregate(c, collectorId, snapshots, fresh);
        }
        c.commit();
        return fresh.size();
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw new StorageUnavailableException("socket snapshots not stored: " + e.getMessage(), e);
    }
  }

  private static Set<Long> insertKeys(Connection c, int collectorId, List<SocketSnapshot> snapshots)
      throws SQLException {
    int n = snapshots.size();
    Long[] ts = new Long[n];
    String[] source = new String[n];
    Integer[] lr = new Integer[n];
    Integer[] cr = new Integer[n];
    Integer[] dr = new Integer[n];
    for (int i = 0; i < n; i++) {
      SocketSnapshot s = snapshots.get(i);
      ts[i] = s.ts();
      source[i] = s.source();
      lr[i] = s.listenerRows();
      cr[i] = s.connectionRows();
      dr[i] = s.droppedRows();
    }
    String sql = "INSERT INTO socket_snapshots (collector_id, ts, source, listener_rows, connection_rows, dropped_rows)"
        + " SELECT ?, to_timestamp(t), s, l, n, d FROM unnest(?::bigint[], ?::text[], ?::int[], ?::int[], ?::int[])"
        + " AS u(t, s, l, n, d) ORDER BY t ON CONFLICT DO NOTHING RETURNING extract(epoch FROM ts)::bigint";
    Set<Long> fresh = new HashSet<>();
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setInt(1, collectorId);
      ps.setArray(2, c.createArrayOf("int8", ts));
      ps.setArray(3, c.createArrayOf("text", source));
      ps.setArray(4, c.createArrayOf("int4", lr));
      ps.setArray(5, c.createArrayOf("int4", cr));
      ps.setArray(6, c.createArrayOf("int4", dr));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          fresh.add(rs.getLong(1));
        }
      }
    }
    return fresh;
  }

  private static void aggregate(Connection c, int collectorId, List<SocketSnapshot> snapshots, Set<Long> fresh)
      throws SQLException {
    // sorted keys: two bodies of one host never lock the same rows in opposite orders
    Map<HourListener, Seen> hourListeners = new TreeMap<>(LISTENER_ORDER);
    Map<SocketSnapshot.Listener, Seen> listeners = new TreeMap<>((a, b) -> LISTENER_ORDER.compare(
        new HourListener(0, a), new HourListener(0, b)));
    Map<HourConnection, Seen> hourConnections = new HashMap<>();
    long first = Long.MAX_VALUE;
    long last = Long.MIN_VALUE;
    for (SocketSnapshot s : snapshots) {
      if (!fresh.contains(s.ts())) {
        continue;
      }
      first = Math.min(first, s.ts());
      last = Math.max(last, s.ts());
      long hour = s.ts() - Math.floorMod(s.ts(), 3600);
      for (SocketSnapshot.Listener l : s.listeners()) {
        hourListeners.computeIfAbsent(new HourListener(hour, l), k -> new Seen()).add(s.ts(), 0);
        listeners.computeIfAbsent(l, k -> new Seen()).add(s.ts(), 0);
      }
      for (var e : s.connections().entrySet()) {
        hourConnections.computeIfAbsent(new HourConnection(hour, e.getKey()), k -> new Seen()).add(s.ts(), e.getValue());
      }
    }
    upsertListenerHours(c, collectorId, hourListeners);
    upsertListeners(c, collectorId, listeners);
    upsertConnectionHours(c, collectorId, hourConnections);
    try (PreparedStatement ps = c.prepareStatement(
        "INSERT INTO socket_hosts (collector_id, first_snapshot, last_snapshot, snapshots)"
            + " VALUES (?, to_timestamp(?), to_timestamp(?), ?) ON CONFLICT (collector_id) DO UPDATE SET"
            + " first_snapshot = least(socket_hosts.first_snapshot, excluded.first_snapshot),"
            + " last_snapshot = greatest(socket_hosts.last_snapshot, excluded.last_snapshot),"
            + " snapshots = socket_hosts.snapshots + excluded.snapshots")) {
      ps.setInt(1, collectorId);
      ps.setLong(2, first);
      ps.setLong(3, last);
      ps.setLong(4, fresh.size());
      ps.executeUpdate();
    }
  }

  private static final java.util.Comparator<HourListener> LISTENER_ORDER =
      java.util.Comparator.<HourListener>comparingLong(HourListener::hour)
          .thenComparing(h -> h.l().proto())
          .thenComparing(h -> h.l().addr())
          .thenComparingInt(h -> h.l().port())
          .thenComparing(h -> h.l().user())
          .thenComparing(h -> h.l().process())
          .thenComparing(h -> h.l().service());

  private static void upsertListenerHours(Connection c, int collectorId, Map<HourListener, Seen> rows)
      throws SQLException {
    if (rows.isEmpty()) {
      return;
    }
    Columns col = new Columns(rows.size());
    for (var e : rows.entrySet()) {
      col.hour.add(e.getKey().hour());
      col.listener(e.getKey().l());
      col.seen(e.getValue());
    }
    String sql = "INSERT INTO listener_hours (collector_id, hour, proto, local_addr, local_port, username, process,"
        + " service, first_seen, last_seen, snapshots)"
        + " SELECT ?, to_timestamp(h), p, a::inet, o, u, r, s, to_timestamp(f), to_timestamp(l), n"
        + " FROM unnest(?::bigint[], ?::text[], ?::text[], ?::int[], ?::text[], ?::text[], ?::text[], ?::bigint[],"
        + " ?::bigint[], ?::int[]) AS x(h, p, a, o, u, r, s, f, l, n)"
        + " ON CONFLICT (collector_id, hour, proto, local_addr, local_port, username, process, service) DO UPDATE SET"
        + " first_seen = least(listener_hours.first_seen, excluded.first_seen),"
        + " last_seen = greatest(listener_hours.last_seen, excluded.last_seen),"
        + " snapshots = listener_hours.snapshots + excluded.snapshots";
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setInt(1, collectorId);
      int i = 2;
      ps.setArray(i++, c.createArrayOf("int8", col.hour.toArray()));
      i = col.bindListener(c, ps, i);
      col.bindSeen(c, ps, i);
      ps.executeUpdate();
    }
  }

  private static void upsertListeners(Connection c, int collectorId, Map<SocketSnapshot.Listener, Seen> rows)
      throws SQLException {
    Columns col = new Columns(rows.size());
    for (var e : rows.entrySet()) {
      col.listener(e.getKey());
      col.seen(e.getValue());
    }
    String sql = "INSERT INTO listeners (collector_id, proto, local_addr, local_port, username, process, service,"
        + " first_seen, last_seen, snapshots)"
        + " SELECT ?, p, a::inet, o, u, r, s, to_timestamp(f), to_timestamp(l), n"
        + " FROM unnest(?::text[], ?::text[], ?::int[], ?::text[], ?::text[], ?::text[], ?::bigint[], ?::bigint[],"
        + " ?::int[]) AS x(p, a, o, u, r, s, f, l, n)"
        + " ON CONFLICT (collector_id, proto, local_addr, local_port, username, process, service) DO UPDATE SET"
        + " first_seen = least(listeners.first_seen, excluded.first_seen),"
        + " last_seen = greatest(listeners.last_seen, excluded.last_seen),"
        + " snapshots = listeners.snapshots + excluded.snapshots";
    if (rows.isEmpty()) {
      return;
    }
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setInt(1, collectorId);
      int i = col.bindListener(c, ps, 2);
      col.bindSeen(c, ps, i);
      ps.executeUpdate();
    }
  }

  private static void upsertConnectionHours(Connection c, int collectorId, Map<HourConnection, Seen> rows)
      throws SQLException {
    if (rows.isEmpty()) {
      return;
    }
    List<Map.Entry<HourConnection, Seen>> sorted = new ArrayList<>(rows.entrySet());
    sorted.sort(Map.Entry.comparingByKey(CONNECTION_ORDER));
    int n = sorted.size();
    Long[] hour = new Long[n];
    String[] dir = new String[n];
    String[] proto = new String[n];
    String[] la = new String[n];
    Integer[] lp = new Integer[n];
    String[] ra = new String[n];
    Integer[] rp = new Integer[n];
    String[] user = new String[n];
    String[] proc = new String[n];
    String[] svc = new String[n];
    Long[] first = new Long[n];
    Long[] last = new Long[n];
    Integer[] snaps = new Integer[n];
    Long[] conns = new Long[n];
    Integer[] max = new Integer[n];
    for (int i = 0; i < n; i++) {
      HourConnection k = sorted.get(i).getKey();
      Seen s = sorted.get(i).getValue();
      SocketSnapshot.Connection x = k.c();
      hour[i] = k.hour();
      dir[i] = x.direction();
      proto[i] = x.proto();
      la[i] = x.localAddr();
      lp[i] = x.localPort();
      ra[i] = x.remoteAddr();
      rp[i] = x.remotePort();
      user[i] = x.user();
      proc[i] = x.process();
      svc[i] = x.service();
      first[i] = s.first;
      last[i] = s.last;
      snaps[i] = s.snapshots;
      conns[i] = s.connections;
      max[i] = s.maxConnections;
    }
    String sql = "INSERT INTO connection_hours (collector_id, hour, direction, proto, local_addr, local_port,"
        + " remote_addr, remote_port, username, process, service, first_seen, last_seen, snapshots, connections,"
        + " max_connections)"
        + " SELECT ?, to_timestamp(h), d, p, la::inet, lp, ra::inet, rp, u, r, s, to_timestamp(f), to_timestamp(l),"
        + " n, k, m FROM unnest(?::bigint[], ?::text[], ?::text[], ?::text[], ?::int[], ?::text[], ?::int[],"
        + " ?::text[], ?::text[], ?::text[], ?::bigint[], ?::bigint[], ?::int[], ?::bigint[], ?::int[])"
        + " AS x(h, d, p, la, lp, ra, rp, u, r, s, f, l, n, k, m)"
        + " ON CONFLICT (collector_id, hour, direction, proto, local_addr, local_port, remote_addr, remote_port,"
        + " username, process, service) DO UPDATE SET"
        + " first_seen = least(connection_hours.first_seen, excluded.first_seen),"
        + " last_seen = greatest(connection_hours.last_seen, excluded.last_seen),"
        + " snapshots = connection_hours.snapshots + excluded.snapshots,"
        + " connections = connection_hours.connections + excluded.connections,"
        + " max_connections = greatest(connection_hours.max_connections, excluded.max_connections)";
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      int i = 1;
      ps.setInt(i++, collectorId);
      ps.setArray(i++, c.createArrayOf("int8", hour));
      ps.setArray(i++, c.createArrayOf("text", dir));
      ps.setArray(i++, c.createArrayOf("text", proto));
      ps.setArray(i++, c.createArrayOf("text", la));
      ps.setArray(i++, c.createArrayOf("int4", lp));
      ps.setArray(i++, c.createArrayOf("text", ra));
      ps.setArray(i++, c.createArrayOf("int4", rp));
      ps.setArray(i++, c.createArrayOf("text", user));
      ps.setArray(i++, c.createArrayOf("text", proc));
      ps.setArray(i++, c.createArrayOf("text", svc));
      ps.setArray(i++, c.createArrayOf("int8", first));
      ps.setArray(i++, c.createArrayOf("int8", last));
      ps.setArray(i++, c.createArrayOf("int4", snaps));
      ps.setArray(i++, c.createArrayOf("int8", conns));
      ps.setArray(i, c.createArrayOf("int4", max));
      ps.executeUpdate();
    }
  }

  private static final java.util.Comparator<HourConnection> CONNECTION_ORDER =
      java.util.Comparator.<HourConnection>comparingLong(HourConnection::hour)
          .thenComparing(h -> h.c().direction())
          .thenComparing(h -> h.c().proto())
          .thenComparing(h -> h.c().localAddr())
          .thenComparingInt(h -> h.c().localPort())
          .thenComparing(h -> h.c().remoteAddr())
          .thenComparingInt(h -> h.c().remotePort())
          .thenComparing(h -> h.c().user())
          .thenComparing(h -> h.c().process())
          .thenComparing(h -> h.c().service());

  /** Column arrays of listener rows for an unnest. */
  private static final class Columns {
    final List<Long> hour;
    final List<String> proto;
    final List<String> addr;
    final List<Integer> port;
    final List<String> user;
    final List<String> process;
    final List<String> service;
    final List<Long> first;
    final List<Long> last;
    final List<Integer> snapshots;

    Columns(int n) {
      hour = new ArrayList<>(n);
      proto = new ArrayList<>(n);
      addr = new ArrayList<>(n);
      port = new ArrayList<>(n);
      user = new ArrayList<>(n);
      process = new ArrayList<>(n);
      service = new ArrayList<>(n);
      first = new ArrayList<>(n);
      last = new ArrayList<>(n);
      snapshots = new ArrayList<>(n);
    }

    void listener(SocketSnapshot.Listener l) {
      proto.add(l.proto());
      addr.add(l.addr());
      port.add(l.port());
      user.add(l.user());
      process.add(l.process());
      service.add(l.service());
    }

    void seen(Seen s) {
      first.add(s.first);
      last.add(s.last);
      snapshots.add(s.snapshots);
    }

    int bindListener(Connection c, PreparedStatement ps, int i) throws SQLException {
      ps.setArray(i++, c.createArrayOf("text", proto.toArray()));
      ps.setArray(i++, c.createArrayOf("text", addr.toArray()));
      ps.setArray(i++, c.createArrayOf("int4", port.toArray()));
      ps.setArray(i++, c.createArrayOf("text", user.toArray()));
      ps.setArray(i++, c.createArrayOf("text", process.toArray()));
      ps.setArray(i++, c.createArrayOf("text", service.toArray()));
      return i;
    }

    void bindSeen(Connection c, PreparedStatement ps, int i) throws SQLException {
      ps.setArray(i++, c.createArrayOf("int8", first.toArray()));
      ps.setArray(i++, c.createArrayOf("int8", last.toArray()));
      ps.setArray(i, c.createArrayOf("int4", snapshots.toArray()));
    }
  }

  // ---- reading, for the port audit

  /** Every listener of every host with its host's facts, in one query over the summary tables. */
  List<StoredListener> listeners(Integer collectorId) {
    String sql = "SELECT l.collector_id, coalesce(h.hostname, c.label, 'collector ' || c.id), h.os_family,"
        + " l.proto, host(l.local_addr), l.local_port, l.username, l.process, l.service,"
        + " extract(epoch FROM l.first_seen)::bigint, extract(epoch FROM l.last_seen)::bigint, l.snapshots,"
        + " extract(epoch FROM s.first_snapshot)::bigint, extract(epoch FROM s.last_snapshot)::bigint"
        + " FROM listeners l JOIN collectors c ON c.id = l.collector_id"
        + " JOIN socket_hosts s ON s.collector_id = l.collector_id"
        + " LEFT JOIN host_inventory h ON h.collector_id = l.collector_id"
        + (collectorId == null ? "" : " WHERE l.collector_id = ?")
        + " ORDER BY l.collector_id, l.local_port, l.proto, l.local_addr";
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      if (collectorId != null) {
        ps.setInt(1, collectorId);
      }
      ps.setFetchSize(10_000);
      List<StoredListener> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(new StoredListener(rs.getInt(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
              rs.getInt(6), rs.getString(7), rs.getString(8), rs.getString(9), rs.getLong(10), rs.getLong(11),
              rs.getLong(12), rs.getLong(13), rs.getLong(14)));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new StorageUnavailableException("could not read listeners: " + e.getMessage(), e);
    }
  }

  /** A listener row with what the audit needs of its host. */
  record StoredListener(int collectorId, String hostname, String osFamily, String proto, String addr, int port,
      String user, String process, String service, long firstSeen, long lastSeen, long snapshots,
      long hostFirstSnapshot, long hostLastSnapshot) {}

  /** Hosts matching a collector id or hostname (a hostname may name several). */
  List<Integer> findHost(String idOrName) {
    String sql = "SELECT c.id FROM collectors c LEFT JOIN host_inventory h ON h.collector_id = c.id"
        + " WHERE c.id::text = ? OR h.hostname = ? OR (h.hostname IS NULL AND c.label = ?) ORDER BY c.id";
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, idOrName);
      ps.setString(2, idOrName);
      ps.setString(3, idOrName);
      List<Integer> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          if (String.valueOf(rs.getInt(1)).equals(idOrName)) {
            // an id wins over a hostname that happens to look like one
            return List.of(rs.getInt(1));
          }
          out.add(rs.getInt(1));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new StorageUnavailableException("could not read hosts: " + e.getMessage(), e);
    }
  }
}
