package io.perfmetrics.web.console;

import io.perfmetrics.deploy.TargetStatuses;
import io.perfmetrics.ingest.CollectorRecord;
import io.perfmetrics.ingest.CollectorRegistry;
import io.perfmetrics.store.StorageUnavailableException;
import io.perfmetrics.targets.TargetStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/** What the overview shows: targets by status, the sample rate, collectors about to expire. */
final class Overview {
  /** Samples are counted over this window (collectors upload every 5 minutes). */
  static final Duration RATE_WINDOW = Duration.ofMinutes(15);

  static final List<String> STATES =
      List.of("running", "stopped", "expired", "failed", "never_deployed", "removed");

  record Figures(
      Map<String, Integer> byStatus,
      int targets,
      double samplesPerMinute,
      List<CollectorRecord> expiringSoon,
      io.perfmetrics.store.Retention.Usage storage) {}

  private final DataSource dataSource;
  private final TargetStore targets;
  private final TargetStatuses statuses;
  private final CollectorRegistry collectors;
  private final Clock clock;

  Overview(
      DataSource dataSource,
      TargetStore targets,
      TargetStatuses statuses,
      CollectorRegistry collectors,
      Clock clock) {
    this.dataSource = dataSource;
    this.targets = targets;
    this.statuses = statuses;
    this.collectors = collectors;
    this.clock = clock;
  }

  Figures figures() {
    Map<String, Integer> by = new LinkedHashMap<>();
    STATES.forEach(s -> by.put(s, 0));
    var all = targets.list();
    for (var t : all) {
      by.merge(statuses.of(t.id()).state(), 1, Integer::sum);
    }
    Instant now = clock.instant();
    List<CollectorRecord> soon =
        collectors.list().stream()
            .filter(
                c ->
                    "active".equals(c.status())
                        && c.expiresAt().isAfter(now)
                        && c.expiresAt().isBefore(now.plus(Duration.ofHours(24))))
            .toList();
    var storage = io.perfmetrics.store.Retention.usage(dataSource);
    return new Figures(by, all.size(), samplesPerMinute(now), soon, storage);
  }

  /**
   * Samples with a timestamp in the last {@link #RATE_WINDOW}, per minute: one index range scan on
   * ts.
   */
  private double samplesPerMinute(Instant now) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement("SELECT count(*) FROM samples WHERE ts > ? AND ts <= ?")) {
      ps.setTimestamp(1, Timestamp.from(now.minus(RATE_WINDOW)));
      ps.setTimestamp(2, Timestamp.from(now.plusSeconds(60)));
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1) / (double) RATE_WINDOW.toMinutes();
      }
    } catch (SQLException e) {
      throw new StorageUnavailableException("could not count samples: " + e.getMessage(), e);
    }
  }
}
