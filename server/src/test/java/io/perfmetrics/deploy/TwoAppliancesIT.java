package io.perfmetrics.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.perfmetrics.config.Config;
import io.perfmetrics.config.DiscoverySettings;
import io.perfmetrics.testing.TempDirs;
import io.perfmetrics.testing.TestAppliance;
import io.perfmetrics.testing.TestPostgres;
import io.perfmetrics.testing.TestSshd;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 14: two appliances on one PostgreSQL share a deploy and a scan; one is killed (SIGKILL, a
 * real process) mid-way, and the other finishes both, every host and address done once.
 */
class TwoAppliancesIT {
  static final boolean TLS = true;

  static final String SCHEME = TLS ? "https" : "http";

  static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Enough that A, one host at a time, is still deploying when its paced scan has finished 4
   * addresses (1.6 s at the 400 ms interval): 6 hosts took under that once a deploy cost a host
   * about a tenth of a second (in two runs A had done 2 and 3 of these 14 when its scan had). At
   * most 15: one sshd listens on 16 sockets at most.
   */
  static final int HOSTS = 14;

  static final int ADDRESSES = 40;

  @Test
  void whenOneOfTwoAppliancesIsKilledTheOtherFinishesItsDeployAndScanDoingEachHostOnce()
      throws Exception {
    Path dataA = Files.createTempDirectory("perfmetrics-data-a-");
    Process a = null;
    List<String> deployAddresses = new ArrayList<>();
    for (int i = 0; i < HOSTS; i++) {
      deployAddresses.add("127.0.0." + (31 + i));
    }
    try (TestPostgres pg = new TestPostgres();
        TestSshd sshd = TestSshd.isolated(deployAddresses, "1777", false)) {
      String jdbcUrl = pg.jdbcUrl();
      Duration spacing = Duration.ofMillis(300);
      Duration global = Duration.ofMillis(400);
      try (TestAppliance b =
          new TestAppliance(
              jdbcUrl,
              c ->
                  c.withTls(TLS ? Config.Tls.defaults() : Config.Tls.off())
                      .withCollectors(
                          new Config.Collectors(
                              Duration.ofSeconds(60),
                              Duration.ofMinutes(5),
                              Duration.ofDays(1),
                              1 << 20,
                              "http://127.0.0.1:" + TestPostgres.freePort(),
                              "/var/tmp/perfmetrics/tools",
                              Duration.ofSeconds(10),
                              1))
                      .withDiscovery(
                          c.discovery()
                              .withPorts(List.of(sshd.port()), List.of())
                              .withPacing(spacing, global)
                              .withConcurrency(2)
                              .withNmap("off")
                              .withPing("off")
                              .withReverseDns(false)))) {
        // A reads the secrets B stores: the same master key
        Files.copy(b.dataDir().resolve("master.key"), dataA.resolve("master.key"));
        int portA = TestPostgres.freePort();
        ProcessBuilder pb =
            new ProcessBuilder(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-jar",
                    Path.of("target", "perfmetrics.jar").toAbsolutePath().toString(),
                    "serve")
                .redirectErrorStream(true)
                .redirectOutput(dataA.resolve("out.log").toFile());
        Map<String, String> env = pb.environment();
        env.put(Config.PORT, String.valueOf(portA));
        env.put(Config.DATA_DIR, dataA.toString());
        env.put(Config.DB_URL, jdbcUrl);
        env.put(Config.ADMIN_TOKEN, TestAppliance.ADMIN_TOKEN);
        env.put(Config.ADMIN_PASSWORD, TestAppliance.ADMIN_PASSWORD);
        env.put(Config.TLS, TLS ? "on" : "off");
        env.put(Config.PUBLIC_URL, SCHEME + "://127.0.0.1:" + portA);
        env.put(Config.DEPLOY_CONCURRENCY, "1");
        env.put(DiscoverySettings.PORTS, String.valueOf(sshd.port()));
        env.put(DiscoverySettings.HOST_SPACING, spacing.toMillis() + "ms");
        env.put(DiscoverySettings.GLOBAL_INTERVAL, global.toMillis() + "ms");
        env.put(DiscoverySettings.CONCURRENCY, "2");
        env.put(DiscoverySettings.NMAP, "off");
        env.put(DiscoverySettings.PING, "off");
        env.put(DiscoverySettings.REVERSE_DNS, "false");
        a = pb.start();
        awaitUp(portA, dataA);

        long cred =
            body(
                    b.admin(
                        "POST",
                        "/api/v1/credentials",
                        JSON.writeValueAsString(
                            Map.of(
                                "name",
                                "pw",
                                "kind",
                                "ssh_password",
                                "username",
                                TestSshd.USER,
                                "password",
                                sshd.password()))),
                    201)
                .get("id")
                .asLong();
        List<Long> targets = new ArrayList<>();
        for (String addr : deployAddresses) {
          targets.add(
              body(
                      b.admin(
                          "POST",
                          "/api/v1/targets",
                          JSON.writeValueAsString(
                              Map.of(
                                  "address",
                                  addr,
                                  "port",
                                  sshd.port(),
                                  "os_family",
                                  "unix",
                                  "credential_id",
                                  cred))),
                      201)
                  .get("id")
                  .asLong());
        }

        // both jobs start on A; B's scan dispatcher joins at once, its deploy resume within 30 s
        long job =
            body(admin(portA, dataA, "POST", "/api/v1/deployments", "{\"action\":\"deploy\"}"), 202)
                .get("id")
                .asLong();
        long scan =
            body(
                    admin(
                        portA,
                        dataA,
                        "POST",
                        "/api/v1/scans",
                        "{\"targets\": [\"127.0.1.0/27\", \"127.0.1.32/29\"]}"),
                    201)
                .get("id")
                .asLong();

        // kill A once it has done part of both
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        JsonNode jobAtKill;
        JsonNode scanAtKill;
        while (true) {
          jobAtKill = body(b.admin("GET", "/api/v1/deployments/" + job, null), 200);
          scanAtKill = body(b.admin("GET", "/api/v1/scans/" + scan, null), 200);
          if (jobAtKill.get("done").asInt() >= 1 && countFinished(b, scan) >= 4) {
            break;
          }
          assertThat(System.nanoTime())
              .as("A made no progress: " + jobAtKill + " " + scanAtKill)
              .isLessThan(deadline);
          Thread.sleep(50);
        }
        a.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        assertThat(jobAtKill.get("state").asText())
            .as("the deploy was still under way when A was killed: " + jobAtKill)
            .isEqualTo("running");
        assertThat(scanAtKill.get("status").asText())
            .as("the scan was still under way when A was killed")
            .isEqualTo("running");

        // B carries on: hosts and addresses A held go back to pending after the limit
        JsonNode finalJob = null;
        JsonNode finalScan = null;
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
        while (System.nanoTime() < deadline) {
          finalJob = body(b.admin("GET", "/api/v1/deployments/" + job, null), 200);
          finalScan = body(b.admin("GET", "/api/v1/scans/" + scan, null), 200);
          if (!finalJob.get("state").asText().equals("running")
              && !finalScan.get("status").asText().equals("running")) {
            break;
          }
          Thread.sleep(500);
        }
        assertThat(finalJob.get("state").asText()).as(finalJob.toString()).isEqualTo("done");
        assertThat(finalScan.get("status").asText()).as(finalScan.toString()).isEqualTo("done");

        // every host once: one result each, one deploy connection each in the operations log (a
        // result and its entry are one statement, DeployJobsIT: A killed between the two writes
        // left an entry for a host B then did again, a failure seen once in CI)
        assertThat(finalJob.get("hosts"))
            .hasSize(HOSTS)
            .allSatisfy(
                h -> {
                  assertThat(h.get("state").asText()).isEqualTo("done");
                  assertThat(h.get("outcome").asText())
                      .as(h.toString())
                      .isIn("started", "already_running");
                });
        try (Connection c = DriverManager.getConnection(jdbcUrl)) {
          for (String addr : deployAddresses) {
            assertThat(
                    count(
                        c,
                        "SELECT count(*) FROM netops WHERE source = 'deploy' AND destination = ?",
                        addr))
                .as("deploy connections to " + addr)
                .isEqualTo(1);
          }
          // every address once: a final state each, the scan's count complete, nothing left claimed
          long total = finalScan.get("total").asLong();
          assertThat(total).isGreaterThanOrEqualTo(ADDRESSES - 4);
          assertThat(count(c, "SELECT count(*) FROM scan_hosts WHERE scan_id = " + scan, null))
              .isEqualTo(total);
          assertThat(
                  count(
                      c,
                      "SELECT count(DISTINCT address) FROM scan_hosts WHERE scan_id = "
                          + scan
                          + " AND state NOT IN ('pending', 'running') AND finished_at IS NOT NULL",
                      null))
              .isEqualTo(total);
          assertThat(
                  count(
                      c,
                      "SELECT count(DISTINCT claimed_by) FROM scan_hosts WHERE scan_id = " + scan,
                      null))
              .as("both appliances took part in the scan")
              .isEqualTo(2);
        }
      }
    } finally {
      if (a != null && a.isAlive()) {
        a.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      TestSshd.runAsUser("pkill -f '[c]ollector[.]sh'; true");
      TempDirs.delete(dataA);
    }
  }

  static int countFinished(TestAppliance b, long scan) throws Exception {
    int n = 0;
    for (JsonNode h :
        body(b.admin("GET", "/api/v1/scans/" + scan + "/hosts?limit=1000", null), 200)
            .get("hosts")) {
      if (!List.of("pending", "running").contains(h.get("state").asText())) {
        n++;
      }
    }
    return n;
  }

  static long count(Connection c, String sql, String param) throws Exception {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      if (param != null) {
        ps.setString(1, param);
      }
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  static void awaitUp(int port, Path dir) throws Exception {
    Path ca = dir.resolve("tls/ca.pem");
    for (int i = 0; i < 600; i++) {
      try {
        // A's own CA appears in its data directory at start; trust that one only
        if ((!TLS || Files.exists(ca))
            && client(dir)
                    .send(
                        HttpRequest.newBuilder(
                                URI.create(SCHEME + "://127.0.0.1:" + port + "/readyz"))
                            .build(),
                        HttpResponse.BodyHandlers.ofString())
                    .statusCode()
                == 200) {
          return;
        }
      } catch (java.io.IOException e) {
        // not up yet
      }
      Thread.sleep(100);
    }
    throw new AssertionError(
        "appliance A did not start: " + Files.readString(dir.resolve("out.log")));
  }

  static HttpClient client(Path dataDir) throws java.io.IOException {
    return TestAppliance.client(TLS ? Files.readString(dataDir.resolve("tls/ca.pem")) : "");
  }

  static HttpResponse<String> admin(int port, Path dataDir, String method, String path, String body)
      throws Exception {
    return client(dataDir)
        .send(
            HttpRequest.newBuilder(URI.create(SCHEME + "://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + TestAppliance.ADMIN_TOKEN)
                .header("Content-Type", "application/json")
                .method(
                    method,
                    body == null
                        ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  static JsonNode body(HttpResponse<String> r, int expected) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(expected);
    return JSON.readTree(r.body());
  }
}
