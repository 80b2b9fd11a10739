package io.perfmetrics.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.perfmetrics.testing.MigratedDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A scan's count of network operations against real PostgreSQL: kept per address as each finishes,
 * the running ones counted live, and always what the operations log holds for the scan, also when
 * an appliance stopped mid-way and another carried on, or the scan was cancelled.
 */
class ScanOperationsIT {

  @Test
  void anAddressGivenUpByAStoppedApplianceCountsBothAppliancesEntries() {
    try (MigratedDatabase database = new MigratedDatabase()) {
      Scans scans = new Scans(database);
      long id = scans.create("127.3.0.1", "127.3.0.2", "127.3.0.3");
      Map<String, ScanStore.Job> a = scans.claim(3, "appliance-a");
      scans.sent(id, "127.3.0.1", 3);
      scans.sent(id, "127.3.0.2", 2);
      scans.store.finish(a.get("127.3.0.1"), new HostOutcome.Silent("127.3.0.1", null));
      assertThat(scans.operations(id)).as("one finished, one running").isEqualTo(5);

      // appliance a stops: its two running addresses go back, b takes them
      assertThat(scans.store.releaseAbandoned(Duration.ZERO)).isEqualTo(2);
      Map<String, ScanStore.Job> b = scans.claim(2, "appliance-b");
      scans.sent(id, "127.3.0.2", 1);
      scans.store.finish(b.get("127.3.0.2"), new HostOutcome.Silent("127.3.0.2", null));
      assertThat(scans.operations(id)).isEqualTo(6);
      scans.sent(id, "127.3.0.3", 2);
      assertThat(scans.operations(id)).as("the running address counted live").isEqualTo(8);
      scans.store.finish(b.get("127.3.0.3"), new HostOutcome.Alive("127.3.0.3", null));

      assertThat(scans.store.find(id).orElseThrow().status()).isEqualTo("done");
      assertThat(scans.kept(id))
          .containsExactlyInAnyOrderEntriesOf(
              Map.of("127.3.0.1", 3, "127.3.0.2", 3, "127.3.0.3", 2));
      assertThat(scans.operations(id)).isEqualTo(8).isEqualTo(scans.logged(id));
    }
  }

  @Test
  void aCancelCountsWhatAnAddressGivenBackHadSentAndNothingForOneNeverClaimed() {
    try (MigratedDatabase database = new MigratedDatabase()) {
      Scans scans = new Scans(database);
      long id = scans.create("127.3.1.1", "127.3.1.2", "127.3.1.3", "127.3.1.4");
      Map<String, ScanStore.Job> a = scans.claim(3, "appliance-a");
      scans.sent(id, "127.3.1.1", 2);
      scans.sent(id, "127.3.1.3", 1);
      assertThat(scans.store.releaseAbandoned(Duration.ZERO)).isEqualTo(3);
      Map<String, ScanStore.Job> b = scans.claim(1, "appliance-b");
      assertThat(b).containsOnlyKeys("127.3.1.1");
      scans.sent(id, "127.3.1.1", 1);

      assertThat(scans.store.cancel(id)).isTrue();
      // the one still being probed finishes after the cancel
      scans.store.finish(b.get("127.3.1.1"), new HostOutcome.Cancelled("127.3.1.1"));
      assertThat(a).hasSize(3);

      assertThat(scans.kept(id))
          .containsExactlyInAnyOrderEntriesOf(
              Map.of("127.3.1.1", 3, "127.3.1.2", 0, "127.3.1.3", 1, "127.3.1.4", 0));
      assertThat(scans.operations(id)).isEqualTo(4).isEqualTo(scans.logged(id));
    }
  }

  @Test
  void aScanFinishedBeforeTheCountsWereKeptIsCountedFromTheLog() throws Exception {
    try (MigratedDatabase database = new MigratedDatabase()) {
      Scans scans = new Scans(database);
      long id = scans.create("127.3.2.1", "127.3.2.2");
      Map<String, ScanStore.Job> a = scans.claim(2, "appliance-a");
      scans.sent(id, "127.3.2.1", 2);
      scans.sent(id, "127.3.2.2", 3);
      a.forEach((address, job) -> scans.store.finish(job, new HostOutcome.Silent(address, null)));
      try (Connection c = database.dataSource().getConnection();
          Statement s = c.createStatement()) {
        // as migration V20 leaves the addresses of an older scan
        s.executeUpdate("UPDATE scan_hosts SET operations = NULL WHERE scan_id = " + id);
      }
      assertThat(scans.operations(id)).isEqualTo(5).isEqualTo(scans.logged(id));
    }
  }

  /** A scan store and operations log on one database, and what the tests read of them. */
  private static final class Scans {
    final MigratedDatabase database;
    final ScanStore store;
    final NetOpsLog log;

    Scans(MigratedDatabase database) {
      this.database = database;
      this.store = new ScanStore(database.dataSource(), new ObjectMapper(), Clock.systemUTC());
      this.log = new NetOpsLog(database.dataSource());
    }

    long create(String... addresses) {
      List<ScanTargets.Address> list =
          java.util.Arrays.stream(addresses).map(a -> new ScanTargets.Address(a, null)).toList();
      return store.create(
          Map.of("targets", List.of(addresses)), list, List.of(), 0, 0, Duration.ZERO);
    }

    Map<String, ScanStore.Job> claim(int n, String appliance) {
      Map<String, ScanStore.Job> jobs = new java.util.HashMap<>();
      store.claim(n, appliance).forEach(j -> jobs.put(j.address(), j));
      return jobs;
    }

    void sent(long scan, String address, int n) {
      for (int i = 0; i < n; i++) {
        log.record(
            new NetOpsLog.Operation(
                Instant.now(),
                HostProber.SOURCE,
                scan,
                address,
                22,
                "tcp",
                "port probe (connect, read banner, close)",
                "refused",
                null));
      }
    }

    long operations(long scan) {
      return store.find(scan).orElseThrow().operations();
    }

    Map<String, Integer> kept(long scan) {
      return query(
          "SELECT address, operations FROM scan_hosts WHERE scan_id = " + scan,
          rs -> {
            Map<String, Integer> out = new java.util.HashMap<>();
            while (rs.next()) {
              out.put(rs.getString(1), (Integer) rs.getObject(2));
            }
            return out;
          });
    }

    long logged(long scan) {
      return query(
          "SELECT count(*) FROM netops WHERE scan_id = " + scan,
          rs -> {
            rs.next();
            return rs.getLong(1);
          });
    }

    interface Reader<T> {
      T read(ResultSet rs) throws Exception;
    }

    <T> T query(String sql, Reader<T> reader) {
      try (Connection c = database.dataSource().getConnection();
          Statement s = c.createStatement();
          ResultSet rs = s.executeQuery(sql)) {
        return reader.read(rs);
      } catch (Exception e) {
        throw new IllegalStateException(sql, e);
      }
    }
  }
}
