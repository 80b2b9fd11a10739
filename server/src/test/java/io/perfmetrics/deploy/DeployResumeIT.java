package io.perfmetrics.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.perfmetrics.testing.TestAppliance;
import io.perfmetrics.testing.TestPostgres;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An appliance that stopped mid-job leaves hosts pending, and one "running" that nobody works on;
 * the next appliance on the same database carries the job to its end. A host another worker started
 * moments ago is left alone.
 */
class DeployResumeIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static TestPostgres postgres;
  static String jdbcUrl;

  @BeforeAll
  static void start() {
    postgres = new TestPostgres();
    jdbcUrl = postgres.newDatabase();
  }

  @AfterAll
  static void stop() {
    if (postgres != null) {
      postgres.close();
    }
  }

  @Test
  void theNextApplianceCarriesOnWithAJobAStoppedOneLeft() throws Exception {
    long[] ids = new long[3];
    // nothing listens on this port: a status check fails at once, which is all the job needs
    int closed = TestPostgres.freePort();
    try (TestAppliance first = new TestAppliance(jdbcUrl)) {
      for (int i = 0; i < ids.length; i++) {
        HttpResponse<String> r =
            first.admin(
                "POST",
                "/api/v1/targets",
                "{\"address\":\"127.0.0."
                    + (20 + i)
                    + "\",\"port\":"
                    + closed
                    + ",\"os_family\":\"unix\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        ids[i] = JSON.readTree(r.body()).get("id").asLong();
      }
    }
    long left;
    long fresh;
    try (Connection c = DriverManager.getConnection(jdbcUrl)) {
      // what a stopped appliance leaves: one host pending, one "running" for an hour
      left = job(c, "status");
      result(c, left, ids[0], "pending", null);
      result(c, left, ids[1], "running", "now() - interval '1 hour'");
      // a host another appliance started a moment ago: still its own
      fresh = job(c, "status");
      result(c, fresh, ids[2], "running", "now()");
    }

    try (TestAppliance next = new TestAppliance(jdbcUrl)) {
      JsonNode job = null;
      for (int i = 0; i < 300; i++) {
        job = JSON.readTree(next.admin("GET", "/api/v1/deployments/" + left, null).body());
        if (!job.get("state").asText().equals("running")) {
          break;
        }
        Thread.sleep(100);
      }
      assertThat(job.get("state").asText()).as(job.toString()).isEqualTo("done");
      assertThat(job.get("hosts"))
          .hasSize(2)
          .allSatisfy(
              h -> {
                assertThat(h.get("state").asText()).isEqualTo("done");
                assertThat(h.get("outcome").asText()).isEqualTo("failed");
                assertThat(h.get("detail").asText()).isNotBlank();
              });
      JsonNode other =
          JSON.readTree(next.admin("GET", "/api/v1/deployments/" + fresh, null).body());
      assertThat(other.get("state").asText()).isEqualTo("running");
      assertThat(other.get("hosts").get(0).get("state").asText()).isEqualTo("running");
    }
  }

  static long job(Connection c, String kind) throws Exception {
    try (PreparedStatement ps =
        c.prepareStatement("INSERT INTO deploy_jobs (kind) VALUES (?) RETURNING id")) {
      ps.setString(1, kind);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  static void result(Connection c, long job, long target, String state, String startedAt)
      throws Exception {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO deploy_results (job_id, target_id, state, started_at)"
                + " VALUES (?, ?, ?, "
                + (startedAt == null ? "NULL" : startedAt)
                + ")")) {
      ps.setLong(1, job);
      ps.setLong(2, target);
      ps.setString(3, state);
      ps.executeUpdate();
    }
  }
}
