package io.perfmetrics.deploy;

import io.perfmetrics.ingest.CollectorRecord;
import io.perfmetrics.ingest.CollectorRegistry;
import io.perfmetrics.store.StorageUnavailableException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Each target's collector status: what the last deploy or check found, combined with what the
 * receiver saw.
 */
public final class TargetStatuses {
  /**
   * The status of a target's collector.
   *
   * @param state running, stopped, expired, never_deployed, failed or removed
   * @param ttlLeftSeconds null when nothing is deployed
   */
  public record Status(
      long targetId,
      String state,
      String detail,
      Instant checkedAt,
      Integer collectorId,
      Instant expiresAt,
      Long ttlLeftSeconds,
      Instant lastSeenAt) {}

  private final DataSource dataSource;
  private final CollectorRegistry collectors;
  private final Clock clock;

  public TargetStatuses(DataSource dataSource, CollectorRegistry collectors, Clock clock) {
    this.dataSource = dataSource;
    this.collectors = collectors;
    this.clock = clock;
  }

  /**
   * Sets the collector status of the targets in {@code rows} (a WITH query with a {@code target_id}
   * column), as {@link DeployJobs#finish} does with the host's result. Parameters: {@link #bind}.
   */
  static String upsertFor(String rows) {
    return "INSERT INTO target_status (target_id, state, detail, checked_at) SELECT target_id, ?, ?, now() FROM "
        + rows
        + " ON CONFLICT (target_id) DO UPDATE SET state = EXCLUDED.state, detail = EXCLUDED.detail,"
        + " checked_at = EXCLUDED.checked_at";
  }

  /** Sets the parameters of {@link #upsertFor} from {@code first} on; returns the next one. */
  static int bind(PreparedStatement ps, int first, String state, String detail)
      throws SQLException {
    ps.setString(first, state);
    ps.setString(first + 1, detail);
    return first + 2;
  }

  public Status of(long targetId) {
    String state = "never_deployed";
    String detail = null;
    Instant checked = null;
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT state, detail, checked_at FROM target_status WHERE target_id = ?")) {
      ps.setLong(1, targetId);
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          state = rs.getString(1);
          detail = rs.getString(2);
          checked = rs.getTimestamp(3).toInstant();
        }
      }
    } catch (SQLException e) {
      throw new StorageUnavailableException(
          "could not read the target's status: " + e.getMessage(), e);
    }
    Optional<CollectorRecord> col = collectors.forTarget(targetId);
    if (col.isEmpty()) {
      return new Status(targetId, state, detail, checked, null, null, null, null);
    }
    CollectorRecord cr = col.get();
    Instant now = clock.instant();
    long left = Math.max(0, Duration.between(now, cr.expiresAt()).toSeconds());
    // the TTL ends the collector by itself: no need to ask the host to know that
    if (left == 0 && ("running".equals(state) || "stopped".equals(state))) {
      state = "expired";
      detail = "TTL ended at " + cr.expiresAt().truncatedTo(ChronoUnit.SECONDS);
    }
    return new Status(
        targetId,
        state,
        detail,
        checked,
        cr.id(),
        cr.expiresAt(),
        "removed".equals(state) ? null : left,
        cr.lastSeenAt());
  }
}
