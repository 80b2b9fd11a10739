package io.perfmetrics.web;

import static io.perfmetrics.testing.ReportingHosts.GIB;
import static io.perfmetrics.testing.ReportingHosts.aws;
import static io.perfmetrics.testing.ReportingHosts.azure;
import static io.perfmetrics.testing.ReportingHosts.report;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.perfmetrics.sizing.Rollup;
import io.perfmetrics.testing.ConsoleClient;
import io.perfmetrics.testing.TestAppliance;
import io.perfmetrics.testing.TestPostgres;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The sizing pages against the real appliance and PostgreSQL, with hosts that reported through the
 * real receiver: the report table and totals match the API, filters and exports carry the same
 * parameters, the host page has what its charts and tables need, and values from hosts are escaped.
 */
class SizingPagesIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Pattern HREF = Pattern.compile("id=\"%s\" href=\"([^\"]+)\"");
  static TestPostgres postgres;
  static TestAppliance appliance;
  static ConsoleClient console;
  static int web;
  static int db;
  static int odd;

  @BeforeAll
  static void start() {
    postgres = new TestPostgres();
    appliance = new TestAppliance(postgres.newDatabase());
    long now = appliance.clock.instant().getEpochSecond();
    long hour = now - now % 3600;
    // samples end before the current hour, so the rollup takes them without moving the clock
    web =
        report(
                appliance,
                "web-1",
                "linux",
                8,
                aws("m7i.2xlarge", "us-east-1"),
                hour - 2 * 86_400L,
                2 * 1440 - 60,
                i -> i % 100 < 95 ? 19.75 : 90.25,
                i -> 6 * GIB,
                true)
            .id();
    db =
        report(
                appliance,
                "db-1",
                "linux",
                16,
                azure("Standard_E16s_v5", "westeurope"),
                hour - 2 * 86_400L,
                2 * 1440 - 60,
                i -> 24.75,
                i -> 32 * GIB,
                true)
            .id();
    // a hostname as a hostile host might report it; only 2 hours: not sized
    odd =
        report(
                appliance,
                "<img src=x onerror=alert(1)>",
                "linux",
                2,
                aws("t3.small", "us-east-1"),
                hour - 3 * 3600L,
                120,
                i -> 10.0,
                i -> GIB,
                false)
            .id();
    // the rollup takes an hour once it has been quiet for Rollup.QUIET
    appliance.clock.advance(Rollup.QUIET.plusMinutes(1));
    appliance.app.sizingRollup().runOnce();
    console = new ConsoleClient(appliance).loggedIn();
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

  @Test
  void theReportListsEveryHostWithTotalsThatMatchTheApi() throws Exception {
    HttpResponse<String> page = console.get("/sizing");
    assertThat(page.statusCode()).isEqualTo(200);
    String html = page.body();
    JsonNode api = JSON.readTree(appliance.admin("GET", "/api/v1/sizing", null).body());
    for (JsonNode h : api.get("hosts")) {
      String row = row(html, h.get("host_id").asInt());
      assertThat(row).contains(h.get("status").asText().replace('_', ' '));
      if (h.has("recommended")) {
        assertThat(row).contains(">" + h.get("recommended").get("type").asText() + "<");
      }
    }
    String aws = between(html, "<tr data-provider=\"aws\">", "</tr>");
    JsonNode awsTotal = total(api, "aws");
    assertThat(aws)
        .contains(">" + awsTotal.get("hosts").asInt() + "<")
        .contains(">" + awsTotal.get("sized").asInt() + "<")
        .contains(
            String.format(
                java.util.Locale.ROOT, "%,.2f", awsTotal.get("recommended_monthly").asDouble()));
    assertThat(between(html, "<tr id=\"sizing-total-all\">", "</tr>")).contains(">3<");
    // m7i.2xlarge at p95 of 8 x 20% busy x 1.3 headroom needs ~2.1 vCPU: a smaller type is
    // recommended
    assertThat(row(html, web)).contains("m7i.2xlarge").contains("confidence-");
    assertThat(html)
        .contains("table id=\"sizing-report\" class=\"sortable\"")
        .contains("data-type=\"num\"");
  }

  @Test
  void filtersNarrowTheReportAndTheExportCarriesThem() throws Exception {
    String html =
        console.get("/sizing?confidence=insufficient&pricing=commit_1y&percentile=&region=").body();
    assertThat(html)
        .contains("data-host-id=\"" + odd + "\"")
        .doesNotContain("data-host-id=\"" + web + "\"")
        .doesNotContain("data-host-id=\"" + db + "\"");
    assertThat(html)
        .contains("id=\"confidence-insufficient\" checked")
        .contains("<option value=\"commit_1y\" selected>");
    assertThat(between(html, "<tr id=\"sizing-total-all\">", "</tr>")).contains(">1<");
    String csv = href(html, "sizing-csv");
    assertThat(csv)
        .isEqualTo("/api/v1/sizing?format=csv&pricing=commit_1y&confidence=insufficient");
    HttpResponse<String> export = console.get(csv);
    assertThat(export.statusCode()).isEqualTo(200);
    assertThat(export.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/csv");
    List<String> lines = export.body().lines().toList();
    assertThat(lines.get(0)).startsWith("host_id,hostname,status");
    assertThat(lines).hasSize(2);
    assertThat(lines.get(1))
        .startsWith(odd + ",")
        .contains(",commit_1y,")
        .contains(",insufficient,");

    // what-if: every host sized for Azure westeurope
    String azure = console.get("/sizing?provider=azure&region=westeurope").body();
    assertThat(azure)
        .contains("<tr data-provider=\"azure\">")
        .doesNotContain("<tr data-provider=\"aws\">");
    assertThat(href(azure, "sizing-csv"))
        .isEqualTo("/api/v1/sizing?format=csv&provider=azure&region=westeurope");
  }

  @Test
  void badParametersAreSaidOnThePageNotAsJson() {
    HttpResponse<String> r = console.get("/sizing?percentile=0&confidence=sure");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/html");
    assertThat(r.body())
        .contains("id=\"sizing-error\"")
        .contains("percentile must be a number from 1 to 100, got '0'")
        .contains("id=\"sizing-form\"");
    HttpResponse<String> h = console.get("/sizing/" + web + "?headroom=99");
    assertThat(h.statusCode()).isEqualTo(400);
    assertThat(h.body()).contains("headroom must be a number from 1 to 10");
    assertThat(console.get("/sizing/999999").statusCode()).isEqualTo(404);
  }

  @Test
  void theHostPageHasDemandCandidatesRejectedChartsAndItsExport() throws Exception {
    HttpResponse<String> page = console.get("/sizing/" + web + "?percentile=95&lookback_days=7");
    assertThat(page.statusCode()).isEqualTo(200);
    String html = page.body();
    JsonNode api =
        JSON.readTree(
            appliance
                .admin("GET", "/api/v1/sizing/" + web + "?percentile=95&lookback_days=7", null)
                .body());
    assertThat(api.has("recommended")).as(api.toString()).isTrue();
    String recommended = api.get("recommended").get("type").asText();
    assertThat(between(html, "id=\"host-recommended\">", "</dd>")).startsWith(recommended);
    assertThat(between(html, "<table id=\"candidates\">", "</table>"))
        .contains("<tr class=\"chosen\"><td>" + recommended)
        .contains("cheapest type that fits");
    assertThat(between(html, "<table id=\"rejected\">", "</table>"))
        .contains("too small")
        .contains("credits would run out on");
    // the growth table: two days of samples carry no trend, and the page says so
    assertThat(between(html, "<table id=\"host-trends\">", "</table>"))
        .contains("mem.used_bytes")
        .contains("no trend: ");
    // the x86_64 host stays on x86_64; the cheaper arm64 type is an option beside it
    assertThat(api.get("recommended").get("arch").asText()).isEqualTo("x86_64");
    String other = api.get("other_arch").get("type").asText();
    assertThat(between(html, "<table id=\"other-arch\">", "</table>"))
        .contains(other)
        .contains("arm64 option: saves");
    assertThat(between(html, "<table id=\"host-demand\">", "</table>"))
        .contains("p95 observed")
        .contains(
            String.format(
                java.util.Locale.ROOT, "%.2f", api.get("demand").get("vcpu_needed").asDouble()));
    // the charts read the same report through the API with the session cookie
    assertThat(html)
        .contains("data-query=\"percentile=95&amp;lookback_days=7\"")
        .contains("/static/sizing.js")
        .contains("/webjars/chart.js/");
    HttpResponse<String> data =
        console.get("/api/v1/sizing/" + web + "?percentile=95&lookback_days=7");
    assertThat(data.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(data.body()).get("series").get("points").size()).isGreaterThan(20);
    assertThat(console.get("/static/sizing.js").statusCode()).isEqualTo(200);

    String csv = href(html, "host-csv");
    assertThat(csv)
        .isEqualTo("/api/v1/sizing/" + web + "?format=csv&percentile=95&lookback_days=7");
    String body = console.get(csv).body();
    assertThat(body)
        .contains("\nrank,type,family")
        .contains("\n1," + recommended + ",")
        .contains("\nother_arch," + other + ",");
  }

  @Test
  void aHostIsFoundByItsHostnameAsByItsId() throws Exception {
    assertThat(console.get("/sizing/db-1").body()).contains("Sizing · db-1");
    assertThat(
            JSON.readTree(appliance.admin("GET", "/api/v1/sizing/db-1", null).body())
                .get("host_id")
                .asInt())
        .isEqualTo(db);
    HttpResponse<String> missing = appliance.admin("GET", "/api/v1/sizing/db-9", null);
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.body()).contains("no host with collector id or hostname 'db-9'");
  }

  @Test
  void aHostileHostnameIsShownAsText() {
    String fleet = console.get("/sizing").body();
    assertThat(fleet).contains("&lt;img src=x onerror=alert(1)&gt;").doesNotContain("<img src=x");
    String host = console.get("/sizing/" + odd).body();
    assertThat(host)
        .contains("Sizing · &lt;img src=x onerror=alert(1)&gt;")
        .doesNotContain("<img src=x");
    assertThat(host).contains("id=\"candidates-none\"");
  }

  @Test
  void withoutASessionThePagesLeadToTheLogin() {
    ConsoleClient anonymous = new ConsoleClient(appliance);
    for (String path : List.of("/sizing", "/sizing/" + web)) {
      HttpResponse<String> r = anonymous.get(path);
      assertThat(r.statusCode()).as(path).isEqualTo(302);
      assertThat(r.headers().firstValue("Location").orElseThrow()).startsWith("/login?next=");
    }
    assertThat(anonymous.get("/api/v1/sizing?format=csv").statusCode()).isEqualTo(401);
  }

  static String row(String html, int hostId) {
    return between(html, "<tr data-host-id=\"" + hostId + "\">", "</tr>");
  }

  static String href(String html, String id) {
    Matcher m = Pattern.compile(String.format(HREF.pattern(), id)).matcher(html);
    assertThat(m.find()).as("a link with id " + id).isTrue();
    return m.group(1).replace("&amp;", "&");
  }

  static JsonNode total(JsonNode report, String provider) {
    List<String> seen = new ArrayList<>();
    for (JsonNode t : report.get("totals")) {
      if (t.get("provider").asText().equals(provider)) {
        return t;
      }
      seen.add(t.get("provider").asText());
    }
    throw new AssertionError("no total for " + provider + " in " + seen);
  }

  static String between(String s, String start, String end) {
    int a = s.indexOf(start);
    assertThat(a).as("'" + start + "' in the page").isNotNegative();
    int b = s.indexOf(end, a + start.length());
    return s.substring(a + start.length(), b);
  }
}
