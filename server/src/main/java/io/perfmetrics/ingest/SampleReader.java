package io.perfmetrics.ingest;

import io.perfmetrics.store.StorageUnavailableException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/** Reads stored samples back, for the admin API and for checking what arrived. */
public final class SampleReader {
  public record Sample(long ts, String metric, double value) {}

  private final DataSource dataSource;

  public SampleReader(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /**
   * Samples of one collector in [from, to), oldest first.
   *
   * @param metric null for all metrics
   */
  public List<Sample> read(int collectorId, String metric, Instant from, Instant to, int limit) {
    String sql =
        "SELECT extract(epoch FROM s.ts)::bigint, m.name, s.value FROM samples s JOIN metrics m ON m.id = s.metric_id"
            + " WHERE s.collector_id = ? AND s.ts >= ? AND s.ts < ?"
            + (metric == null ? "" : " AND m.name = ?")
            + " ORDER BY s.ts, m.name LIMIT ?";
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      int i = 1;
      ps.setInt(i++, collectorId);
      ps.setTimestamp(i++, Timestamp.from(from));
      ps.setTimestamp(i++, Timestamp.from(to));
      if (metric != null) {
        ps.setString(i++, metric);
      }
      ps.setInt(i, limit);
      List<Sample> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(new Sample(rs.getLong(1), rs.getString(2), rs.getDouble(3)));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new StorageUnavailableException("could not read samples: " + e.getMessage(), e);
    }
  }
}
