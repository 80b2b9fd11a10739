package io.perfmetrics.dependencies;

import io.perfmetrics.store.StorageUnavailableException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import javax.sql.DataSource;

/**
 * Reads the socket data of issue 11 (never writes it) and keeps the operator's pins, exclusions and
 * infrastructure list.
 */
public final class DependencyStore {
  private final DataSource dataSource;

  public DependencyStore(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /**
   * Hosts and their observed connections over a window, and the DNS names discovery knows for
   * addresses (address to name, lower case, no trailing dot).
   */
  record Snapshot(
      List<KnownHost> hosts, List<Observation> rows, Map<String, String> names, Timing timing) {}

  /**
   * Where a read's time went: the database's sums up to the first row, the rows' transfer, the
   * hosts and names after them (ms).
   */
  record Timing(long sumsMs, long rowsMs, long hostsMs) {}

  /**
   * Every connection row since {@code from}, summed per host and key over the window: the hourly
   * rows plus the snapshots not rolled up yet (so the map never waits for the rollup).
   */
  Snapshot read(Instant from) {
    // The window's rows come from connection_weeks: a key's hours of a UTC week as a 168-bit
    // string, kept by the socket rollup under the key's integer id (connection_keys, V17), so a
    // 14-day window is three rows per key, summed per integer, and the key's columns are joined to
    // the sums afterwards. The first week keeps only the hours from the window's start. The
    // snapshots not rolled up yet (socket_rows) add the hours their week's bits do not already
    // have; their keys without an id yet (new this hour) are summed by their columns.
    String key =
        "collector_id, direction, proto, local_addr, local_port, remote_addr, remote_port, username,"
            + " process";
    String out =
        "collector_id, direction, proto, host(local_addr), local_port, host(remote_addr),"
            + " remote_port, username, process";
    String sql =
        "WITH recent AS (SELECT "
            + key
            + ", date_trunc('week', ts AT TIME ZONE 'UTC')::date AS week, bit_or("
            + io.perfmetrics.network.SocketStore.hourOfWeekBit("ts")
            + ") AS b, min(ts) AS f, max(ts) AS l, max(connections) AS m"
            + "   FROM socket_rows WHERE kind = 'c' AND ts >= ? GROUP BY "
            + key
            + ", 10),"
            + " rk AS (SELECT k.id AS key_id, r.* FROM recent r LEFT JOIN connection_keys k USING ("
            + key
            + ")),"
            + " sums AS (SELECT key_id, min(f) AS f, max(l) AS l, sum(n)::int AS n, max(m) AS m FROM ("
            // a first week the window cuts: first seen is the first hour of it the key was seen
            // in, when it was seen before the window's start
            + "   SELECT key_id, CASE WHEN week = ?::date AND first_seen < ?"
            + "     THEN (week::timestamp AT TIME ZONE 'UTC') + (168 - length(rtrim(h::text, '0'))) * interval '1 hour'"
            + "     ELSE first_seen END AS f, last_seen AS l, bit_count(h) AS n,"
            + "   max_connections AS m FROM (SELECT key_id, week, first_seen, last_seen, max_connections,"
            + "     CASE WHEN week = ?::date THEN hours & ((~B'0'::bit(168)) << ?) ELSE hours END AS h"
            + "     FROM connection_weeks WHERE week >= ?::date) w WHERE h <> B'0'::bit(168)"
            + "   UNION ALL SELECT rk.key_id, rk.f, rk.l, bit_count(rk.b & ~coalesce(w.hours, B'0'::bit(168))),"
            + "   rk.m FROM rk LEFT JOIN connection_weeks w ON w.week = rk.week AND w.key_id = rk.key_id"
            + "   WHERE rk.key_id IS NOT NULL) x GROUP BY key_id)"
            + " SELECT "
            + out
            + ", "
            + micros("s.f")
            + ", "
            + micros("s.l")
            + ", s.n, s.m FROM sums s JOIN connection_keys k ON k.id = s.key_id"
            + " UNION ALL SELECT "
            + out
            + ", "
            + micros("min(f)")
            + ", "
            + micros("max(l)")
            + ", sum(bit_count(b))::int, max(m) FROM rk"
            + " WHERE key_id IS NULL GROUP BY "
            + key;
    java.time.ZonedDateTime start = from.atZone(java.time.ZoneOffset.UTC);
    java.time.LocalDate monday =
        start
            .toLocalDate()
            .with(java.time.temporal.TemporalAdjusters.previousOrSame(java.time.DayOfWeek.MONDAY));
    java.sql.Date fromWeek = java.sql.Date.valueOf(monday);
    int hourOfWeek = (start.getDayOfWeek().getValue() - 1) * 24 + start.getHour();
    Timestamp fromHour =
        Timestamp.from(start.truncatedTo(java.time.temporal.ChronoUnit.HOURS).toInstant());
    long start0 = System.nanoTime();
    long firstRow = 0;
    try (Connection c = dataSource.getConnection()) {
      List<Observation> rows = new ArrayList<>();
      Map<Integer, Set<String>> seenOn = new HashMap<>();
      Map<String, Boolean> localOnly = new HashMap<>();
      // one transaction, for the SET LOCALs
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        // the hash table in memory (SET LOCAL: this transaction only); past that it spills
        s.execute("SET LOCAL work_mem = '64MB'");
        // the window's weeks summed by parallel workers too: PostgreSQL plans no parallel query
        // for a cursor, so the answer (one row per key) is fetched whole
        s.execute("SET LOCAL parallel_setup_cost = 100");
        s.execute("SET LOCAL parallel_tuple_cost = 0.01");
      }
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        ps.setTimestamp(1, fromHour);
        ps.setDate(2, fromWeek);
        ps.setTimestamp(3, fromHour);
        ps.setDate(4, fromWeek);
        ps.setInt(5, hourOfWeek);
        ps.setDate(6, fromWeek);
        long t0 = System.nanoTime();
        try (ResultSet rs = ps.executeQuery()) {
          // the whole answer comes before the first row: the time to it is the database's and the
          // transfer's
          firstRow = System.nanoTime() - t0;
          while (rs.next()) {
            Observation o =
                new Observation(
                    rs.getInt(1),
                    rs.getString(2),
                    rs.getString(3),
                    rs.getString(4),
                    rs.getInt(5),
                    rs.getString(6),
                    rs.getInt(7),
                    rs.getString(8),
                    rs.getString(9),
                    instant(rs.getLong(10)),
                    instant(rs.getLong(11)),
                    rs.getInt(12),
                    rs.getLong(13));
            rows.add(o);
            if (!localOnly.computeIfAbsent(o.localAddr(), EdgeBuilder::isLocalOnly)) {
              seenOn.computeIfAbsent(o.hostId(), k -> new TreeSet<>()).add(o.localAddr());
            }
          }
        }
      } finally {
        c.commit();
        c.setAutoCommit(true);
      }
      long t1 = System.nanoTime();
      Map<String, String> names = names(c);
      List<KnownHost> hosts = hosts(c, seenOn, names);
      Timing timing =
          new Timing(
              firstRow / 1_000_000,
              (t1 - start0 - firstRow) / 1_000_000,
              (System.nanoTime() - t1) / 1_000_000);
      return new Snapshot(hosts, rows, names, timing);
    } catch (SQLException e) {
      throw new StorageUnavailableException("could not read the connections: " + e.getMessage(), e);
    }
  }

  /**
   * A timestamp as microseconds since 1970: 160,000 of them per cold map of 5,000 hosts, and
   * getTimestamp's calendar arithmetic was a visible part of it.
   */
  private static String micros(String column) {
    return "(extract(epoch FROM " + column + ") * 1000000)::bigint";
  }

  private static Instant instant(long micros) {
    return Instant.ofEpochSecond(
        Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
  }

  /**
   * Hosts with socket data, known by: the addresses their hello listed (an "addresses" array, or
   * "addresses" of each NIC), their target's address, their own connections' local addresses, and
   * the addresses discovery found under one of their DNS names (the target's name or its reverse
   * DNS name, or a hello hostname with a domain).
   */
  private static List<KnownHost> hosts(
      Connection c, Map<Integer, Set<String>> seenOn, Map<String, String> names)
      throws SQLException {
    String sql =
        "SELECT c.id, coalesce(h.hostname, c.label, 'collector ' || c.id), t.address,"
            + " (SELECT array_agg(DISTINCT a) FROM ("
            + "   SELECT jsonb_array_elements_text(CASE WHEN jsonb_typeof(h.inventory->'addresses') = 'array'"
            + "     THEN h.inventory->'addresses' ELSE '[]'::jsonb END) AS a"
            + "   UNION ALL SELECT jsonb_array_elements_text(CASE WHEN jsonb_typeof(n->'addresses') = 'array'"
            + "     THEN n->'addresses' ELSE '[]'::jsonb END)"
            + "   FROM jsonb_array_elements(CASE WHEN jsonb_typeof(h.inventory->'nics') = 'array'"
            + "     THEN h.inventory->'nics' ELSE '[]'::jsonb END) n) x),"
            + " t.hostname, h.hostname"
            + " FROM collectors c JOIN socket_hosts s ON s.collector_id = c.id"
            + " LEFT JOIN host_inventory h ON h.collector_id = c.id"
            + " LEFT JOIN targets t ON t.id = c.target_id ORDER BY c.id";
    Map<String, List<String>> byName = new HashMap<>();
    names.forEach(
        (address, name) -> byName.computeIfAbsent(name, k -> new ArrayList<>()).add(address));
    List<KnownHost> out = new ArrayList<>();
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        int id = rs.getInt(1);
        Set<String> addresses = new TreeSet<>(seenOn.getOrDefault(id, Set.of()));
        addAddress(addresses, rs.getString(3));
        java.sql.Array hello = rs.getArray(4);
        if (hello != null) {
          for (Object a : (Object[]) hello.getArray()) {
            addAddress(addresses, (String) a);
          }
        }
        String helloName = rs.getString(6);
        for (String name :
            new String[] {
              rs.getString(3),
              rs.getString(5),
              helloName != null && helloName.contains(".") ? helloName : null
            }) {
          String n = dnsName(name);
          if (n != null) {
            byName.getOrDefault(n, List.of()).forEach(a -> addAddress(addresses, a));
          }
        }
        out.add(new KnownHost(id, rs.getString(2), addresses));
      }
    }
    return out;
  }

  /**
   * What discovery learnt of names: an address's reverse DNS name, or the name an operator listed
   * it by, the latest scan first; then the targets' reverse DNS names. No lookup is made here.
   */
  private static Map<String, String> names(Connection c) throws SQLException {
    String sql =
        "SELECT address, name, o FROM ("
            + " SELECT DISTINCT ON (address) address, coalesce(hostname, name) AS name, 1 AS o FROM scan_hosts"
            + "   WHERE coalesce(hostname, name) IS NOT NULL ORDER BY address, id DESC) s"
            + " UNION ALL SELECT address, hostname, 2 FROM targets WHERE hostname IS NOT NULL ORDER BY 1, 3";
    Map<String, String> out = new HashMap<>();
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        java.net.InetAddress ip = EdgeBuilder.literal(rs.getString(1));
        String name = dnsName(rs.getString(2));
        if (ip != null && name != null) {
          out.putIfAbsent(EdgeBuilder.canonical(ip), name);
        }
      }
    }
    return out;
  }

  /** A DNS name compared without case or a trailing dot; null for an address or nothing. */
  static String dnsName(String raw) {
    if (raw == null || raw.isBlank() || EdgeBuilder.literal(raw.strip()) != null) {
      return null;
    }
    String n = raw.strip().toLowerCase(java.util.Locale.ROOT);
    return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
  }

  /** An address as PostgreSQL would print it, without a prefix length; names are left out. */
  private static void addAddress(Set<String> into, String raw) {
    if (raw == null) {
      return;
    }
    String a = raw.strip();
    int slash = a.indexOf('/');
    if (slash >= 0) {
      a = a.substring(0, slash);
    }
    java.net.InetAddress ip = EdgeBuilder.literal(a);
    if (ip != null && !EdgeBuilder.isLocalOnly(a)) {
      into.add(EdgeBuilder.canonical(ip));
    }
  }

  // ---- the operator's decisions

  List<Pin> pins() {
    return query(
        "SELECT collector_id, group_name, note FROM dependency_pins ORDER BY group_name, collector_id",
        rs -> new Pin(rs.getInt(1), rs.getString(2), rs.getString(3)));
  }

  Pin pin(int hostId, String group, String note) {
    update(
        "INSERT INTO dependency_pins (collector_id, group_name, note) VALUES (?, ?, ?)"
            + " ON CONFLICT (collector_id) DO UPDATE SET group_name = excluded.group_name, note = excluded.note",
        ps -> {
          ps.setInt(1, hostId);
          ps.setString(2, group);
          ps.setString(3, note);
        });
    return new Pin(hostId, group, note);
  }

  boolean unpin(int hostId) {
    return update("DELETE FROM dependency_pins WHERE collector_id = ?", ps -> ps.setInt(1, hostId))
        > 0;
  }

  List<Exclusion> exclusions() {
    return query(
        "SELECT id, client_id, server_id, port, proto, note FROM dependency_exclusions ORDER BY id",
        rs ->
            new Exclusion(
                rs.getLong(1),
                rs.getInt(2),
                rs.getInt(3),
                (Integer) rs.getObject(4),
                rs.getString(5),
                rs.getString(6)));
  }

  /** Adds an exclusion; an identical one already there is returned instead. */
  Exclusion exclude(Exclusion x) {
    List<Exclusion> got =
        query(
            "INSERT INTO dependency_exclusions (client_id, server_id, port, proto, note)"
                + " VALUES (?, ?, ?, ?, ?) ON CONFLICT (client_id, server_id, port, proto)"
                + " DO UPDATE SET note = excluded.note RETURNING id",
            ps -> {
              ps.setInt(1, x.clientId());
              ps.setInt(2, x.serverId());
              if (x.port() == null) {
                ps.setNull(3, Types.INTEGER);
              } else {
                ps.setInt(3, x.port());
              }
              ps.setString(4, x.proto());
              ps.setString(5, x.note());
            },
            rs ->
                new Exclusion(
                    rs.getLong(1), x.clientId(), x.serverId(), x.port(), x.proto(), x.note()));
    return got.get(0);
  }

  boolean deleteExclusion(long id) {
    return update("DELETE FROM dependency_exclusions WHERE id = ?", ps -> ps.setLong(1, id)) > 0;
  }

  List<InfraRule> infrastructure() {
    return query(
        "SELECT id, kind, port, proto, address::text, collector_id, label FROM dependency_infrastructure ORDER BY id",
        rs ->
            new InfraRule(
                rs.getLong(1),
                rs.getString(2),
                (Integer) rs.getObject(3),
                rs.getString(4),
                rs.getString(5),
                (Integer) rs.getObject(6),
                rs.getString(7)));
  }

  InfraRule addInfrastructure(InfraRule r) {
    return query(
            "INSERT INTO dependency_infrastructure (kind, port, proto, address, collector_id, label)"
                + " VALUES (?, ?, ?, ?::cidr, ?, ?) RETURNING id, address::text",
            ps -> {
              ps.setString(1, r.kind());
              ps.setObject(2, r.port(), Types.INTEGER);
              ps.setString(3, r.proto());
              ps.setString(4, r.address());
              ps.setObject(5, r.hostId(), Types.INTEGER);
              ps.setString(6, r.label());
            },
            rs ->
                new InfraRule(
                    rs.getLong(1),
                    r.kind(),
                    r.port(),
                    r.proto(),
                    rs.getString(2),
                    r.hostId(),
                    r.label()))
        .get(0);
  }

  boolean deleteInfrastructure(long id) {
    return update("DELETE FROM dependency_infrastructure WHERE id = ?", ps -> ps.setLong(1, id))
        > 0;
  }

  /** Whether a collector id names a host. */
  boolean hostExists(int id) {
    return !query(
            "SELECT 1 FROM collectors WHERE id = ?", ps -> ps.setInt(1, id), rs -> rs.getInt(1))
        .isEmpty();
  }

  // ---- JDBC plumbing

  private interface Binder {
    void bind(PreparedStatement ps) throws SQLException;
  }

  private interface RowMapper<T> {
    T map(ResultSet rs) throws SQLException;
  }

  private <T> List<T> query(String sql, RowMapper<T> map) {
    return query(sql, ps -> {}, map);
  }

  private <T> List<T> query(String sql, Binder bind, RowMapper<T> map) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      bind.bind(ps);
      List<T> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(map.map(rs));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new StorageUnavailableException(
          "dependencies: database unavailable: " + e.getMessage(), e);
    }
  }

  private int update(String sql, Binder bind) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      bind.bind(ps);
      return ps.executeUpdate();
    } catch (SQLException e) {
      throw new StorageUnavailableException(
          "dependencies: database unavailable: " + e.getMessage(), e);
    }
  }
}
