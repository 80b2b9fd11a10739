package io.perfmetrics.observe;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.perfmetrics.config.Secret;
import io.perfmetrics.ingest.MintedCollector;
import io.perfmetrics.testing.TestAppliance;
import io.perfmetrics.testing.TestPostgres;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 16: GET /metrics of the real appliance, parsed by an independent Prometheus parser (the
 * official Python client's), with the ingest counters matching what the test sent.
 */
class MetricsIT {
  static final String SCRAPE_TOKEN = "scrape-token-0123456789abcdefgh";
  static final ObjectMapper JSON = new ObjectMapper();
  static TestPostgres postgres;
  static TestAppliance appliance;

  @BeforeAll
  static void start() {
    postgres = new TestPostgres();
    appliance =
        new TestAppliance(
            postgres.jdbcUrl(), c -> c.withWeb(c.web().withScrapeToken(new Secret(SCRAPE_TOKEN))));
  }

  @AfterAll
  static void stop() {
    if (appliance != null) {
      appliance.close();
    }
    if (postgres != null) {
      postgres.close();
    }
  }

  /** One sample of the exposition as the parser read it. */
  record Sample(String name, Map<String, String> labels, Double value) {}

  static HttpResponse<String> scrape(String token) {
    HttpRequest.Builder b = HttpRequest.newBuilder(appliance.uri(Metrics.PATH)).GET();
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return appliance.send(b);
  }

  /**
   * The text through prometheus_client.parser.text_string_to_metric_families (Debian's python3).
   */
  static List<Sample> parse(String exposition) throws Exception {
    Path script = Files.createTempFile("prometheus_parse", ".py");
    try (InputStream in = MetricsIT.class.getResourceAsStream("/prometheus_parse.py")) {
      Files.write(script, in.readAllBytes());
      Process p =
          new ProcessBuilder("/usr/bin/python3", script.toString())
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .start();
      try (var stdin = p.getOutputStream()) {
        stdin.write(exposition.getBytes(StandardCharsets.UTF_8));
      }
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as("the parser refused the exposition:\n%s", exposition).isZero();
      List<Sample> samples = new ArrayList<>();
      for (JsonNode s : JSON.readTree(out)) {
        Map<String, String> labels =
            JSON.convertValue(
                s.get(1),
                JSON.getTypeFactory().constructMapType(Map.class, String.class, String.class));
        samples.add(
            new Sample(s.get(0).asText(), labels, s.get(2).isNull() ? null : s.get(2).asDouble()));
      }
      return samples;
    } finally {
      Files.deleteIfExists(script);
    }
  }

  static Double value(List<Sample> samples, String name, Map<String, String> labels) {
    return samples.stream()
        .filter(s -> s.name().equals(name) && s.labels().entrySet().containsAll(labels.entrySet()))
        .map(Sample::value)
        .reduce(0.0, Double::sum);
  }

  static boolean has(List<Sample> samples, String name) {
    return samples.stream().anyMatch(s -> s.name().equals(name));
  }

  static String textBody(long t, int samples) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < samples; i++) {
      b.append(t - 60L * i).append(",cpu.busy_pct,").append(i).append('\n');
    }
    return b.toString();
  }

  @Test
  void onlyTheAdminTokenTheScrapeTokenOrASessionOpenIt() {
    MintedCollector c = appliance.app.collectors().mint("auth", "manual", null, Duration.ofDays(1));
    assertThat(scrape(null).statusCode()).isEqualTo(401);
    assertThat(scrape("not-a-token-at-all-0123456789").statusCode()).isEqualTo(401);
    assertThat(scrape(c.token()).statusCode()).isEqualTo(401);
    assertThat(scrape(TestAppliance.ADMIN_TOKEN).statusCode()).isEqualTo(200);
    HttpResponse<String> ok = scrape(SCRAPE_TOKEN);
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.headers().firstValue("Content-Type").orElseThrow())
        .startsWith("text/plain; version=0.0.4");
    // the scrape token opens nothing else
    HttpResponse<String> api =
        appliance.send(
            HttpRequest.newBuilder(appliance.uri("/api/v1/collectors"))
                .header("Authorization", "Bearer " + SCRAPE_TOKEN)
                .GET());
    assertThat(api.statusCode()).isEqualTo(401);
  }

  @Test
  void ingestCountersMatchWhatWasSent() throws Exception {
    List<Sample> before = parse(scrape(SCRAPE_TOKEN).body());
    Map<String, String> metricsRoute = Map.of("route", "/api/v1/metrics", "method", "POST");
    double storedBefore = value(before, "perfmetrics_ingest_samples_stored_total", Map.of());

    MintedCollector c =
        appliance.app.collectors().mint("counted", "manual", null, Duration.ofDays(1));
    long t = appliance.clock.instant().getEpochSecond() - 120;
    int sent = 0;
    for (int n : new int[] {5, 7, 11}) {
      assertThat(
              appliance
                  .post("/api/v1/metrics", c.token(), "text/plain", textBody(t, n))
                  .statusCode())
          .isEqualTo(204);
      sent += n;
    }
    String json =
        "[{\"ts\":"
            + (t - 3600)
            + ",\"metric\":\"mem.used_bytes\",\"value\":1},"
            + "{\"ts\":"
            + (t - 3600)
            + ",\"metric\":\"cpu.busy_pct\",\"value\":2}]";
    assertThat(appliance.post("/api/v1/metrics", c.token(), "application/json", json).statusCode())
        .isEqualTo(204);
    sent += 2;
    assertThat(
            appliance
                .post("/api/v1/metrics", c.token(), "text/plain", t + ",cpu.busy_pct,abc\n")
                .statusCode())
        .isEqualTo(400);
    assertThat(
            appliance
                .post("/api/v1/metrics", "pm1.999.nope", "text/plain", textBody(t, 1))
                .statusCode())
        .isEqualTo(401);

    // the request log is written as the answer leaves; give the last one a moment
    List<Sample> after = null;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      after = parse(scrape(SCRAPE_TOKEN).body());
      if (value(after, "perfmetrics_http_requests_seconds_count", withStatus(metricsRoute, "401"))
              - value(
                  before,
                  "perfmetrics_http_requests_seconds_count",
                  withStatus(metricsRoute, "401"))
          >= 1) {
        break;
      }
      Thread.sleep(100);
    }

    assertThat(value(after, "perfmetrics_ingest_samples_stored_total", Map.of()) - storedBefore)
        .isEqualTo(sent);
    assertThat(
            delta(
                before,
                after,
                "perfmetrics_http_requests_seconds_count",
                withStatus(metricsRoute, "204")))
        .isEqualTo(4);
    assertThat(
            delta(
                before,
                after,
                "perfmetrics_http_requests_seconds_count",
                withStatus(metricsRoute, "400")))
        .isEqualTo(1);
    assertThat(
            delta(
                before,
                after,
                "perfmetrics_http_requests_seconds_count",
                withStatus(metricsRoute, "401")))
        .isEqualTo(1);
    assertThat(
            delta(
                before,
                after,
                "perfmetrics_ingest_commit_seconds_count",
                Map.of("outcome", "stored")))
        .isBetween(1.0, 4.0);
    assertThat(value(after, "perfmetrics_ingest_queue_samples", Map.of())).isZero();
    assertThat(value(after, "perfmetrics_ingest_busy_refusals_total", Map.of())).isZero();
  }

  static Map<String, String> withStatus(Map<String, String> labels, String status) {
    var m = new java.util.HashMap<>(labels);
    m.put("status", status);
    return m;
  }

  static double delta(
      List<Sample> before, List<Sample> after, String name, Map<String, String> labels) {
    return value(after, name, labels) - value(before, name, labels);
  }

  @Test
  void collectorsCacheRollupPoolAndJvmFiguresAreThere() throws Exception {
    appliance.app.collectors().mint("soon", "manual", null, Duration.ofHours(2));
    for (int i = 0; i < 2; i++) {
      assertThat(appliance.admin("GET", "/api/v1/sizing", null).statusCode()).isEqualTo(200);
    }
    List<Sample> s = parse(scrape(TestAppliance.ADMIN_TOKEN).body());

    assertThat(value(s, "perfmetrics_collectors", Map.of("state", "expiring")))
        .isGreaterThanOrEqualTo(1);
    assertThat(value(s, "cache_gets_total", Map.of("cache", "sizing_reports", "result", "hit")))
        .isGreaterThanOrEqualTo(1);
    assertThat(value(s, "cache_gets_total", Map.of("cache", "sizing_reports", "result", "miss")))
        .isGreaterThanOrEqualTo(1);
    assertThat(value(s, "perfmetrics_sizing_rollup_lag_seconds", Map.of()))
        .isGreaterThanOrEqualTo(0);
    assertThat(value(s, "perfmetrics_db_pool_max", Map.of())).isEqualTo(10);
    assertThat(value(s, "perfmetrics_db_pool_open", Map.of())).isGreaterThanOrEqualTo(1);
    assertThat(has(s, "jvm_memory_used_bytes")).isTrue();
    assertThat(has(s, "jvm_threads_live_threads")).isTrue();
    assertThat(has(s, "process_uptime_seconds")).isTrue();
  }
}
