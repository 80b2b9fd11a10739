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
 * Stores socket snapshots as hourly aggregates. One transaction per group of bodies (see
 * {@link SocketWriter}): the snapshot keys go in first, and only snapshots that were not there
 * already are added to the aggregates, so a replay changes nothing. Each table gets one
 * multi-row upsert (arrays unnested on the server), whatever the number of rows: five round
 * trips per group, not one per row.
 */
public final class SocketStore {
  private final DataSource dataSource;

  public SocketStore(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /** One request's snapshots. */
  record Upload(int collectorId, List<SocketSnapshot> snapshots) {}

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

  private record HostListener(int collectorId, SocketSnapshot.Listener l) {}

  private record HourListener(int collectorId, long hour, SocketSnapshot.Listener l) {}

  private record HourConnection(int collectorId, long hour, SocketSnapshot.Connection c) {}

  private record Key(int collectorId, long ts) {}

  /**
   * Stores the uploads of several requests in one transaction (the caller groups them).
   *
   * @return the number of snapshots that were new (the others were replays)
   */
  int write(List<Upload> uploads) throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try {
        Set<Key> fresh = insertKeys(c, uploads);
        if (!fresh.isEmpty()) {
          aggregate(c, uploads, fresh);
        }
        c.commit();
        return fresh.size();
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    }
  }

  private static Set<Key> insertKeys(Connection c, List<Upload> uploads) throws SQLException {
    List<Integer> id = new ArrayList<>();
    List<Long> ts = new ArrayList<>();
    List<String> source = new ArrayList<>();
    List<Integer> lr = new ArrayList<>();
    List<Integer> cr = new ArrayList<>();
    List<Integer> dr = new ArrayList<>();
    for (Upload u : uploads) {
      for (SocketSnapshot s : u.snapshots()) {
        id.add(u.collectorId());
        ts.add(s.ts());
        source.add(s.source());
        lr.add(s.listenerRows());
        cr.add(s.connectionRows());
        dr.add(s.droppedRows());
      }
    }
    String sql = "INSERT INTO socket_snapshots (collector_id, ts, source, listener_rows, connection_rows, dropped_rows)"
        + " SELECT i, to_timestamp(t), s, l, n, d FROM unnest(?::int[], ?::bigint[], ?::text[], ?::int[], ?::int[],"
        + " ?::int[]) AS u(i, t, s, l, n, d) ORDER BY i, t ON CONFLICT DO NOTHING"
        + " RETURNING collector_id, extract(epoch FROM ts)::bigint";
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

  private static void aggregate(Connection c, List<Upload> uploads, Set<Key> fresh) throws SQLException {
    Map<HourListener, Seen> hourListeners = new HashMap<>();
    Map<HostListener, Seen> listeners = new HashMap<>();
    Map<HourConnection, Seen> hourConnections = new HashMap<>();
    Map<Integer, Seen> hosts = new TreeMap<>();
    for (Upload u : uploads) {
      int id = u.collectorId();
      for (SocketSnapshot s : u.snapshots()) {
        if (!fresh.contains(new Key(id, s.ts()))) {
          continue;
        }
        hosts.computeIfAbsent(id, k -> new Seen()).add(s.ts(), 0);
        long hour = s.ts() - Math.floorMod(s.ts(), 3600);
        for (SocketSnapshot.Listener l : s.listeners()) {
          hourListeners.computeIfAbsent(new HourListener(id, hour, l), k -> new Seen()).add(s.ts(), 0);
          listeners.computeIfAbsent(new HostListener(id, l), k -> new Seen()).add(s.ts(), 0);
        }
        for (var e : s.connections().entrySet()) {
          hourConnections.computeIfAbsent(new HourConnection(id, hour, e.getKey()), k -> new Seen())
              .add(s.ts(), e.getValue());
        }
      }
    }
    // in key order: two writers never lock the same rows in opposite orders
    upsertListenerHours(c, sorted(hourListeners, HOUR_LISTENER_ORDER));
    upsertListeners(c, sorted(listeners, HOST_LISTENER_ORDER));
    upsertConnectionHours(c, sorted(hourConnections, CONNECTION_ORDER));
    List<Integer> ids = new ArrayList<>();
    List<Long> first = new ArrayList<>();
    List<Long> last = new ArrayList<>();
    List<Integer> count = new ArrayList<>();
    hosts.forEach((id, seen) -> {
      ids.add(id);
      first.add(seen.first);
      last.add(seen.last);
      count.add(seen.snapshots);
    });
    try (PreparedStatement ps = c.prepareStatement(
        "INSERT INTO socket_hosts (collector_id, first_snapshot, last_snapshot, snapshots)"
            + " SELECT i, to_timestamp(f), to_timestamp(l), n FROM unnest(?::int[], ?::bigint[], ?::bigint[], ?::int[])"
            + " AS u(i, f, l, n) ON CONFLICT (collector_id) DO UPDATE SET"
            + " first_snapshot = least(socket_hosts.first_snapshot, excluded.first_snapshot),"
            + " last_snapshot = greatest(socket_hosts.last_snapshot, excluded.last_snapshot),"
            + " snapshots = socket_hosts.snapshots + excluded.snapshots")) {
      ps.setArray(1, c.createArrayOf("int4", ids.toArray()));
      ps.setArray(2, c.createArrayOf("int8", first.toArray()));
      ps.setArray(3, c.createArrayOf("int8", last.toArray()));
      ps.setArray(4, c.createArrayOf("int4", count.toArray()));
      ps.executeUpdate();
    }
  }

  private static <K> List<Map.Entry<K, Seen>> sorted(Map<K, Seen> m, java.util.Comparator<K> order) {
    List<Map.Entry<K, Seen>> out = new ArrayList<>(m.entrySet());
    out.sort(Map.Entry.comparingByKey(order));
    return out;
  }

  private static final java.util.Comparator<SocketSnapshot.Listener> LISTENER_ORDER =
      java.util.Comparator.comparing(SocketSnapshot.Listener::proto)
          .thenComparing(SocketSnapshot.Listener::addr)
          .thenComparingInt(SocketSnapshot.Listener::port)
          .thenComparing(SocketSnapshot.Listener::user)
          .thenComparing(SocketSnapshot.Listener::process)
          .thenComparing(SocketSnapshot.Listener::service);

  private static final java.util.Comparator<HourListener> HOUR_LISTENER_ORDER =
      java.util.Comparator.comparingInt(HourListener::collectorId)
          .thenComparingLong(HourListener::hour)
          .thenComparing(HourListener::l, LISTENER_ORDER);

  private static final java.util.Comparator<HostListener> HOST_LISTENER_ORDER =
      java.util.Comparator.comparingInt(HostListener::collectorId).thenComparing(HostListener::l, LISTENER_ORDER);

  private static void upsertListenerHours(Connection c, List<Map.Entry<HourListener, Seen>> rows)
      throws SQLException {
    if (rows.isEmpty()) {
      return;
    }
    Columns col = new Columns(rows.size());
    for (var e : rows) {
      col.collector.add(e.getKey().collectorId());
      col.hour.add(e.getKey().hour());
      col.listener(e.getKey().l());
      col.seen(e.getValue());
    }
    String sql = "INSERT INTO listener_hours (collector_id, hour, proto, local_addr, local_port, username, process,"
        + " service, first_seen, last_seen, snapshots)"
        + " SELECT i, to_timestamp(h), p, a::inet, o, u, r, s, to_timestamp(f), to_timestamp(l), n"
        + " FROM unnest(?::int[], ?::bigint[], ?::text[], ?::text[], ?::int[], ?::text[], ?::text[], ?::text[],"
        + " ?::bigint[], ?::bigint[], ?::int[]) AS x(i, h, p, a, o, u, r, s, f, l, n)"
        + " ON CONFLICT (collector_id, hour, proto, local_addr, local_port, username, process, service) DO UPDATE SET"
        + " first_seen = least(listener_hours.first_seen, excluded.first_seen),"
        + " last_seen = greatest(listener_hours.last_seen, excluded.last_seen),"
        + " snapshots = listener_hours.snapshots + excluded.snapshots";
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setArray(1, c.createArrayOf("int4", col.collector.toArray()));
      ps.setArray(2, c.createArrayOf("int8", col.hour.toArray()));
      int i = col.bindListener(c, ps, 3);
      col.bindSeen(c, ps, i);
      ps.executeUpdate();
    }
  }

  private static void upsertListeners(Connection c, List<Map.Entry<HostListener, Seen>> rows) throws SQLException {
    if (rows.isEmpty()) {
      return;
    }
    Columns col = new Columns(rows.size());
    for (var e : rows) {
      col.collector.add(e.getKey().collectorId());
      col.listener(e.getKey().l());
      col.seen(e.getValue());
    }
    String sql = "INSERT INTO listeners (collector_id, proto, local_addr, local_port, username, process, service,"
        + " first_seen, last_seen, snapshots)"
        + " SELECT i, p, a::inet, o, u, r, s, to_timestamp(f), to_timestamp(l), n"
        + " FROM unnest(?::int[], ?::text[], ?::text[], ?::int[], ?::text[], ?::text[], ?::text[], ?::bigint[],"
        + " ?::bigint[], ?::int[]) AS x(i, p, a, o, u, r, s, f, l, n)"
        + " ON CONFLICT (collector_id, proto, local_addr, local_port, username, process, service) DO UPDATE SET"
        + " first_seen = least(listeners.first_seen, excluded.first_seen),"
        + " last_seen = greatest(listeners.last_seen, excluded.last_seen),"
        + " snapshots = listeners.snapshots + excluded.snapshots";
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setArray(1, c.createArrayOf("int4", col.collector.toArray()));
      int i = col.bindListener(c, ps, 2);
      col.bindSeen(c, ps, i);
      ps.executeUpdate();
    }
  }

  private static void upsertConnectionHours(Connection c, List<Map.Entry<HourConnection, Seen>> sorted)
      throws SQLException {
    if (sorted.isEmpty()) {
      return;
    }
    int n = sorted.size();
    Integer[] id = new Integer[n];
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
      id[i] = k.collectorId();
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
        + " SELECT i, to_timestamp(h), d, p, la::inet, lp, ra::inet, rp, u, r, s, to_timestamp(f), to_timestamp(l),"
        + " n, k, m FROM unnest(?::int[], ?::bigint[], ?::text[], ?::text[], ?::text[], ?::int[], ?::text[], ?::int[],"
        + " ?::text[], ?::text[], ?::text[], ?::bigint[], ?::bigint[], ?::int[], ?::bigint[], ?::int[])"
        + " AS x(i, h, d, p, la, lp, ra, rp, u, r, s, f, l, n, k, m)"
        + " ON CONFLICT (collector_id, hour, direction, proto, local_addr, local_port, remote_addr, remote_port,"
        + " username, process, service) DO UPDATE SET"
        + " first_seen = least(connection_hours.first_seen, excluded.first_seen),"
        + " last_seen = greatest(connection_hours.last_seen, excluded.last_seen),"
        + " snapshots = connection_hours.snapshots + excluded.snapshots,"
        + " connections = connection_hours.connections + excluded.connections,"
        + " max_connections = greatest(connection_hours.max_connections, excluded.max_connections)";
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      int i = 1;
      ps.setArray(i++, c.createArrayOf("int4", id));
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

  private static final java.util.Comparator<SocketSnapshot.Connection> CONN_ORDER =
      java.util.Comparator.comparing(SocketSnapshot.Connection::direction)
          .thenComparing(SocketSnapshot.Connection::proto)
          .thenComparing(SocketSnapshot.Connection::localAddr)
          .thenComparingInt(SocketSnapshot.Connection::localPort)
          .thenComparing(SocketSnapshot.Connection::remoteAddr)
          .thenComparingInt(SocketSnapshot.Connection::remotePort)
          .thenComparing(SocketSnapshot.Connection::user)
          .thenComparing(SocketSnapshot.Connection::process)
          .thenComparing(SocketSnapshot.Connection::service);

  private static final java.util.Comparator<HourConnection> CONNECTION_ORDER =
      java.util.Comparator.comparingInt(HourConnection::collectorId)
          .thenComparingLong(HourConnection::hour)
          .thenComparing(HourConnection::c, CONN_ORDER);

  /** Column arrays of listener rows for an unnest. */
  private static final class Columns {
    final List<Integer> collector;
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
      collector = new ArrayList<>(n);
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
