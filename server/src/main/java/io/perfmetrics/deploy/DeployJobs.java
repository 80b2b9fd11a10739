package io.perfmetrics.deploy;

import io.perfmetrics.discovery.NetOpsLog;
import io.perfmetrics.store.StorageUnavailableException;
import io.perfmetrics.targets.Target;
import io.perfmetrics.targets.TargetStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Deploy jobs and their per-host rows. Hosts are claimed with {@code FOR UPDATE SKIP LOCKED}, so
 * any number of workers, on any number of appliances, take each host exactly once.
 */
public final class DeployJobs {
  /** A job's progress and per-host results, as the API shows them. */
  public record JobView(
      long id,
      String kind,
      boolean force,
      String state,
      int total,
      int done,
      int failed,
      Instant createdAt,
      Instant finishedAt,
      List<HostResult> hosts) {}

  /** One host of a job. */
  public record HostResult(
      long targetId,
      String address,
      String state,
      String outcome,
      String detail,
      Instant startedAt,
      Instant finishedAt,
      List<Check> checks) {}

  private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
      new com.fasterxml.jackson.databind.ObjectMapper();

  private final DataSource dataSource;

  public DeployJobs(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  public long create(String kind, boolean force, List<Long> targetIds) {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      long id;
      try (PreparedStatement ps =
          c.prepareStatement("INSERT INTO deploy_jobs (kind, force) VALUES (?, ?) RETURNING id")) {
        ps.setString(1, kind);
        ps.setBoolean(2, force);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          id = rs.getLong(1);
        }
      }
      try (PreparedStatement ps =
          c.prepareStatement(
              "INSERT INTO deploy_results (job_id, target_id) SELECT ?, unnest(?::bigint[])")) {
        ps.setLong(1, id);
        ps.setArray(2, c.createArrayOf("int8", targetIds.toArray()));
        ps.executeUpdate();
      }
      c.commit();
      return id;
    } catch (SQLException e) {
      throw new StorageUnavailableException("could not create the job: " + e.getMessage(), e);
    }
  }

  /** A host a worker took: its target's id, and the target as it is now (null once removed). */
  public record Claimed(long targetId, @Nullable Target target) {}

  /** Takes the next pending host of a job, or empty when none is left. */
  public Optional<Claimed> claim(long jobId) {
    // the target's row comes with the claim: one round trip per host, not two
    String sql =
        "WITH c AS (UPDATE deploy_results r SET state = 'running', started_at = now()"
            + " WHERE (job_id, target_id) = (SELECT job_id, target_id FROM deploy_results"
            + "   WHERE job_id = ? AND state = 'pending' ORDER BY target_id LIMIT 1 FOR UPDATE SKIP LOCKED)"
            + " RETURNING target_id)"
            + " SELECT c.target_id, "
            + TargetStore.columns("t")
            + " FROM c LEFT JOIN targets t ON t.id = c.target_id";
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setLong(1, jobId);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        long targetId = rs.getLong(1);
        // t.id: null for a target removed since the job began
        rs.getLong(2);
        return Optional.of(new Claimed(targetId, rs.wasNull() ? null : TargetStore.row(rs, 2)));
      }
    } catch (SQLException e) {
      throw new StorageUnavailableException("could not claim a host: " + e.getMessage(), e);
    }
  }

  /**
   * Records the outcome of one target of a job, and in the same statement the network operation it
   * made and the target's collector status it found, each if any: they are one fact, so an
   * appliance that dies after the connection leaves none of them and the host is done once more by
   * another, which logs it once. One statement is also one round trip per host, not three.
   *
   * @param checks a preflight's checks, or null
   * @param operation the attempt's entry in the operations log, or null when it made no connection
   * @param targetState the target's new collector status (with {@code detail}), or null to leave it
   */
  public void finish(
      long jobId,
      long targetId,
      String outcome,
      String detail,
      List<Check> checks,
      NetOpsLog.Operation operation,
      String targetState) {
    String update =
        "UPDATE deploy_results SET state = 'done', outcome = ?, detail = ?, finished_at = now(), checks = ?::jsonb"
            + " WHERE job_id = ? AND target_id = ?";
    // A data-modifying WITH runs to completion whatever the main statement reads of it. The
    // status is written for the result it kept: a target removed meanwhile has neither.
    String kept = "WITH kept AS (" + update + " RETURNING target_id)";
    String status = TargetStatuses.upsertFor("kept");
    String sql;
    if (targetState == null) {
      sql = operation == null ? update : kept + " " + NetOpsLog.INSERT;
    } else {
      sql =
          operation == null
              ? kept + " " + status
              : kept + ", status AS (" + status + ") " + NetOpsLog.INSERT;
    }
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, outcome);
      ps.setString(2, detail);
      ps.setString(3, checks == null ? null : JSON.writeValueAsString(checks));
      ps.setLong(4, jobId);
      ps.setLong(5, targetId);
      int next = 6;
      if (targetState != null) {
        next = TargetStatuses.bind(ps, next, targetState, detail);
      }
      if (operation != null) {
        NetOpsLog.bind(ps, next, operation);
      }
      ps.executeUpdate();
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    } catch (SQLException e) {
      throw new StorageUnavailableException(
          "could not record a host's result: " + e.getMessage(), e);
    }
  }

  /** Marks the job finished once no host is pending or running. */
  public void completeIfDone(long jobId) {
    String sql =
        "UPDATE deploy_jobs SET state = 'done', finished_at = now() WHERE id = ? AND state = 'running'"
            + " AND NOT EXISTS (SELECT 1 FROM deploy_results WHERE job_id = ? AND state IN ('pending', 'running'))";
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setLong(1, jobId);
      ps.setLong(2, jobId);
      ps.executeUpdate();
    } catch (SQLException e) {
      throw new StorageUnavailableException("could not finish the job: " + e.getMessage(), e);
    }
  }

  /** A job still running, as a worker needs it to carry on. */
  public record Unfinished(long id, String kind, boolean force, int pending) {}

  /**
   * Puts back to pending the hosts that have been "running" for longer than {@code olderThan}: a
   * live worker gives up on a host within the host time limit, so such a host was left by an
   * appliance that stopped mid-job. Returns how many.
   */
  public int releaseAbandoned(java.time.Duration olderThan) {
    String sql =
        "UPDATE deploy_results SET state = 'pending', started_at = NULL"
            + " WHERE state = 'running' AND started_at < now() - make_interval(secs => ?)"
            + " AND job_id IN (SELECT id FROM deploy_jobs WHERE state = 'running')";
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setDouble(1, olderThan.toMillis() / 1000.0);
      return ps.executeUpdate();
    } catch (SQLException e) {
      throw new StorageUnavailableException(
          "could not release abandoned hosts: " + e.getMessage(), e);
    }
  }

  /** Running jobs with the number of hosts nobody has started yet. */
  public List<Unfinished> unfinished() {
    String sql =
        "SELECT j.id, j.kind, j.force, count(r.target_id) FILTER (WHERE r.state = 'pending')"
            + " FROM deploy_jobs j LEFT JOIN deploy_results r ON r.job_id = j.id"
            + " WHERE j.state = 'running' GROUP BY j.id ORDER BY j.id";
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql);
        ResultSet rs = ps.executeQuery()) {
      List<Unfinished> out = new ArrayList<>();
      while (rs.next()) {
        out.add(new Unfinished(rs.getLong(1), rs.getString(2), rs.getBoolean(3), rs.getInt(4)));
      }
      return out;
    } catch (SQLException e) {
      throw new StorageUnavailableException("could not list running jobs: " + e.getMessage(), e);
    }
  }

  /** Cancels the hosts not started yet; hosts in progress finish. */
  public boolean cancel(long jobId) {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      int n;
      try (PreparedStatement ps =
          c.prepareStatement(
              "UPDATE deploy_jobs SET state = 'cancelled', finished_at = now() WHERE id = ? AND state = 'running'")) {
        ps.setLong(1, jobId);
        n = ps.executeUpdate();
      }
      try (PreparedStatement ps =
          c.prepareStatement(
              "UPDATE deploy_results SET state = 'cancelled', outcome = 'cancelled', finished_at = now()"
                  + " WHERE job_id = ? AND state = 'pending'")) {
        ps.setLong(1, jobId);
        ps.executeUpdate();
      }
      c.commit();
      return n > 0;
    } catch (SQLException e) {
      throw new StorageUnavailableException("could not cancel the job: " + e.getMessage(), e);
    }
  }

  public Optional<JobView> view(long jobId) {
    try (Connection c = dataSource.getConnection()) {
      String kind;
      boolean force;
      String state;
      Instant created;
      Instant finished;
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT kind, force, state, created_at, finished_at FROM deploy_jobs WHERE id = ?")) {
        ps.setLong(1, jobId);
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            return Optional.empty();
          }
          kind = rs.getString(1);
          force = rs.getBoolean(2);
          state = rs.getString(3);
          created = rs.getTimestamp(4).toInstant();
          finished = instant(rs.getTimestamp(5));
        }
      }
      List<HostResult> hosts = new ArrayList<>();
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT r.target_id, t.address, r.state, r.outcome, r.detail, r.started_at, r.finished_at, r.checks"
                  + " FROM deploy_results r JOIN targets t ON t.id = r.target_id WHERE r.job_id = ? ORDER BY r.target_id")) {
        ps.setLong(1, jobId);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            hosts.add(
                new HostResult(
                    rs.getLong(1),
                    rs.getString(2),
                    rs.getString(3),
                    rs.getString(4),
                    rs.getString(5),
                    instant(rs.getTimestamp(6)),
                    instant(rs.getTimestamp(7)),
                    checks(rs.getString(8))));
          }
        }
      }
      int done =
          (int)
              hosts.stream()
                  .filter(h -> !h.state().equals("pending") && !h.state().equals("running"))
                  .count();
      int failed = (int) hosts.stream().filter(h -> "failed".equals(h.outcome())).count();
      return Optional.of(
          new JobView(
              jobId, kind, force, state, hosts.size(), done, failed, created, finished, hosts));
    } catch (SQLException e) {
      throw new StorageUnavailableException("could not read the job: " + e.getMessage(), e);
    }
  }

  private static List<Check> checks(String json) {
    if (json == null) {
      return null;
    }
    try {
      return List.of(JSON.readValue(json, Check[].class));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("unreadable checks in the database: " + e.getMessage(), e);
    }
  }

  private static Instant instant(Timestamp t) {
    return t == null ? null : t.toInstant();
  }
}
