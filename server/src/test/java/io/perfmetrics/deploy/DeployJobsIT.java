package io.perfmetrics.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.perfmetrics.discovery.NetOpsLog;
import io.perfmetrics.store.StorageUnavailableException;
import io.perfmetrics.targets.TargetStore;
import io.perfmetrics.testing.MigratedDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A host's result and its operations-log entry against real PostgreSQL: one statement, so an
 * appliance that dies between them cannot leave an entry for a host another appliance then does
 * again (TwoAppliancesIT counts one connection per host).
 */
class DeployJobsIT {
  static MigratedDatabase database;

  @BeforeAll
  static void start() throws Exception {
    database = new MigratedDatabase();
    try (Connection c = database.dataSource().getConnection();
        Statement s = c.createStatement()) {
      // the log write fails for this one address, as it would if the database went away mid-way
      s.execute(
          "CREATE FUNCTION refuse_netops() RETURNS trigger LANGUAGE plpgsql AS $$"
              + " BEGIN RAISE EXCEPTION 'log write refused'; END $$");
      s.execute(
          "CREATE TRIGGER refuse_netops BEFORE INSERT ON netops FOR EACH ROW"
              + " WHEN (NEW.destination = '127.0.0.66') EXECUTE FUNCTION refuse_netops()");
    }
  }

  @AfterAll
  static void stop() {
    if (database != null) {
      database.close();
    }
  }

  @Test
  void aHostsResultAndItsOperationsLogEntryAreWrittenTogetherOrNotAtAll() throws Exception {
    TargetStore targets = new TargetStore(database.dataSource(), Clock.systemUTC());
    long refused = targets.create("127.0.0.66", 22, "unix", null).id();
    long logged = targets.create("127.0.0.67", 22, "unix", null).id();
    DeployJobs jobs = new DeployJobs(database.dataSource());
    long job = jobs.create("deploy", false, List.of(refused, logged));
    // the target comes with its claim
    assertThat(jobs.claim(job))
        .hasValueSatisfying(
            claimed -> {
              assertThat(claimed.targetId()).isEqualTo(refused);
              assertThat(claimed.target()).isNotNull();
              assertThat(claimed.target().address()).isEqualTo("127.0.0.66");
              assertThat(claimed.target().port()).isEqualTo(22);
            });
    assertThat(jobs.claim(job).map(DeployJobs.Claimed::targetId)).contains(logged);

    assertThatThrownBy(
            () ->
                jobs.finish(
                    job,
                    refused,
                    "started",
                    null,
                    null,
                    operation("127.0.0.66", "started"),
                    "running"))
        .isInstanceOf(StorageUnavailableException.class)
        .hasMessageContaining("log write refused");
    jobs.finish(job, logged, "started", null, null, operation("127.0.0.67", "started"), "running");

    try (Connection c = database.dataSource().getConnection();
        Statement s = c.createStatement()) {
      assertThat(stateOf(s, job, refused))
          .as("the result whose log entry failed was not kept: the host is still in progress")
          .isEqualTo("running");
      assertThat(stateOf(s, job, logged)).isEqualTo("done");
      assertThat(statusOf(s, refused)).as("nor its status").isNull();
      assertThat(statusOf(s, logged)).isEqualTo("running");
      try (ResultSet rs =
          s.executeQuery(
              "SELECT destination, result, source FROM netops WHERE destination LIKE '127.0.0.6%'")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).isEqualTo("127.0.0.67");
        assertThat(rs.getString(2)).isEqualTo("started");
        assertThat(rs.getString(3)).isEqualTo("deploy");
        assertThat(rs.next()).as("one entry, the kept result's").isFalse();
      }
    }
  }

  @Test
  void aHostsStatusIsWrittenWithItsResultAndNotForATargetRemovedMeanwhile() throws Exception {
    TargetStore targets = new TargetStore(database.dataSource(), Clock.systemUTC());
    long kept = targets.create("127.0.0.68", 22, "unix", null).id();
    long removed = targets.create("127.0.0.69", 22, "unix", null).id();
    long unreached = targets.create("127.0.0.70", 22, "unix", null).id();
    DeployJobs jobs = new DeployJobs(database.dataSource());
    long job = jobs.create("deploy", false, List.of(kept, removed, unreached));
    assertThat(jobs.claim(job).map(DeployJobs.Claimed::targetId)).contains(kept);
    assertThat(jobs.claim(job).map(DeployJobs.Claimed::targetId)).contains(removed);
    assertThat(jobs.claim(job).map(DeployJobs.Claimed::targetId)).contains(unreached);
    assertThat(targets.delete(removed).removed()).isTrue();

    jobs.finish(job, kept, "failed", "127.0.0.68:22: refused", null, null, "failed");
    jobs.finish(job, removed, "started", null, null, operation("127.0.0.69", "started"), "running");
    // a status job that could not connect keeps what the target had
    jobs.finish(job, unreached, "failed", "unreachable", null, null, null);

    try (Connection c = database.dataSource().getConnection();
        Statement s = c.createStatement()) {
      assertThat(stateOf(s, job, kept)).isEqualTo("done");
      assertThat(statusOf(s, kept)).isEqualTo("failed");
      try (ResultSet rs =
          s.executeQuery("SELECT detail FROM target_status WHERE target_id = " + kept)) {
        rs.next();
        assertThat(rs.getString(1)).isEqualTo("127.0.0.68:22: refused");
      }
      assertThat(statusOf(s, removed)).isNull();
      assertThat(statusOf(s, unreached)).isNull();
      try (ResultSet rs =
          s.executeQuery("SELECT count(*) FROM netops WHERE destination = '127.0.0.69'")) {
        rs.next();
        assertThat(rs.getInt(1)).as("the connection it made is on the record").isEqualTo(1);
      }
    }
  }

  static NetOpsLog.Operation operation(String address, String result) {
    return new NetOpsLog.Operation(
        Instant.now().truncatedTo(ChronoUnit.SECONDS),
        "deploy",
        null,
        address,
        22,
        "ssh",
        "deploy collector",
        result,
        null);
  }

  static String statusOf(Statement s, long target) throws Exception {
    try (ResultSet rs =
        s.executeQuery("SELECT state FROM target_status WHERE target_id = " + target)) {
      return rs.next() ? rs.getString(1) : null;
    }
  }

  static String stateOf(Statement s, long job, long target) throws Exception {
    try (ResultSet rs =
        s.executeQuery(
            "SELECT state FROM deploy_results WHERE job_id = "
                + job
                + " AND target_id = "
                + target)) {
      rs.next();
      return rs.getString(1);
    }
  }
}
