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
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
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
    // rows of the per-metric layout before V13, until the compactor has moved them
    String perMetric =
        "SELECT extract(epoch FROM s.hour)::bigint, m.name, s.data FROM samples_compact s JOIN metrics m ON m.id = s.metric_id"
            + " WHERE s.collector_id = ? AND s.hour > ? AND s.hour < ?"
            + (metric == null ? "" : " AND m.name = ?")
            + " ORDER BY s.hour";
    String byHour =
        "SELECT extract(epoch FROM hour)::bigint, data FROM samples_hour"
            + " WHERE collector_id = ? AND hour > ? AND hour < ? ORDER BY hour";
    try (Connection c = dataSource.getConnection()) {
      Map<Short, String> names = new HashMap<>();
      try (PreparedStatement ps = c.prepareStatement("SELECT id, name FROM metrics");
          ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          names.put(rs.getShort(1), rs.getString(2));
        }
      }
      List<Sample> out = new ArrayList<>();
      Set<Sample> keys = new HashSet<>();
      c.setAutoCommit(false);
      try {
        try (PreparedStatement ps = c.prepareStatement(byHour)) {
          ps.setInt(1, collectorId);
          ps.setTimestamp(2, Timestamp.from(from.minusSeconds(3600)));
          ps.setTimestamp(3, Timestamp.from(to));
          ps.setFetchSize(200);
          try (ResultSet rs = ps.executeQuery()) {
            int read = 0;
            while (rs.next()) {
              // every sample of a later hour comes after the ones already read: enough once past
              // limit
              if (read >= limit) {
                break;
              }
              long hour = rs.getLong(1);
              for (var e : SeriesCodec.decodeHour(hour, rs.getBytes(2)).entrySet()) {
                String name = names.get(e.getKey());
                if (name != null && (metric == null || metric.equals(name))) {
                  read += add(out, keys, e.getValue(), name, from, to);
                }
              }
            }
          }
        }
        try (PreparedStatement ps = c.prepareStatement(perMetric)) {
          int i = 1;
          ps.setInt(i++, collectorId);
          ps.setTimestamp(i++, Timestamp.from(from.minusSeconds(3600)));
          ps.setTimestamp(i++, Timestamp.from(to));
          if (metric != null) {
            ps.setString(i, metric);
          }
          ps.setFetchSize(1_000);
          try (ResultSet rs = ps.executeQuery()) {
            long lastHour = Long.MIN_VALUE;
            int read = 0;
            while (rs.next()) {
              long hour = rs.getLong(1);
              if (hour != lastHour && read >= limit) {
                break;
              }
              lastHour = hour;
              read += add(out, keys, SeriesCodec.decode(rs.getBytes(3)), rs.getString(2), from, to);
            }
          }
        }
      } finally {
        c.commit();
        c.setAutoCommit(true);
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

  /**
   * Adds a compacted series' samples in [from, to) not read before (a sample once, with the value
   * first read); returns how many.
   */
  private static int add(
      List<Sample> out,
      Set<Sample> keys,
      SeriesCodec.Series s,
      String name,
      Instant from,
      Instant to) {
    int added = 0;
    for (int k = 0; k < s.size(); k++) {
      long ts = s.ts()[k];
      Instant at = Instant.ofEpochSecond(ts);
      if (!at.isBefore(from) && at.isBefore(to)) {
        if (keys.add(new Sample(ts, name, 0))) {
          out.add(new Sample(ts, name, s.values()[k]));
          added++;
        }
      }
    }
    return added;
  }
}
