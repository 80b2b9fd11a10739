package io.perfmetrics.discovery;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.perfmetrics.store.StorageUnavailableException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/** Scans, their per-address jobs (claimed with FOR UPDATE SKIP LOCKED) and discovered targets. */
final class ScanStore {
  /** A claimed job. */
  record Job(long id, long scanId, String address, String claimedBy) {}

  private final DataSource ds;
  private final ObjectMapper json;
  private final Clock clock;

  ScanStore(DataSource ds, ObjectMapper json, Clock clock) {
    this.ds = ds;
    this.json = json;
    this.clock = clock;
  }

  long create(
      Object spec,
      List<ScanTargets.Address> addresses,
      List<ScanTargets.Unresolved> unresolved,
      int skippedOwn,
      int skippedExcluded,
      Duration bound) {
    try (Connection c = ds.getConnection()) {
      c.setAutoCommit(false);
      try {
        long id;
        try (PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO scans (spec, total, skipped, pacing_bound_ms, created_at, status, skipped_own,"
                    + " skipped_excluded) VALUES (?::jsonb, ?, ?, ?, ?, ?, ?, ?)"
                    + " RETURNING id")) {
          ps.setString(1, json.writeValueAsString(spec));
          ps.setInt(2, addresses.size() + unresolved.size());
          ps.setInt(3, skippedOwn + skippedExcluded);
          ps.setLong(4, bound.toMillis());
          ps.setTimestamp(5, Timestamp.from(clock.instant()));
          ps.setString(6, addresses.isEmpty() ? "done" : "running");
          ps.setInt(7, skippedOwn);
          ps.setInt(8, skippedExcluded);
          try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            id = rs.getLong(1);
          }
        }
        try (PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO scan_hosts (scan_id, address, name, state, detail, finished_at) VALUES (?, ?, ?, ?, ?, ?)")) {
          for (ScanTargets.Address a : addresses) {
            ps.setLong(1, id);
            ps.setString(2, a.address());
            ps.setString(3, a.name());
            ps.setString(4, "pending");
            ps.setString(5, null);
            ps.setTimestamp(6, null);
            ps.addBatch();
          }
          for (ScanTargets.Unresolved u : unresolved) {
            ps.setLong(1, id);
            ps.setString(2, u.name());
            ps.setString(3, u.name());
            ps.setString(4, "failed");
            ps.setString(5, u.reason());
            ps.setTimestamp(6, Timestamp.from(clock.instant()));
            ps.addBatch();
          }
          ps.executeBatch();
        }
        if (addresses.isEmpty()) {
          try (PreparedStatement ps =
              c.prepareStatement("UPDATE scans SET finished_at = ? WHERE id = ?")) {
            ps.setTimestamp(1, Timestamp.from(clock.instant()));
            ps.setLong(2, id);
            ps.executeUpdate();
          }
        }
        c.commit();
        return id;
      } catch (SQLException | JsonProcessingException e) {
        c.rollback();
        throw e;
      }
    } catch (SQLException | JsonProcessingException e) {
      throw new StorageUnavailableException("could not create the scan", e);
    }
  }

  /**
   * Puts back to pending the addresses of running scans claimed longer ago than {@code olderThan}:
   * an appliance that is alive finishes an address well within that, so its claimant stopped.
   * Returns how many.
   */
  int releaseAbandoned(java.time.Duration olderThan) {
    String sql =
        // claimed_at stays: a cancel then knows the address may have entries in the log already
        "UPDATE scan_hosts SET state = 'pending', claimed_by = NULL"
            + " WHERE state = 'running' AND claimed_at < ? AND scan_id IN (SELECT id FROM scans WHERE status = 'running')";
    try (Connection c = ds.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setTimestamp(1, Timestamp.from(clock.instant().minus(olderThan)));
      return ps.executeUpdate();
    } catch (SQLException e) {
      throw new StorageUnavailableException("could not release abandoned scan jobs", e);
    }
  }

  /** Claims up to {@code n} pending addresses of running scans; other appliances skip them. */
  List<Job> claim(int n, String appliance) {
    String sql =
        "UPDATE scan_hosts SET state = 'running', claimed_by = ?, claimed_at = ? WHERE id IN ("
            + " SELECT h.id FROM scan_hosts h JOIN scans s ON s.id = h.scan_id"
            + " WHERE h.state = 'pending' AND s.status = 'running' ORDER BY h.id LIMIT ? FOR UPDATE OF h SKIP LOCKED)"
            + " RETURNING id, scan_id, address";
    try (Connection c = ds.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, appliance);
      ps.setTimestamp(2, Timestamp.from(clock.instant()));
      ps.setInt(3, n);
      List<Job> jobs = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          jobs.add(new Job(rs.getLong(1), rs.getLong(2), rs.getString(3), appliance));
        }
      }
      jobs.sort((a, b) -> Long.compare(a.id(), b.id()));
      return jobs;
    } catch (SQLException e) {
      throw new StorageUnavailableException("could not claim scan jobs", e);
    }
  }

  /**
   * The operations-log entries of the {@code scan_hosts} row at hand: every probe of its address in
   * its scan, by any appliance (one that stopped mid-way included).
   */
  private static final String ENTRIES =
      "(SELECT count(*) FROM netops n WHERE n.scan_id = scan_hosts.scan_id AND n.destination = scan_hosts.address)";

  void finish(Job job, HostOutcome outcome) {
    String hostname = null;
    String family = null;
    List<Integer> open = List.of();
    List<OsHint> hints = List.of();
    String detail = null;
    switch (outcome) {
      case HostOutcome.Found f -> {
        hostname = f.hostname();
        family = f.osFamily();
        open = f.openPorts();
        hints = f.hints();
      }
      case HostOutcome.Alive a -> hostname = a.hostname();
      case HostOutcome.Silent s -> hostname = s.hostname();
      case HostOutcome.Failed f -> detail = f.reason();
      case HostOutcome.Cancelled x -> detail = "cancelled";
    }
    try (Connection c = ds.getConnection()) {
      c.setAutoCommit(false);
      // one address of a scan finishes at a time: two finishing together would each see the other
      // still running (not yet committed) and neither would mark the scan done
      try (PreparedStatement lock =
              c.prepareStatement("SELECT 1 FROM scans WHERE id = ? FOR UPDATE");
          PreparedStatement ps =
              c.prepareStatement(
                  "UPDATE scan_hosts SET state = ?, hostname = ?, os_family = ?, open_ports = ?, hints = ?::jsonb, detail = ?,"
                      + " finished_at = ?, operations = "
                      + ENTRIES
                      + " WHERE id = ? AND state = 'running' AND claimed_by = ?")) {
        lock.setLong(1, job.scanId());
        lock.executeQuery().close();
        ps.setString(1, outcome.state());
        ps.setString(2, hostname);
        ps.setString(3, family);
        ps.setArray(4, c.createArrayOf("integer", open.toArray()));
        ps.setString(5, json.writeValueAsString(hints));
        ps.setString(6, detail);
        ps.setTimestamp(7, Timestamp.from(clock.instant()));
        ps.setLong(8, job.id());
        ps.setString(9, job.claimedBy());
        if (ps.executeUpdate() == 0) {
          // given up on as abandoned and claimed again (or cancelled): the other result counts
          c.rollback();
          return;
        }
        if (outcome instanceof HostOutcome.Found f) {
          upsertTarget(c, f);
        }
        try (PreparedStatement done =
            c.prepareStatement(
                "UPDATE scans SET status = 'done', finished_at = ? WHERE id = ? AND status = 'running'"
                    + " AND NOT EXISTS (SELECT 1 FROM scan_hosts WHERE scan_id = ? AND state IN ('pending', 'running'))")) {
          done.setTimestamp(1, Timestamp.from(clock.instant()));
          done.setLong(2, job.scanId());
          done.setLong(3, job.scanId());
          done.executeUpdate();
        }
        c.commit();
      } catch (SQLException | JsonProcessingException e) {
        c.rollback();
        throw e;
      }
    } catch (SQLException | JsonProcessingException e) {
      throw new StorageUnavailableException("could not store the result for " + job.address(), e);
    }
  }

  private void upsertTarget(Connection c, HostOutcome.Found f)
      throws SQLException, JsonProcessingException {
    // the port deploy will use: SSH for unix, SMB for windows, else the first open one
    int port = deployPort(f);
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO targets (address, port, os_family, source, accepted, hostname, os_hints, discovered_at)"
                + " VALUES (?, ?, ?, 'discovery', false, ?, ?::jsonb, ?)"
                + " ON CONFLICT (address, port) DO UPDATE SET os_family = CASE WHEN targets.source = 'discovery'"
                + " THEN EXCLUDED.os_family ELSE targets.os_family END, hostname = EXCLUDED.hostname,"
                + " os_hints = EXCLUDED.os_hints, discovered_at = EXCLUDED.discovered_at")) {
      ps.setString(1, f.address());
      ps.setInt(2, port);
      ps.setString(3, f.osFamily());
      ps.setString(4, f.hostname());
      ps.setString(5, json.writeValueAsString(f.hints()));
      ps.setTimestamp(6, Timestamp.from(clock.instant()));
      ps.executeUpdate();
    }
  }

  static int deployPort(HostOutcome.Found f) {
    for (OsHint h : f.hints()) {
      if (h.source().equals("ssh-banner") && f.osFamily().equals("unix")) {
        // the banner came from one of the open ports; SSH is on 22 unless configured elsewhere
        return f.openPorts().contains(22) ? 22 : f.openPorts().getFirst();
      }
    }
    if (f.osFamily().equals("windows") && f.openPorts().contains(445)) {
      return 445;
    }
    return f.openPorts().getFirst();
  }

  /** Marks the scan cancelled and its pending addresses too; false when it was not running. */
  boolean cancel(long id) {
    try (Connection c = ds.getConnection()) {
      c.setAutoCommit(false);
      try (PreparedStatement ps =
              c.prepareStatement(
                  "UPDATE scans SET status = 'cancelled', cancelled_at = ?, finished_at = ? WHERE id = ? AND status = 'running'");
          PreparedStatement hosts =
              c.prepareStatement(
                  "UPDATE scan_hosts SET state = 'cancelled', detail = 'cancelled before it was probed', finished_at = ?,"
                      // never claimed: nothing sent; given back by a stopped appliance: maybe some
                      + " operations = CASE WHEN claimed_at IS NULL THEN 0 ELSE "
                      + ENTRIES
                      + " END WHERE scan_id = ? AND state = 'pending'")) {
        Timestamp now = Timestamp.from(clock.instant());
        ps.setTimestamp(1, now);
        ps.setTimestamp(2, now);
        ps.setLong(3, id);
        boolean changed = ps.executeUpdate() == 1;
        hosts.setTimestamp(1, now);
        hosts.setLong(2, id);
        hosts.executeUpdate();
        c.commit();
        return changed;
      } catch (SQLException e) {
        c.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw new StorageUnavailableException("could not cancel scan " + id, e);
    }
  }

  boolean isRunning(long id) {
    try (Connection c = ds.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT status FROM scans WHERE id = ?")) {
      ps.setLong(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() && rs.getString(1).equals("running");
      }
    } catch (SQLException e) {
      throw new StorageUnavailableException("could not read scan " + id, e);
    }
  }

  Optional<ScanView> find(long id) {
    return views("s.id = ?", id, "could not read scan " + id).stream().findFirst();
  }

  /** The newest scans first. */
  List<ScanView> list(int limit) {
    return views(
        "s.id IN (SELECT id FROM scans ORDER BY id DESC LIMIT ?)", limit, "could not list scans");
  }

  /** The scans that {@code where} (with one parameter) picks, newest first, in one query. */
  private List<ScanView> views(String where, long parameter, String failure) {
    String sql =
        "SELECT s.id, s.status, s.total, s.skipped, s.created_at, s.finished_at, s.pacing_bound_ms,"
            + " count(h.id) FILTER (WHERE h.state NOT IN ('pending', 'running')),"
            + " count(h.id) FILTER (WHERE h.state = 'found'), count(h.id) FILTER (WHERE h.state = 'alive'),"
            + " count(h.id) FILTER (WHERE h.state = 'silent'), count(h.id) FILTER (WHERE h.state = 'failed'),"
            + " count(h.id) FILTER (WHERE h.state = 'cancelled'),"
            // ScanView.operations: the finished addresses' counts and a live count of the running
            // ones (a few); all the scan's entries where an address finished before the counts
            + " CASE WHEN bool_and(h.operations IS NOT NULL)"
            + "   FILTER (WHERE h.state NOT IN ('pending', 'running')) IS FALSE"
            + " THEN (SELECT count(*) FROM netops n WHERE n.scan_id = s.id)"
            + " ELSE coalesce(sum(h.operations), 0) + (SELECT count(*) FROM scan_hosts r JOIN netops n"
            + "   ON n.scan_id = r.scan_id AND n.destination = r.address WHERE r.scan_id = s.id AND r.state = 'running')"
            + " END, s.skipped_own, s.skipped_excluded"
            + " FROM scans s LEFT JOIN scan_hosts h ON h.scan_id = s.id WHERE "
            + where
            + " GROUP BY s.id ORDER BY s.id DESC";
    try (Connection c = ds.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setLong(1, parameter);
      List<ScanView> views = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          views.add(view(rs));
        }
      }
      return views;
    } catch (SQLException e) {
      throw new StorageUnavailableException(failure, e);
    }
  }

  private ScanView view(ResultSet rs) throws SQLException {
    Instant created = rs.getTimestamp(5).toInstant();
    Timestamp fin = rs.getTimestamp(6);
    Instant finished = fin == null ? null : fin.toInstant();
    double elapsed =
        Duration.between(created, finished == null ? clock.instant() : finished).toMillis()
            / 1000.0;
    double bound = rs.getLong(7) / 1000.0;
    String status = rs.getString(2);
    int total = rs.getInt(3);
    int done = rs.getInt(8);
    long operations = rs.getLong(14);
    Integer skippedOwn = (Integer) rs.getObject(15);
    Integer skippedExcluded = (Integer) rs.getObject(16);
    String summary =
        switch (status) {
          case "done" ->
              String.format(
                  "finished %d of %d addresses in %.1f s with %d network operations; the pacing"
                      + " allows no less than %.1f s for them",
                  done, total, elapsed, operations, bound);
          case "cancelled" ->
              String.format(
                  "cancelled after %.1f s; %d of %d addresses done, %d network operations",
                  elapsed, done, total, operations);
          default ->
              String.format(
                  "%d of %d addresses done after %.1f s, %d network operations so far; the"
                      + " pacing allows no less than %.1f s",
                  done, total, elapsed, operations, bound);
        };
    return new ScanView(
        rs.getLong(1),
        status,
        total,
        done,
        rs.getInt(9),
        rs.getInt(10),
        rs.getInt(11),
        rs.getInt(12),
        rs.getInt(13),
        rs.getInt(4),
        skippedOwn,
        skippedExcluded,
        operations,
        created,
        finished,
        elapsed,
        bound,
        summary);
  }

  List<HostView> hosts(long scanId, String state, int limit, long offset) {
    String sql =
        "SELECT address, name, state, hostname, os_family, open_ports, hints::text, detail FROM scan_hosts"
            + " WHERE scan_id = ?"
            + (state == null ? "" : " AND state = ?")
            + " ORDER BY id LIMIT ? OFFSET ?";
    try (Connection c = ds.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      int i = 1;
      ps.setLong(i++, scanId);
      if (state != null) {
        ps.setString(i++, state);
      }
      ps.setInt(i++, limit);
      ps.setLong(i, offset);
      List<HostView> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          Array a = rs.getArray(6);
          List<Integer> ports =
              a == null ? List.of() : Arrays.stream((Integer[]) a.getArray()).toList();
          List<OsHint> hints = Arrays.asList(json.readValue(rs.getString(7), OsHint[].class));
          out.add(
              new HostView(
                  rs.getString(1),
                  rs.getString(2),
                  rs.getString(3),
                  rs.getString(4),
                  rs.getString(5),
                  ports,
                  hints,
                  rs.getString(8)));
        }
      }
      return out;
    } catch (SQLException | JsonProcessingException e) {
      throw new StorageUnavailableException("could not read the hosts of scan " + scanId, e);
    }
  }

  List<DiscoveredTarget> discoveredTargets(Boolean accepted) {
    String sql =
        "SELECT id, address, port, os_family, hostname, accepted, discovered_at, os_hints::text FROM targets"
            + " WHERE source = 'discovery'"
            + (accepted == null ? "" : " AND accepted = ?")
            + " ORDER BY id";
    try (Connection c = ds.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      if (accepted != null) {
        ps.setBoolean(1, accepted);
      }
      List<DiscoveredTarget> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          int port = rs.getInt(3);
          Integer p = rs.wasNull() ? null : port;
          Timestamp d = rs.getTimestamp(7);
          out.add(
              new DiscoveredTarget(
                  rs.getLong(1),
                  rs.getString(2),
                  p,
                  rs.getString(4),
                  rs.getString(5),
                  rs.getBoolean(6),
                  d == null ? null : d.toInstant(),
                  rs.getString(8)));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new StorageUnavailableException("could not list discovered targets", e);
    }
  }

  /** Accepts a discovered target for deploy; false when there is no such target. */
  boolean accept(long targetId) {
    try (Connection c = ds.getConnection();
        PreparedStatement ps =
            c.prepareStatement("UPDATE targets SET accepted = true WHERE id = ?")) {
      ps.setLong(1, targetId);
      return ps.executeUpdate() == 1;
    } catch (SQLException e) {
      throw new StorageUnavailableException("could not accept target " + targetId, e);
    }
  }
}
