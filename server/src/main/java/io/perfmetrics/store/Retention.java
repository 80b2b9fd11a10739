package io.perfmetrics.store;

import io.perfmetrics.config.RetentionSettings;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes data older than {@link RetentionSettings} by dropping whole partitions (compact
 * samples, rollups) and, on TimescaleDB, whole chunks of the samples hypertable: no DELETE, no
 * bloat, no vacuum. On plain PostgreSQL the landing table {@code samples} holds only the hours not
 * compacted yet; the compactor discards what lands there older than the retention.
 */
public final class Retention {
  private static final Logger log = LoggerFactory.getLogger(Retention.class);

  /** What one run removed: partition names, and how many hypertable chunks. */
  public record Result(List<String> droppedPartitions, int droppedChunks) {}

  private final DataSource dataSource;
  private final RetentionSettings settings;
  private final Clock clock;

  public Retention(DataSource dataSource, RetentionSettings settings, Clock clock) {
    this.dataSource = dataSource;
    this.settings = settings;
    this.clock = clock;
  }

  public synchronized Result runOnce() {
    Instant now = clock.instant();
    Instant rawCutoff = now.minusSeconds(settings.rawDays() * 86_400L);
    Instant rollupCutoff = now.minusSeconds(settings.rollupDays() * 86_400L);
    List<String> dropped = new ArrayList<>();
    int chunks = 0;
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(true);
      dropped.addAll(Partitions.samplesCompact().dropOlderThan(c, rawCutoff));
      dropped.addAll(Partitions.sizingHourly().dropOlderThan(c, rollupCutoff));
      dropped.addAll(Partitions.sizingDaily().dropOlderThan(c, rollupCutoff));
      if (hasTimescale(c)) {
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM drop_chunks('samples', older_than => ?)")) {
          ps.setTimestamp(1, Timestamp.from(rawCutoff));
          try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            chunks = rs.getInt(1);
          }
        }
      }
    } catch (SQLException e) {
      throw new StorageUnavailableException("retention failed: " + e.getMessage(), e);
    }
    if (!dropped.isEmpty() || chunks > 0) {
      log.info("retention: dropped {} partition(s) {} and {} chunk(s) (samples before {}, rollups before {})",
          dropped.size(), dropped, chunks, rawCutoff, rollupCutoff);
    }
    return new Result(dropped, chunks);
  }

  private static boolean hasTimescale(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'");
        ResultSet rs = ps.executeQuery()) {
      return rs.next();
    }
  }
}
