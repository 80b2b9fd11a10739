package io.perfmetrics.ingest;

import io.perfmetrics.store.StorageUnavailableException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.sql.DataSource;

/**
 * Reads stored samples back, for the admin API and for checking what arrived: from the landing
 * table and from the compacted hours alike (see {@link SampleCompactor}), values bit-exact as sent.
 * A sample in both (a replay of a compacted hour not yet merged) is answered once, with the
 * compacted value, the one the next compaction keeps.
 */
public final class SampleReader {
  public record Sample(long ts, String metric, double value) {}

  private static final Comparator<Sample> ORDER =
      Comparator.comparingLong(Sample::ts).thenComparing(Sample::metric);

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
    String landed =
        "SELECT extract(epoch FROM s.ts)::bigint, m.name, s.value FROM samples s JOIN metrics m ON m.id = s.metric_id"
            + " WHERE s.collector_id = ? AND s.ts >= ? AND s.ts < ?"
            + (metric == null ? "" : " AND m.name = ?")
            + " ORDER BY s.ts, m.name LIMIT ?";
    String compacted =
        "SELECT extract(epoch FROM s.hour)::bigint, m.name, s.data FROM samples_compact s JOIN metrics m ON m.id = s.metric_id"
            + " WHERE s.collector_id = ? AND s.hour > ? AND s.hour < ?"
            + (metric == null ? "" : " AND m.name = ?")
            + " ORDER BY s.hour";
    try (Connection c = dataSource.getConnection()) {
      List<Sample> out = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement(compacted)) {
        int i = 1;
        ps.setInt(i++, collectorId);
        ps.setTimestamp(i++, Timestamp.from(from.minusSeconds(3600)));
        ps.setTimestamp(i++, Timestamp.from(to));
        if (metric != null) {
          ps.setString(i, metric);
        }
        ps.setFetchSize(1_000);
        c.setAutoCommit(false);
        try (ResultSet rs = ps.executeQuery()) {
          long lastHour = Long.MIN_VALUE;
          while (rs.next()) {
            long hour = rs.getLong(1);
            // every sample of a later hour comes after the ones already read: enough once past
            // limit
            if (hour != lastHour && out.size() >= limit) {
              break;
            }
            lastHour = hour;
            String name = rs.getString(2);
            SeriesCodec.Series s = SeriesCodec.decode(rs.getBytes(3));
            for (int k = 0; k < s.size(); k++) {
              Instant ts = Instant.ofEpochSecond(s.ts()[k]);
              if (!ts.isBefore(from) && ts.isBefore(to)) {
                out.add(new Sample(s.ts()[k], name, s.values()[k]));
              }
            }
          }
        } finally {
          c.commit();
          c.setAutoCommit(true);
        }
      }
      Set<Sample> keys = new HashSet<>();
      for (Sample s : out) {
        keys.add(new Sample(s.ts(), s.metric(), 0));
      }
      try (PreparedStatement ps = c.prepareStatement(landed)) {
        int i = 1;
        ps.setInt(i++, collectorId);
        ps.setTimestamp(i++, Timestamp.from(from));
        ps.setTimestamp(i++, Timestamp.from(to));
        if (metric != null) {
          ps.setString(i++, metric);
        }
        ps.setInt(i, limit);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            Sample s = new Sample(rs.getLong(1), rs.getString(2), rs.getDouble(3));
            if (!keys.contains(new Sample(s.ts(), s.metric(), 0))) {
              out.add(s);
            }
          }
        }
      }
      out.sort(ORDER);
      return out.size() > limit ? new ArrayList<>(out.subList(0, limit)) : out;
    } catch (SQLException e) {
      throw new StorageUnavailableException("could not read samples: " + e.getMessage(), e);
    }
  }
}
