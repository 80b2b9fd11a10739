package io.perfmetrics.sizing;

import static io.perfmetrics.testing.ReportingHosts.aws;
import static io.perfmetrics.testing.ReportingHosts.azure;
import static io.perfmetrics.testing.ReportingHosts.gcp;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.perfmetrics.ingest.MintedCollector;
import io.perfmetrics.testing.ReportingHosts;
import io.perfmetrics.testing.TestAppliance;
import io.perfmetrics.testing.TestPostgres;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.function.LongFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 6 end to end: samples POSTed through the real receiver for hosts with known distributions,
 * rolled up, and the recommendations read back through the API and as CSV.
 */
class SizingIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final double GIB = ReportingHosts.GIB;
  static TestPostgres postgres;
  static TestAppliance appliance;
  static int webA;
  static int dbB;
  static int newC;
  static int oddD;

  @BeforeAll
  static void start() throws Exception {
    postgres = new TestPostgres();
    appliance = new TestAppliance(postgres.jdbcUrl());
    long now = appliance.clock.instant().getEpochSecond();
    long minute = now - now % 60;

    // web-a: AWS m7i.2xlarge, 8 CPUs, 3 days: busy 19.75% 95 samples in 100, else 90.25% (p95 =
    // 20), 6 GiB used
    webA =
        host(
            "web-a",
            "linux",
            8,
            aws("m7i.2xlarge", "us-east-1"),
            minute - 3 * 86_400L,
            3 * 1440,
            i -> i % 100 < 95 ? 19.75 : 90.25,
            i -> 6 * GIB,
            true);
    // db-b: Azure E16s_v5, 16 CPUs: p95 busy 25% (4 vCPU), 32 GiB used
    dbB =
        host(
            "db-b",
            "linux",
            16,
            azure("Standard_E16s_v5", "westeurope"),
            minute - 3 * 86_400L,
            3 * 1440,
            i -> i % 100 < 95 ? 24.75 : 60.25,
            i -> 32 * GIB,
            true);
    // new-c: two hours only: too little data
    newC =
        host(
            "new-c",
            "linux",
            2,
            gcp("e2-standard-2", "us-central1-a"),
            minute - 7200,
            120,
            i -> 10.0,
            i -> GIB,
            false);
    // odd-d: an identity naming a type no catalog has; 2 CPUs at p95 50% (1 vCPU), 1 GiB
    oddD =
        host(
            "odd-d",
            "linux",
            2,
            gcp("n9-imaginary-2", "us-central1-b"),
            minute - 86_400L,
            1440,
            i -> i % 100 < 95 ? 49.75 : 70.25,
            i -> GIB,
            false);
    // only ended hours are rolled up: let the current one end
    appliance.clock.advance(Duration.ofHours(1));
    appliance.app.sizingRollup().runOnce();
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

  static int host(
      String name,
      String os,
      int cpus,
      String cloud,
      long from,
      int minutes,
      LongFunction<Double> busy,
      LongFunction<Double> memUsed,
      boolean network) {
    return ReportingHosts.report(
            appliance, name, os, cpus, cloud, from, minutes, busy, memUsed, network)
        .id();
  }

  static JsonNode get(String path) throws Exception {
    HttpResponse<String> r = appliance.admin("GET", path, null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  static JsonNode hostIn(JsonNode fleet, int id) {
    for (JsonNode h : fleet.get("hosts")) {
      if (h.get("host_id").asInt() == id) {
        return h;
      }
    }
    throw new AssertionError("host " + id + " not in the report");
  }

  @Test
  void theFleetReportRecommendsTheCheapestFittingTypePerHostWithTotalsPerProvider()
      throws Exception {
    JsonNode fleet = get("/api/v1/sizing");

    JsonNode a = hostIn(fleet, webA);
    assertThat(a.get("status").asText()).isEqualTo("sized");
    // 8 x 20% = 1.6 vCPU x 1.3 = 2.08; 6 GiB x 1.3 ~ 7.8-7.96 GiB. The burstable t3.xlarge (4, 16)
    // sustains 40% of 4 = 1.6 vCPU, but the host's mean (95 x 19.75% + 5 x 90.25%) / 100 of 8 CPUs
    // x 1.3 is 2.42: its credits run out. The host is x86_64: c6i.xlarge (4, 8) at 0.17/h.
    assertThat(a.get("demand").get("vcpu_needed").asDouble())
        .isEqualTo(2.08, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(a.get("recommended").get("type").asText()).isEqualTo("c6i.xlarge");
    assertThat(a.get("recommended").get("monthly").asDouble()).isEqualTo(124.10);
    assertThat(a.get("current").get("monthly").asDouble()).isEqualTo(294.34);
    assertThat(a.get("monthly_savings").asDouble()).isEqualTo(170.24);
    // the cheaper arm64 pick beside it (t4g.xlarge runs out of credits as t3.xlarge does)
    assertThat(a.get("other_arch").get("type").asText()).isEqualTo("c7g.xlarge");
    assertThat(a.get("other_arch").get("monthly").asDouble()).isEqualTo(105.85);
    assertThat(a.get("other_arch").get("reason").asText())
        .startsWith("arm64 option: saves 18.25 USD more per month than c6i.xlarge");
    // 3 of 14 days: a low rating, said so
    assertThat(a.get("confidence").get("rating").asText()).isEqualTo("low");
    assertThat(a.get("confidence").get("samples_present").asLong()).isEqualTo(3 * 1440);

    JsonNode b = hostIn(fleet, dbB);
    // 16 x 25% x 1.3 = 5.2 vCPU, 32 GiB x 1.3 ~ 41.6 GiB: Standard_E8as_v5 (8, 64) at 0.548/h
    assertThat(b.get("recommended").get("type").asText()).isEqualTo("Standard_E8as_v5");
    assertThat(b.get("recommended").get("monthly").asDouble()).isEqualTo(400.04);
    assertThat(b.get("current").get("monthly").asDouble()).isEqualTo(887.68);
    assertThat(b.get("monthly_savings").asDouble()).isEqualTo(487.64);

    JsonNode cc = hostIn(fleet, newC);
    assertThat(cc.get("status").asText()).isEqualTo("insufficient_data");
    assertThat(cc.has("recommended")).isFalse();
    assertThat(cc.get("notes").get(0).asText()).contains("120 CPU samples");

    JsonNode d = hostIn(fleet, oddD);
    assertThat(d.get("status").asText()).isEqualTo("sized");
    assertThat(d.get("recommended").get("type").asText()).isEqualTo("e2-highcpu-2");
    assertThat(d.has("current")).isFalse();
    assertThat(d.has("monthly_savings")).isFalse();
    assertThat(d.get("notes").toString())
        .contains("current type n9-imaginary-2 is not in the catalog for gcp us-central1");

    // (other tests may add hosts without a cloud: provider "none")
    JsonNode awsTotal = total(fleet, "aws");
    assertThat(awsTotal.get("current_monthly").asDouble()).isEqualTo(294.34);
    assertThat(awsTotal.get("monthly_savings").asDouble()).isEqualTo(170.24);
    assertThat(total(fleet, "azure").get("recommended_monthly").asDouble()).isEqualTo(400.04);
    JsonNode gcpTotal = total(fleet, "gcp");
    assertThat(gcpTotal.get("hosts").asInt()).isEqualTo(2);
    assertThat(gcpTotal.get("sized").asInt()).isEqualTo(1);
    assertThat(gcpTotal.get("recommended_monthly").asDouble()).isEqualTo(36.11);
  }

  static JsonNode total(JsonNode fleet, String provider) {
    for (JsonNode t : fleet.get("totals")) {
      if (t.get("provider").asText().equals(provider)) {
        return t;
      }
    }
    throw new AssertionError("no total for " + provider + " in " + fleet.get("totals"));
  }

  @Test
  void filtersChangeTheRecommendation() throws Exception {
    JsonNode x86 = get("/api/v1/sizing?arch=x86_64");
    assertThat(hostIn(x86, webA).get("recommended").get("type").asText()).isEqualTo("c6i.xlarge");
    // any architecture: the arm64 c7g.xlarge, said to be a migration
    JsonNode any = get("/api/v1/sizing/" + webA + "?arch=any");
    assertThat(any.get("recommended").get("type").asText()).isEqualTo("c7g.xlarge");
    assertThat(any.get("notes").toString()).contains("its software must run on arm64");
    JsonNode oneYear = get("/api/v1/sizing?pricing=commit_1y&arch=x86_64&family=general");
    assertThat(hostIn(oneYear, webA).get("pricing").asText()).isEqualTo("commit_1y");
    assertThat(hostIn(oneYear, webA).get("current").get("monthly").asDouble())
        .isEqualTo(183.96); // 0.252 x 730
    // an on-premises style what-if: every host sized for GCP us-central1
    JsonNode gcp = get("/api/v1/sizing?provider=gcp&region=us-central1");
    assertThat(hostIn(gcp, webA).get("provider").asText()).isEqualTo("gcp");
    assertThat(gcp.get("totals")).hasSize(1);
    // p50 without headroom: 8 x 19.75..20% = 1.6 vCPU, ~6 GiB
    // a planning horizon: three days carry no trend, so web-a is sized for today and says so
    JsonNode ahead = get("/api/v1/sizing/" + webA + "?horizon_months=6");
    assertThat(ahead.get("demand").get("horizon_months").asInt()).isEqualTo(6);
    assertThat(ahead.get("recommended").get("type").asText()).isEqualTo("c6i.xlarge");
    assertThat(ahead.get("trends").findValuesAsText("metric"))
        .contains("cpu.busy_pct", "mem.used_bytes");
    assertThat(ahead.get("trends").get(0).get("note").asText()).startsWith("no trend: ");
    assertThat(ahead.get("notes").toString())
        .contains("mem.used_bytes: sized for today's demand, not 6 months ahead (no trend: ");
    assertThat(appliance.admin("GET", "/api/v1/sizing?horizon_months=1.5", null).body())
        .contains("horizon_months must be a whole number of months");
    assertThat(appliance.admin("GET", "/api/v1/sizing?horizon_months=37", null).statusCode())
        .isEqualTo(400);
    JsonNode p50 = get("/api/v1/sizing/" + webA + "?percentile=50&headroom=1");
    assertThat(p50.get("demand").get("vcpu_needed").asDouble())
        .isEqualTo(1.6, org.assertj.core.data.Offset.offset(1e-9));
  }

  @Test
  void theConfidenceFilterKeepsHostsSoRatedWithTotalsOverThemAlone() throws Exception {
    JsonNode all = get("/api/v1/sizing");
    int seen = 0;
    for (String rating : java.util.List.of("high", "medium", "low", "insufficient")) {
      JsonNode only = get("/api/v1/sizing?confidence=" + rating);
      for (JsonNode h : only.get("hosts")) {
        assertThat(h.get("confidence").get("rating").asText()).isEqualTo(rating);
      }
      int totalHosts = 0;
      for (JsonNode t : only.get("totals")) {
        totalHosts += t.get("hosts").asInt();
      }
      assertThat(totalHosts).isEqualTo(only.get("hosts").size());
      seen += only.get("hosts").size();
    }
    assertThat(seen).isEqualTo(all.get("hosts").size());
    // new-c has two hours of samples: insufficient, never sized
    JsonNode insufficient = get("/api/v1/sizing?confidence=insufficient");
    assertThat(insufficient.get("hosts").findValuesAsText("host_id"))
        .contains(String.valueOf(newC));
    JsonNode both = get("/api/v1/sizing?confidence=high,low,medium");
    assertThat(both.get("hosts").findValuesAsText("host_id"))
        .doesNotContain(String.valueOf(newC))
        .contains(String.valueOf(webA));
    HttpResponse<String> bad = appliance.admin("GET", "/api/v1/sizing?confidence=great", null);
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body())
        .contains("confidence must be a comma-separated list of high, medium, low, insufficient");
  }

  @Test
  void theHostReportHasDemandTopThreeCandidatesRejectionsAndSeries() throws Exception {
    JsonNode a = get("/api/v1/sizing/" + webA);
    assertThat(a.get("hostname").asText()).isEqualTo("web-a");
    assertThat(a.get("candidates")).hasSize(3);
    assertThat(a.get("candidates").get(0).get("chosen").asBoolean()).isTrue();
    assertThat(a.get("candidates").get(0).get("reason").asText())
        .startsWith("cheapest type that fits");
    assertThat(a.get("candidates").get(1).get("reason").asText()).startsWith("fits, but costs");
    assertThat(a.get("rejected").size()).isBetween(2, 3);
    // nearest first: the burstable t3.xlarge, whose credits would not last, then a smaller type
    assertThat(a.get("rejected").get(0).get("type").asText()).isEqualTo("t3.xlarge");
    assertThat(a.get("rejected").get(0).get("reason").asText())
        .startsWith("credits would run out on ")
        .contains("the type sustains 1.60");
    assertThat(a.get("rejected").get(1).get("reason").asText()).startsWith("too small");
    JsonNode series = a.get("series");
    assertThat(series.get("step_seconds").asLong()).isGreaterThanOrEqualTo(3600);
    assertThat(series.get("points").size()).isBetween(10, 200);
    assertThat(series.get("points").get(1).get("mem_used_bytes_max").asDouble()).isEqualTo(6 * GIB);
    // by hostname too
    assertThat(get("/api/v1/sizing/web-a").get("host_id").asInt()).isEqualTo(webA);
  }

  @Test
  void bothReportsExportAsCsv() throws Exception {
    HttpResponse<String> r = appliance.admin("GET", "/api/v1/sizing?format=csv", null);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/csv");
    String[] lines = r.body().split("\n");
    assertThat(lines[0])
        .startsWith(
            "host_id,hostname,status,provider,region,os,pricing,current_type,current_monthly,recommended_type");
    assertThat(r.body())
        .contains(
            webA
                + ",web-a,sized,aws,us-east-1,linux,on_demand,m7i.2xlarge,294.34,c6i.xlarge,124.1,170.24,2.08,");
    assertThat(r.body()).contains(newC + ",new-c,insufficient_data,gcp,us-central1,");

    HttpResponse<String> h = appliance.admin("GET", "/api/v1/sizing/" + dbB + "?format=csv", null);
    assertThat(h.statusCode()).isEqualTo(200);
    assertThat(h.body())
        .contains(
            "\nrank,type,family,vcpu,memory_gib,arch,network_class,hourly,monthly,fits,chosen,reason\n");
    assertThat(h.body())
        .contains(
            "\n1,Standard_E8as_v5,Easv5,8,64,x86_64,12.5Gbps,0.548,400.04,true,true,\"cheapest type that fits:");
  }

  @Test
  void theCliPrintsTheSameReports() throws Exception {
    java.io.PrintStream old = System.out;
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    int code;
    System.setOut(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
    try {
      code =
          new picocli.CommandLine(new io.perfmetrics.cli.Main())
              .execute(
                  "sizing",
                  "web-a",
                  "--csv",
                  "--arch=x86_64",
                  "--url=" + appliance.baseUrl(),
                  "--ca=" + appliance.app.tls().trustFile(),
                  "--token=" + TestAppliance.ADMIN_TOKEN);
    } finally {
      System.setOut(old);
    }
    assertThat(code).isZero();
    assertThat(out.toString(java.nio.charset.StandardCharsets.UTF_8))
        .startsWith("host_id,hostname,status")
        .contains(
            ",web-a,sized,aws,us-east-1,linux,on_demand,m7i.2xlarge,294.34,c6i.xlarge,124.1,170.24,");
  }

  @Test
  void badRequestsAreSaidSo() throws Exception {
    assertThat(appliance.admin("GET", "/api/v1/sizing/99999", null).statusCode()).isEqualTo(404);
    HttpResponse<String> r = appliance.admin("GET", "/api/v1/sizing?percentile=0", null);
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(r.body()).get("detail").asText())
        .contains("percentile must be a number from 1 to 100");
    assertThat(appliance.admin("GET", "/api/v1/sizing?pricing=spot", null).statusCode())
        .isEqualTo(400);
    assertThat(appliance.admin("GET", "/api/v1/sizing?format=xml", null).statusCode())
        .isEqualTo(400);
    assertThat(
            appliance
                .send(java.net.http.HttpRequest.newBuilder(appliance.uri("/api/v1/sizing")).GET())
                .statusCode())
        .isEqualTo(401);
  }

  @Test
  void aReplayIsCountedOnceAndNewDataReachesTheReportOnlyAfterTheRollup() throws Exception {
    MintedCollector m =
        appliance.app.collectors().mint("late-e", "manual", null, Duration.ofDays(30));
    // at half past the hour, so that the newest samples are in an hour that has not ended
    // whenever the test runs
    long start = appliance.clock.instant().getEpochSecond();
    appliance.clock.advance(Duration.ofSeconds(3600 - start % 3600 + 1800));
    long now = appliance.clock.instant().getEpochSecond();
    long from = now - now % 60 - 10 * 3600;
    StringBuilder body = new StringBuilder();
    for (int i = 0; i < 600; i++) {
      body.append(from + i * 60)
          .append(",cpu.busy_pct,50\n")
          .append(from + i * 60)
          .append(",mem.used_bytes,1073741824\n")
          .append(from + i * 60)
          .append(",cpu.count,4\n");
    }
    String path = "/api/v1/sizing/" + m.id() + "?provider=aws&region=us-east-1";
    assertThat(get(path).get("status").asText()).isEqualTo("insufficient_data");

    assertThat(
            appliance
                .post("/api/v1/metrics", m.token(), "text/plain", body.toString())
                .statusCode())
        .isEqualTo(204);
    assertThat(
            appliance
                .post("/api/v1/metrics", m.token(), "text/plain", body.toString())
                .statusCode())
        .isEqualTo(204);
    // cached: no rollup has run since
    assertThat(get(path).get("status").asText()).isEqualTo("insufficient_data");

    // the hour of the last samples has not ended: its samples are not rolled up yet
    appliance.clock.advance(Rollup.QUIET.plusSeconds(1));
    appliance.app.sizingRollup().runOnce();
    assertThat(get(path).get("confidence").get("samples_present").asLong()).isBetween(540L, 599L);
    appliance.clock.advance(Duration.ofHours(1));
    appliance.app.sizingRollup().runOnce();
    JsonNode after = get(path);
    assertThat(after.get("status").asText()).isEqualTo("sized");
    assertThat(after.get("confidence").get("samples_present").asLong()).isEqualTo(600);
    // no hello: the CPU count comes from the cpu.count samples
    assertThat(after.get("demand").get("cpu_count").asDouble()).isEqualTo(4.0);
    try (Connection conn = appliance.database.dataSource().getConnection();
        Statement s = conn.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT sum(n) FROM sizing_hourly h JOIN metrics m ON m.id = h.metric_id"
                    + " WHERE m.name = 'cpu.busy_pct' AND collector_id = "
                    + m.id())) {
      rs.next();
      assertThat(rs.getLong(1)).isEqualTo(600);
    }
    // rolled up again with nothing new: nothing changes
    assertThat(appliance.app.sizingRollup().runOnce()).isZero();
  }
}
