package io.perfmetrics.dependencies;

import static org.assertj.core.api.Assertions.assertThat;

import io.perfmetrics.testing.MigratedDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.DayOfWeek;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The hours of connection keys the rollup has not given an id yet (new this hour), on every day of
 * a UTC week, whatever day the test runs on. Their 168-bit hour-of-week masks were once cut to
 * their leftmost 32 bits, which kept only Saturday 16:00 to Sunday's end: SocketsIT, which uses the
 * current hour, caught that on weekdays only.
 */
class DependencyHoursIT {
  @Test
  void aKeyNotRolledUpCountsItsHoursOnEveryDayOfTheWeek() throws Exception {
    try (MigratedDatabase database = new MigratedDatabase()) {
      // Monday 2026-11-16 to Sunday 2026-11-22 (UTC); each day a key of its own (remote port 1000 +
      // day), seen twice at 10:05 and 10:35 (one hour) and once at 23:50 (a second), the week's
      // first and last hours included
      Instant monday = Instant.parse("2026-11-16T00:00:00Z");
      int collector = 4242;
      try (Connection c = database.dataSource().getConnection();
          PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO socket_rows (collector_id, ts, kind, direction, proto, local_addr,"
                      + " local_port, remote_addr, remote_port, username, process, service,"
                      + " connections) VALUES (?, ?, 'c', 'out', 'tcp', '192.0.2.5', 0,"
                      + " '198.51.100.7', ?, 'app', 'java', '', 1)")) {
        for (int day = 0; day < 7; day++) {
          Instant midnight = monday.plusSeconds(day * 86_400L);
          for (long at : new long[] {10 * 3600 + 300, 10 * 3600 + 2100, 23 * 3600 + 3000}) {
            ps.setInt(1, collector);
            ps.setTimestamp(2, Timestamp.from(midnight.plusSeconds(at)));
            ps.setInt(3, 1000 + day);
            ps.addBatch();
          }
        }
        // and the week's very first hour, Monday 00:00-01:00, on a key of its own
        ps.setInt(1, collector);
        ps.setTimestamp(2, Timestamp.from(monday.plusSeconds(60)));
        ps.setInt(3, 999);
        ps.addBatch();
        ps.executeBatch();
      }

      DependencyStore.Snapshot read = new DependencyStore(database.dataSource()).read(monday);

      Map<Integer, Integer> hoursByPort = new HashMap<>();
      for (Observation o : read.rows()) {
        assertThat(o.hostId()).isEqualTo(collector);
        hoursByPort.put(o.remotePort(), o.hours());
      }
      Map<Integer, Integer> expected = new HashMap<>();
      for (DayOfWeek d : DayOfWeek.values()) {
        expected.put(1000 + d.getValue() - 1, 2);
      }
      expected.put(999, 1);
      assertThat(hoursByPort).isEqualTo(expected);
    }
  }
}
