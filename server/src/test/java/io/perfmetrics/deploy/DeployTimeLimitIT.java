package io.perfmetrics.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.perfmetrics.config.Config;
import io.perfmetrics.testing.TestAppliance;
import io.perfmetrics.testing.TestPostgres;
import io.perfmetrics.testing.TestSshd;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The per-host time limit bounds a host's time whatever it hangs on, against a real sshd that logs
 * the user in and then never answers a command (its ForceCommand reads stdin and prints nothing):
 * the host fails at its limit naming the step, its connection is closed, the job goes on, and a
 * database that is out of reach for a few seconds when the result is written does not leave the
 * host "running" for nobody.
 */
class DeployTimeLimitIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration LIMIT = Duration.ofSeconds(3);
  static TestPostgres postgres;
  static TestSshd silent;
  TestAppliance appliance;
  String jdbcUrl;

  @BeforeAll
  static void servers() {
    postgres = new TestPostgres();
    // ends when the connection closes (EOF on stdin): nothing outlives the test's connections; the
    // "-" tells it from the cat of a deploy elsewhere on the machine
    silent = TestSshd.forcing("cat - >/dev/null");
  }

  @AfterAll
  static void stopServers() {
    if (silent != null) {
      silent.close();
    }
    if (postgres != null) {
      postgres.close();
    }
  }

  @AfterEach
  void stopAppliance() {
    if (appliance != null) {
      appliance.close();
    }
  }

  void appliance(int parallelHosts) {
    int closed = TestPostgres.freePort();
    var collectors =
        new Config.Collectors(
            Duration.ofSeconds(1),
            Duration.ofSeconds(2),
            Duration.ofDays(1),
            1 << 20,
            "http://127.0.0.1:" + closed,
            "/var/tmp/perfmetrics-time-limit-it/tools",
            LIMIT,
            parallelHosts);
    jdbcUrl = postgres.newDatabase();
    appliance = new TestAppliance(jdbcUrl, c -> c.withCollectors(collectors));
  }

  JsonNode call(String method, String path, String body, int expected) throws Exception {
    HttpResponse<String> r = appliance.admin(method, path, body);
    assertThat(r.statusCode()).as(method + " " + path + ": " + r.body()).isEqualTo(expected);
    return r.body().isEmpty() ? null : JSON.readTree(r.body());
  }

  long target(String address, long credentialId) throws Exception {
    return call(
            "POST",
            "/api/v1/targets",
            "{\"address\":\""
                + address
                + "\",\"port\":"
                + silent.port()
                + ",\"os_family\":\"unix\",\"credential_id\":"
                + credentialId
                + "}",
            201)
        .get("id")
        .asLong();
  }

  long credential() throws Exception {
    return call(
            "POST",
            "/api/v1/credentials",
            "{\"name\":\"pw\",\"kind\":\"ssh_password\",\"username\":\""
                + TestSshd.USER
                + "\",\"password\":\""
                + silent.password()
                + "\"}",
            201)
        .get("id")
        .asLong();
  }

  /** The job's state from the database itself: the API may be answering 503 meanwhile. */
  String jobState(long job) throws SQLException {
    try (Connection c = DriverManager.getConnection(jdbcUrl);
        PreparedStatement ps = c.prepareStatement("SELECT state FROM deploy_jobs WHERE id = ?")) {
      ps.setLong(1, job);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getString(1);
      }
    }
  }

  String hostState(long job, long target) throws SQLException {
    try (Connection c = DriverManager.getConnection(jdbcUrl);
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT state FROM deploy_results WHERE job_id = ? AND target_id = ?")) {
      ps.setLong(1, job);
      ps.setLong(2, target);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getString(1);
      }
    }
  }

  JsonNode awaitDone(long job, Duration within) throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    while (System.nanoTime() < deadline) {
      if (!"running".equals(jobState(job))) {
        return call("GET", "/api/v1/deployments/" + job, null, 200);
      }
      Thread.sleep(100);
    }
    throw new AssertionError(
        "job "
            + job
            + " still running after "
            + within.toSeconds()
            + " s: "
            + appliance.admin("GET", "/api/v1/deployments/" + job, null).body());
  }

  static JsonNode host(JsonNode job, long targetId) {
    for (JsonNode h : job.get("hosts")) {
      if (h.get("target_id").asLong() == targetId) {
        return h;
      }
    }
    throw new AssertionError("no result for target " + targetId + " in " + job);
  }

  /** TCP connections to the sshd's port that are established (/proc/net/tcp, state 01). */
  static long connectionsTo(int port) throws Exception {
    String hexPort = String.format(":%04X", port);
    return Files.readAllLines(Path.of("/proc/net/tcp")).stream()
        .skip(1)
        .map(l -> l.trim().split("\\s+"))
        .filter(f -> f.length > 3 && f[2].endsWith(hexPort) && f[3].equals("01"))
        .count();
  }

  /** The silent host's forced command, run for the deploy's exec as the login user. */
  static boolean forcedCommandRuns() {
    return ProcessHandle.allProcesses()
        .anyMatch(
            p ->
                p.info().user().orElse("").equals(TestSshd.USER)
                    && p.info().command().orElse("").endsWith("/cat")
                    && java.util.Arrays.equals(
                        p.info().arguments().orElse(new String[0]), new String[] {"-"}));
  }

  @Test
  void aHostWhoseCommandsNeverAnswerFailsAtItsLimitNamingTheStepAndTheWorkerGoesOn()
      throws Exception {
    // one host at a time: the second host is only taken once the worker is done with the first
    appliance(1);
    long cred = credential();
    long first = target("127.0.0.1", cred);
    long second = target("127.0.0.2", cred);

    long id = call("POST", "/api/v1/deployments", "{}", 202).get("id").asLong();
    JsonNode job = awaitDone(id, Duration.ofSeconds(40));

    assertThat(job.get("state").asText()).isEqualTo("done");
    assertThat(job.get("failed").asInt()).isEqualTo(2);
    Instant firstFinished = null;
    for (long t : List.of(first, second)) {
      JsonNode h = host(job, t);
      String address = t == first ? "127.0.0.1" : "127.0.0.2";
      assertThat(h.get("outcome").asText()).isEqualTo("failed");
      assertThat(h.get("detail").asText())
          .as("names the host and the step it was at")
          .isEqualTo(
              address
                  + ":"
                  + silent.port()
                  + ": timed out after 3 s during waiting for the collector's status;"
                  + " its connection was closed");
      Duration took =
          Duration.between(
              Instant.parse(h.get("started_at").asText()),
              Instant.parse(h.get("finished_at").asText()));
      // the limit, plus the time to write the result on a busy machine: not minutes
      assertThat(took).as(h.toString()).isBetween(LIMIT, LIMIT.plusSeconds(10));
      if (t == first) {
        firstFinished = Instant.parse(h.get("finished_at").asText());
      } else {
        assertThat(Instant.parse(h.get("started_at").asText()))
            .as("the worker went on to the next host")
            .isAfterOrEqualTo(firstFinished);
      }
    }
    // each host's connection was closed (sshd's side goes with it, and the forced command ends)
    long open = connectionsTo(silent.port());
    for (int i = 0; i < 50 && open > 0; i++) {
      Thread.sleep(100);
      open = connectionsTo(silent.port());
    }
    assertThat(open).as("SSH connections to the silent host left open").isZero();
    // one operation per host in the operations log, with the timeout
    try (Connection c = DriverManager.getConnection(jdbcUrl);
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT destination, result, detail FROM netops WHERE source = 'deploy' ORDER BY destination")) {
      List<String> ops = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          ops.add(rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3));
        }
      }
      assertThat(ops).hasSize(2);
      assertThat(ops).allSatisfy(o -> assertThat(o).contains("failed", "timed out after 3 s"));
    }
  }

  @Test
  void aDatabaseOutOfReachWhenTheResultIsWrittenDoesNotLeaveTheHostRunning() throws Exception {
    appliance(1);
    long target = target("127.0.0.1", credential());
    long id = call("POST", "/api/v1/deployments", "{}", 202).get("id").asLong();
    // the host logged in and its command hangs: the attempt needs the database no more
    for (int i = 0; i < 200 && !forcedCommandRuns(); i++) {
      Thread.sleep(50);
    }
    assertThat(forcedCommandRuns()).as("the silent host's forced command runs").isTrue();
    assertThat(hostState(id, target)).isEqualTo("running");
    // every connection of the appliance's pool held, past the moment the host's limit passes and
    // its result is written: the pool answers each wait with an error after 2 s
    List<Connection> held = new ArrayList<>();
    long releaseAt = System.nanoTime() + LIMIT.plusSeconds(5).toNanos();
    try {
      while (true) {
        try {
          held.add(appliance.database.dataSource().getConnection());
        } catch (SQLException exhausted) {
          break;
        }
      }
      assertThat(held).isNotEmpty();
      while (System.nanoTime() < releaseAt) {
        Thread.sleep(100);
      }
    } finally {
      for (Connection c : held) {
        c.close();
      }
    }
    // the host is done soon after the database answers again, not when a resume gives it back
    // (twice the limit and a minute) to be tried a second time
    JsonNode job = awaitDone(id, Duration.ofSeconds(20));
    JsonNode h = host(job, target);
    assertThat(h.get("state").asText()).isEqualTo("done");
    assertThat(h.get("outcome").asText()).isEqualTo("failed");
    assertThat(h.get("detail").asText()).contains("timed out after 3 s during");
    // and its operations-log entry, written while the pool was dry, is not lost
    try (Connection c = DriverManager.getConnection(jdbcUrl);
        PreparedStatement ps =
            c.prepareStatement("SELECT result, detail FROM netops WHERE source = 'deploy'")) {
      List<String> ops = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          ops.add(rs.getString(1) + " " + rs.getString(2));
        }
      }
      assertThat(ops).hasSize(1);
      assertThat(ops.get(0)).contains("failed", "timed out after 3 s");
    }
  }
}
