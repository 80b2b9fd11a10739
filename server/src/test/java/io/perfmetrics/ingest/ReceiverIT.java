package io.perfmetrics.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.perfmetrics.testing.ApplianceOnPostgres;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The collector protocol v1 against the real appliance and a real PostgreSQL, request by request.
 */
class ReceiverIT extends ApplianceOnPostgres {
  static final ObjectMapper JSON = new ObjectMapper();

  static JsonNode json(HttpResponse<String> r) throws Exception {
    return JSON.readTree(r.body());
  }

  static MintedCollector mint(String body) throws Exception {
    HttpResponse<String> r = appliance.admin("POST", "/api/v1/collectors", body);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    JsonNode n = json(r);
    return new MintedCollector(n.get("id").asInt(), n.get("token").asText(), null);
  }

  long now() {
    return appliance.clock.instant().getEpochSecond();
  }

  JsonNode samples(int id, String metric) throws Exception {
    HttpResponse<String> r =
        appliance.admin(
            "GET", "/api/v1/collectors/" + id + "/samples?metric=" + metric + "&limit=1000", null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return json(r).get("samples");
  }

  long countRows(int collectorId) throws Exception {
    try (Connection c = appliance.database.dataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery("SELECT count(*) FROM samples WHERE collector_id = " + collectorId)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  void storedSamplesAreReturnedByAQuery() throws Exception {
    MintedCollector c = mint("{\"label\":\"web1\"}");
    long t = now() - 120;
    String body =
        t
            + ",cpu.busy_pct,12.5\n"
            + t
            + ",mem.used_bytes,1048576\n"
            + (t + 60)
            + ",cpu.busy_pct,99\n";

    HttpResponse<String> r = appliance.post("/api/v1/metrics", c.token(), "text/plain", body);

    assertThat(r.statusCode()).as(r.body()).isEqualTo(204);
    JsonNode cpu = samples(c.id(), "cpu.busy_pct");
    assertThat(cpu).hasSize(2);
    assertThat(cpu.get(0).get("ts").asLong()).isEqualTo(t);
    assertThat(cpu.get(0).get("value").asDouble()).isEqualTo(12.5);
    assertThat(cpu.get(1).get("value").asDouble()).isEqualTo(99.0);
    assertThat(samples(c.id(), "mem.used_bytes").get(0).get("value").asDouble())
        .isEqualTo(1048576.0);
  }

  @Test
  void jsonArrayBodiesAreAcceptedToo() throws Exception {
    MintedCollector c = mint("{}");
    long t = now() - 60;
    String body = "[{\"ts\":" + t + ",\"metric\":\"load.1m\",\"value\":0.75}]";

    HttpResponse<String> r = appliance.post("/api/v1/metrics", c.token(), "application/json", body);

    assertThat(r.statusCode()).as(r.body()).isEqualTo(204);
    assertThat(samples(c.id(), "load.1m").get(0).get("value").asDouble()).isEqualTo(0.75);
  }

  @Test
  void aReplayedBatchIsStoredOnce() throws Exception {
    MintedCollector c = mint("{}");
    long t = now() - 600;
    StringBuilder first = new StringBuilder();
    for (int i = 0; i < 5; i++) {
      first.append(t + i * 60).append(",cpu.busy_pct,").append(i).append('\n');
    }
    assertThat(
            appliance
                .post("/api/v1/metrics", c.token(), "text/plain", first.toString())
                .statusCode())
        .isEqualTo(204);
    // the spool kept everything (the 204 was lost), then grew: the replay repeats 5 and adds 2
    String replay = first + "" + (t + 300) + ",cpu.busy_pct,5\n" + (t + 360) + ",cpu.busy_pct,6\n";

    HttpResponse<String> again = appliance.post("/api/v1/metrics", c.token(), "text/plain", replay);
    HttpResponse<String> thrice =
        appliance.post("/api/v1/metrics", c.token(), "text/plain", replay);

    assertThat(again.statusCode()).isEqualTo(204);
    assertThat(thrice.statusCode()).isEqualTo(204);
    assertThat(countRows(c.id())).isEqualTo(7);
    assertThat(samples(c.id(), "cpu.busy_pct"))
        .extracting(n -> n.get("value").asInt())
        .containsExactly(0, 1, 2, 3, 4, 5, 6);
  }

  @Test
  void aDuplicateLineWithinOneBodyIsStoredOnce() throws Exception {
    MintedCollector c = mint("{}");
    long t = now() - 60;
    String body = t + ",cpu.busy_pct,1\n" + t + ",cpu.busy_pct,1\n";

    assertThat(appliance.post("/api/v1/metrics", c.token(), "text/plain", body).statusCode())
        .isEqualTo(204);
    assertThat(countRows(c.id())).isEqualTo(1);
  }

  @Test
  void aMalformedLineGets400NamingTheLineAndNothingIsStored() throws Exception {
    MintedCollector c = mint("{}");
    long t = now() - 60;
    String body = t + ",cpu.busy_pct,1\n" + t + ",mem.used_bytes,lots\n";

    HttpResponse<String> r = appliance.post("/api/v1/metrics", c.token(), "text/plain", body);

    assertThat(r.statusCode()).isEqualTo(400);
    JsonNode err = json(r);
    assertThat(err.get("error").asText()).isEqualTo("bad request");
    assertThat(err.get("detail").asText()).contains("line 2").contains("value").contains("lots");
    assertThat(countRows(c.id())).isZero();
  }

  @Test
  void otherMalformedBodiesSayWhy() throws Exception {
    MintedCollector c = mint("{}");
    long t = now();
    assertThat(
            json(appliance.post("/api/v1/metrics", c.token(), "text/plain", "hello\n"))
                .get("detail")
                .asText())
        .contains("line 1")
        .contains("three comma-separated fields");
    assertThat(
            json(appliance.post("/api/v1/metrics", c.token(), "text/plain", t + ",CPU!,1\n"))
                .get("detail")
                .asText())
        .contains("metric name");
    assertThat(
            json(appliance.post("/api/v1/metrics", c.token(), "text/plain", "12,cpu.busy_pct,1\n"))
                .get("detail")
                .asText())
        .contains("outside 2000-01-01");
    assertThat(
            json(appliance.post("/api/v1/metrics", c.token(), "application/json", "[{\"ts\":"))
                .get("detail")
                .asText())
        .contains("JSON");
    assertThat(
            appliance
                .post("/api/v1/hello", c.token(), "application/json", "{\"os\":{}}")
                .statusCode())
        .isEqualTo(400);
  }

  @Test
  void anUnknownOrMissingTokenGets401() throws Exception {
    MintedCollector c = mint("{}");
    String line = now() + ",cpu.busy_pct,1\n";
    String forged = "pm1." + c.id() + "." + "A".repeat(43);

    HttpResponse<String> none = appliance.post("/api/v1/metrics", null, "text/plain", line);
    HttpResponse<String> wrong = appliance.post("/api/v1/metrics", forged, "text/plain", line);
    HttpResponse<String> noSuchCollector =
        appliance.post("/api/v1/metrics", "pm1.999999." + "B".repeat(43), "text/plain", line);

    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(noSuchCollector.statusCode()).isEqualTo(401);
    assertThat(json(wrong).get("error").asText()).isEqualTo("unauthorized");
    assertThat(countRows(c.id())).isZero();
  }

  @Test
  void anExpiredCollectorGets410() throws Exception {
    MintedCollector c = mint("{\"ttl_seconds\": 3600}");
    String line = now() + ",cpu.busy_pct,1\n";
    assertThat(appliance.post("/api/v1/metrics", c.token(), "text/plain", line).statusCode())
        .isEqualTo(204);

    appliance.clock.advance(Duration.ofSeconds(3601));
    try {
      HttpResponse<String> r =
          appliance.post("/api/v1/metrics", c.token(), "text/plain", now() + ",cpu.busy_pct,2\n");
      assertThat(r.statusCode()).isEqualTo(410);
      assertThat(json(r).get("detail").asText()).contains("expired");
    } finally {
      appliance.clock.advance(Duration.ofSeconds(-3601));
    }
  }

  @Test
  void aRetiredCollectorGets410() throws Exception {
    MintedCollector c = mint("{}");

    assertThat(appliance.admin("DELETE", "/api/v1/collectors/" + c.id(), null).statusCode())
        .isEqualTo(204);
    HttpResponse<String> r =
        appliance.post("/api/v1/metrics", c.token(), "text/plain", now() + ",cpu.busy_pct,1\n");

    assertThat(r.statusCode()).isEqualTo(410);
    assertThat(json(r).get("detail").asText()).contains("retired");
    assertThat(
            appliance
                .post("/api/v1/hello", c.token(), "application/json", "{\"hostname\":\"x\"}")
                .statusCode())
        .isEqualTo(410);
  }

  @Test
  void aBodyOverOneMebibyteGets413() throws Exception {
    MintedCollector c = mint("{}");
    String line = now() + ",cpu.busy_pct,1.000000\n";
    String big = line.repeat((1 << 20) / line.length() + 1);

    HttpResponse<String> r = appliance.post("/api/v1/metrics", c.token(), "text/plain", big);

    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(json(r).get("detail").asText()).contains("1048576");
    assertThat(countRows(c.id())).isZero();
  }

  @Test
  void aChunkedBodyOverOneMebibyteGets413Too() throws Exception {
    MintedCollector c = mint("{}");
    byte[] big = (now() + ",cpu.busy_pct,1\n").repeat(80_000).getBytes();
    HttpRequest.Builder b =
        HttpRequest.newBuilder(appliance.uri("/api/v1/metrics"))
            .header("Authorization", "Bearer " + c.token())
            .POST(
                HttpRequest.BodyPublishers.ofInputStream(
                    () -> new java.io.ByteArrayInputStream(big)));

    assertThat(appliance.send(b).statusCode()).isEqualTo(413);
  }

  @Test
  void helloStoresInventoryAndCloudIdentity() throws Exception {
    MintedCollector c = mint("{}");
    String hello =
        """
        {"hostname":"web1","os":{"family":"linux","name":"Debian GNU/Linux 12","version":"12"},
         "cpu":{"model":"Xeon","count":4},"memory_bytes":17179869184,
         "cloud":{"provider":"aws","document":{"instanceType":"m5.xlarge","region":"eu-west-1"}},
         "collector":{"version":"1","unavailable_metrics":["swap.total_bytes"]}}
        """;

    assertThat(appliance.post("/api/v1/hello", c.token(), "application/json", hello).statusCode())
        .isEqualTo(204);

    try (Connection conn = appliance.database.dataSource().getConnection();
        Statement s = conn.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT hostname, cpu_count, memory_bytes, cloud_provider, instance_type, region, unavailable_metrics"
                    + " FROM host_inventory WHERE collector_id = "
                    + c.id())) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).isEqualTo("web1");
      assertThat(rs.getInt(2)).isEqualTo(4);
      assertThat(rs.getLong(3)).isEqualTo(17179869184L);
      assertThat(rs.getString(4)).isEqualTo("aws");
      assertThat(rs.getString(5)).isEqualTo("m5.xlarge");
      assertThat(rs.getString(6)).isEqualTo("eu-west-1");
      assertThat((String[]) rs.getArray(7).getArray()).containsExactly("swap.total_bytes");
    }
  }

  @Test
  void adminRoutesNeedTheAdminTokenAndCollectorTokensDoNotOpenThem() throws Exception {
    MintedCollector c = mint("{}");
    HttpResponse<String> anonymous =
        appliance.send(HttpRequest.newBuilder(appliance.uri("/api/v1/collectors")).GET());
    HttpResponse<String> withCollectorToken =
        appliance.send(
            HttpRequest.newBuilder(appliance.uri("/api/v1/collectors"))
                .header("Authorization", "Bearer " + c.token())
                .GET());

    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(json(anonymous).get("error").asText()).isEqualTo("unauthorized");
    assertThat(withCollectorToken.statusCode()).isEqualTo(401);
    assertThat(appliance.admin("GET", "/api/v1/collectors", null).body()).doesNotContain(c.token());
  }

  @Test
  void healthAndReadiness() {
    assertThat(appliance.send(HttpRequest.newBuilder(appliance.uri("/healthz")).GET()).statusCode())
        .isEqualTo(200);
    assertThat(appliance.send(HttpRequest.newBuilder(appliance.uri("/readyz")).GET()).statusCode())
        .isEqualTo(200);
  }

  @Test
  @Timeout(value = 180, unit = TimeUnit.SECONDS)
  void whileTheDatabaseIsDownTheReceiverAnswers503AndAcceptsTheSameBatchOnceItIsBack()
      throws Exception {
    MintedCollector c = mint("{}");
    long t = now() - 300;
    // authenticate once so the token is cached: the outage must not turn into 401s either way
    assertThat(
            appliance
                .post("/api/v1/metrics", c.token(), "text/plain", t + ",cpu.busy_pct,0\n")
                .statusCode())
        .isEqualTo(204);
    String batch = (t + 60) + ",cpu.busy_pct,1\n" + (t + 120) + ",cpu.busy_pct,2\n";

    postgres.stop();
    HttpResponse<String> during;
    HttpResponse<String> ready;
    try {
      during = appliance.post("/api/v1/metrics", c.token(), "text/plain", batch);
      ready = appliance.send(HttpRequest.newBuilder(appliance.uri("/readyz")).GET());
    } finally {
      postgres.start();
    }

    assertThat(during.statusCode()).as(during.body()).isEqualTo(503);
    assertThat(json(during).get("error").asText()).isEqualTo("storage unavailable");
    assertThat(during.headers().firstValue("Retry-After")).isPresent();
    assertThat(ready.statusCode()).isEqualTo(503);
    HttpResponse<String> after = null;
    for (int i = 0; i < 30; i++) {
      after = appliance.post("/api/v1/metrics", c.token(), "text/plain", batch);
      if (after.statusCode() == 204) {
        break;
      }
      Thread.sleep(500);
    }
    assertThat(after.statusCode()).as(after.body()).isEqualTo(204);
    assertThat(samples(c.id(), "cpu.busy_pct"))
        .extracting(n -> n.get("value").asInt())
        .containsExactly(0, 1, 2);
  }
}
