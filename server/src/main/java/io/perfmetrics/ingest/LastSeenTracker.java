package io.perfmetrics.ingest;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Remembers when each collector last reached us and writes that to {@code collectors} every few
 * seconds in one statement, rather than one UPDATE per request on the hot path.
 */
public final class LastSeenTracker implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LastSeenTracker.class);

  private final DataSource dataSource;
  private final Clock clock;
  private final Map<Integer, Instant> pending = new ConcurrentHashMap<>();
  private final ScheduledExecutorService flusher =
      Executors.newSingleThreadScheduledExecutor(
          r -> Thread.ofPlatform().name("last-seen").daemon().unstarted(r));

  public LastSeenTracker(DataSource dataSource, Clock clock, Duration every) {
    this.dataSource = dataSource;
    this.clock = clock;
    // flush() keeps what it could not write for the next run and close() flushes once more: nothing
    // waits on the future
    var unused =
        flusher.scheduleWithFixedDelay(
            this::flush, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
  }

  public void seen(int collectorId) {
    pending.put(collectorId, clock.instant());
  }

  /** Writes what has been seen since the last flush; keeps it for the next try if that fails. */
  public void flush() {
    if (pending.isEmpty()) {
      return;
    }
    List<Integer> ids = new ArrayList<>();
    List<Timestamp> times = new ArrayList<>();
    for (var e : pending.entrySet()) {
      if (pending.remove(e.getKey(), e.getValue())) {
        ids.add(e.getKey());
        times.add(Timestamp.from(e.getValue()));
      }
    }
    String sql =
        "UPDATE collectors c SET last_seen_at = v.ts FROM unnest(?::int[], ?::timestamptz[]) AS v(id, ts)"
            + " WHERE c.id = v.id AND (c.last_seen_at IS NULL OR c.last_seen_at < v.ts)";
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setArray(1, c.createArrayOf("int4", ids.toArray()));
      ps.setArray(2, c.createArrayOf("timestamptz", times.toArray()));
      ps.executeUpdate();
    } catch (SQLException e) {
      log.debug("last-seen times not written yet ({}); retrying later", e.getMessage());
      for (int i = 0; i < ids.size(); i++) {
        pending.merge(ids.get(i), times.get(i).toInstant(), (a, b) -> a.isAfter(b) ? a : b);
      }
    }
  }

  @Override
  public void close() {
    flusher.shutdown();
    flush();
  }
}
