package io.perfmetrics.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.perfmetrics.config.Config;
import io.perfmetrics.testing.ConsoleClient;
import io.perfmetrics.testing.TestAppliance;
import io.perfmetrics.testing.TestPostgres;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Scans and Network operations pages against the real appliance and PostgreSQL, scanning
 * loopback only: 127.0.0.5 has a listener that sends an SSH identification line with markup in it
 * (a value from the network the pages must escape), 127.0.0.6 has nothing open.
 */
class DiscoveryPagesIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String LISTENER = "127.0.0.5";
  static final String NOTHING = "127.0.0.6";
  static final String EVIL = "<script>alert(1)</script>";
  static final Pattern ROW =
      Pattern.compile(
          "<tr data-id=\"(\\d+)\"><td>[^<]*</td><td>([^<]*)</td><td>[^<]*</td><td>([^<]*)</td>");

  static TestPostgres postgres;
  static ServerSocket banner;
  static TestAppliance appliance;
  static ConsoleClient admin;
  static long finishedScan;

  @BeforeAll
  static void start() throws Exception {
    postgres = new TestPostgres();
    banner = new ServerSocket(0, 50, InetAddress.getByName(LISTENER));
    Thread.ofVirtual().start(DiscoveryPagesIT::serveBanner);
    int closed = TestPostgres.freePort();
    // fast pacing, two ports, no nmap or reverse DNS: the two-address scan takes well under a
    // second
    appliance =
        new TestAppliance(
            postgres.newDatabase(),
            (java.util.function.UnaryOperator<Config>)
                c ->
                    c.withDiscovery(
                        c.discovery()
                            .withPorts(List.of(banner.getLocalPort(), closed), List.of())
                            .withPacing(Duration.ofMillis(50), Duration.ofMillis(10))
                            .withNmap("off")
                            .withReverseDns(false)));
    admin = new ConsoleClient(appliance).loggedIn();
  }

  @AfterAll
  static void stop() throws IOException {
    if (appliance != null) {
      appliance.close();
    }
    if (banner != null) {
      banner.close();
    }
    if (postgres != null) {
      postgres.close();
    }
  }

  static void serveBanner() {
    while (!banner.isClosed()) {
      try {
        Socket s = banner.accept();
        Thread.ofVirtual()
            .start(
                () -> {
                  try (s;
                      InputStream in = s.getInputStream()) {
                    s.getOutputStream()
                        .write(
                            ("SSH-2.0-OpenSSH_9.9 " + EVIL + "\r\n")
                                .getBytes(StandardCharsets.US_ASCII));
                    s.setSoTimeout(3000);
                    in.readAllBytes();
                  } catch (IOException e) {
                    // the prober closes when it has the line
                  }
                });
      } catch (IOException e) {
        return;
      }
    }
  }

  /** The scan of both addresses, started once through the form and awaited. */
  static synchronized long finishedScan() throws Exception {
    if (finishedScan == 0) {
      HttpResponse<String> r =
          admin.form(admin.csrf, "/scans", Map.of("targets", LISTENER + "\n" + NOTHING));
      assertThat(r.statusCode()).as(r.body()).isEqualTo(303);
      String location = r.headers().firstValue("Location").orElseThrow();
      assertThat(location).matches("/scans/\\d+");
      long id = Long.parseLong(location.substring("/scans/".length()));
      assertThat(await(id, Duration.ofSeconds(30)).get("status").asText()).isEqualTo("done");
      finishedScan = id;
    }
    return finishedScan;
  }

  static JsonNode scan(long id) throws Exception {
    HttpResponse<String> r = admin.get("/api/v1/scans/" + id);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  static JsonNode await(long id, Duration max) throws Exception {
    long deadline = System.nanoTime() + max.toNanos();
    while (System.nanoTime() < deadline) {
      JsonNode s = scan(id);
      if (!s.get("status").asText().equals("running")) {
        return s;
      }
      Thread.sleep(100);
    }
    throw new AssertionError(
        "scan "
            + id
            + " still running after "
            + max.toSeconds()
            + " s: "
            + admin.get("/api/v1/scans/" + id + "/hosts").body()
            + "; operations: "
            + admin.get("/api/v1/netops?scan_id=" + id).body());
  }

  static int scanCount() throws Exception {
    return JSON.readTree(appliance.admin("GET", "/api/v1/scans", null).body()).get("scans").size();
  }

  static String page(String path) {
    HttpResponse<String> r = admin.get(path);
    assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
    return r.body();
  }

  /** (id, destination, protocol) of each row of the operations table. */
  static List<String[]> rows(String html) {
    List<String[]> out = new ArrayList<>();
    Matcher m = ROW.matcher(html);
    while (m.find()) {
      out.add(new String[] {m.group(1), m.group(2), m.group(3)});
    }
    return out;
  }

  static String href(String html, String id) {
    Matcher m = Pattern.compile("id=\"" + id + "\" href=\"([^\"]+)\"").matcher(html);
    assertThat(m.find()).as("a link with id " + id).isTrue();
    return m.group(1).replace("&amp;", "&");
  }

  static void assertEscaped(String html) {
    assertThat(html).doesNotContain(EVIL).contains("&lt;script&gt;alert(1)&lt;/script&gt;");
  }

  @Test
  void aScanStartedFromTheFormIsFollowedToItsEndAndListsItsHosts() throws Exception {
    String form = page("/scans");
    assertThat(form)
        .contains("id=\"scan-form\"")
        .contains("id=\"scan-targets\"")
        .contains("id=\"scan-pacing\"")
        .contains("Every operation is logged");

    long id = finishedScan();

    String html = page("/scans/" + id);
    assertThat(html)
        .contains("<section id=\"scan\" data-scan-id=\"" + id + "\" data-status=\"done\"")
        .contains("<progress id=\"scan-bar\" max=\"2\" value=\"2\">")
        .contains(
            "<span id=\"scan-progress\">2 of 2 addresses done, "
                + scan(id).get("operations").asLong()
                + " network operations</span>")
        .contains("<dd id=\"scan-found\">1</dd>")
        .contains("<dd id=\"scan-alive\">1</dd>")
        .contains("<dd id=\"scan-skipped\">0</dd>")
        .contains("<dd id=\"scan-skipped-own\">0</dd>")
        .contains("<dd id=\"scan-skipped-excluded\">0</dd>")
        .contains("/static/scans.js")
        .as("no cancel once it is done")
        .doesNotContain("id=\"scan-cancel\"");
    assertThat(html)
        .containsPattern(
            "<tr data-address=\""
                + Pattern.quote(LISTENER)
                + "\">.*?state-found\">found</td>"
                + "<td>—</td><td>unix</td><td>"
                + banner.getLocalPort()
                + "</td>");
    assertThat(html)
        .containsPattern(
            "<tr data-address=\"" + Pattern.quote(NOTHING) + "\">.*?state-alive\">alive</td>");
    assertThat(html).contains("ssh-banner: OpenSSH 9.9");
    assertEscaped(html);

    // the list links the scan; the listener is a discovered target to accept
    String list = page("/scans");
    assertThat(list)
        .contains("<a href=\"/scans/" + id + "\">" + id + "</a>")
        .contains("id=\"discovered-targets\"");
    assertEscaped(list);
    Matcher accept = Pattern.compile("id=\"accept-(\\d+)\"").matcher(list);
    assertThat(accept.find()).isTrue();
    String target = accept.group(1);
    assertThat(admin.form(null, "/scans/targets/" + target + "/accept", Map.of()).statusCode())
        .isEqualTo(403);
    HttpResponse<String> accepted =
        admin.form(admin.csrf, "/scans/targets/" + target + "/accept", Map.of());
    assertThat(accepted.statusCode()).isEqualTo(303);
    String back = page(accepted.headers().firstValue("Location").orElseThrow());
    assertThat(back)
        .contains("class=\"flash\">Accepted discovered target " + target)
        .doesNotContain("id=\"accept-" + target + "\"");
    assertThat(
            JSON.readTree(admin.get("/api/v1/discovery/targets?accepted=true").body())
                .get("targets")
                .toString())
        .contains(LISTENER);
  }

  @Test
  void aScanMadeBeforeTheSkipReasonsWereKeptSaysSo() throws Exception {
    HttpResponse<String> r =
        appliance.admin("POST", "/api/v1/scans", "{\"targets\": [\"127.0.0.1\"]}");
    assertThat(r.statusCode()).isEqualTo(201);
    long id = JSON.readTree(r.body()).get("id").asLong();
    assertThat(page("/scans/" + id))
        .contains("<dd id=\"scan-skipped\">1</dd>")
        .contains("<dd id=\"scan-skipped-own\">1</dd>")
        .contains("<dd id=\"scan-skipped-excluded\">0</dd>");
    try (var c = appliance.database.dataSource().getConnection();
        var ps =
            c.prepareStatement(
                "UPDATE scans SET skipped_own = NULL, skipped_excluded = NULL WHERE id = ?")) {
      ps.setLong(1, id);
      assertThat(ps.executeUpdate()).isEqualTo(1);
    }
    assertThat(scan(id).get("skipped_own").isNull()).isTrue();
    assertThat(page("/scans/" + id))
        .contains("<dd id=\"scan-skipped\">1</dd>")
        .contains(
            "<dd id=\"scan-skipped-own\"><span class=\"hint\">not kept (a scan older than this count)</span></dd>");
  }

  @Test
  void aPostWithoutTheCsrfTokenIsRefusedAndStartsNoScan() throws Exception {
    int before = scanCount();
    HttpResponse<String> r = admin.form(null, "/scans", Map.of("targets", NOTHING));
    HttpResponse<String> forged =
        admin.form("forged" + admin.csrf, "/scans", Map.of("targets", NOTHING));
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(forged.statusCode()).isEqualTo(403);
    assertThat(scanCount()).isEqualTo(before);
  }

  @Test
  void aBadTargetIsShownOnTheScansPage() throws Exception {
    int before = scanCount();
    HttpResponse<String> r = admin.form(admin.csrf, "/scans", Map.of("targets", "<b>x</b>"));
    assertThat(r.statusCode()).isEqualTo(303);
    String location = r.headers().firstValue("Location").orElseThrow();
    assertThat(location).startsWith("/scans?err=");
    assertThat(page(location))
        .contains("<p class=\"flash error\">'&lt;b&gt;x&lt;/b&gt;' is neither an IPv4 address");
    assertThat(
            admin
                .form(admin.csrf, "/scans", Map.of("targets", "127.0.0.300"))
                .headers()
                .firstValue("Location")
                .orElseThrow())
        .contains("300+%3E+255");
    assertThat(scanCount()).isEqualTo(before);
  }

  @Test
  void aRunningScanIsCancelledFromItsPage() throws Exception {
    // 256 addresses at one operation per 10 ms across the network need over 7 s
    HttpResponse<String> r = admin.form(admin.csrf, "/scans", Map.of("targets", "127.3.0.0/24"));
    assertThat(r.statusCode()).isEqualTo(303);
    String path = r.headers().firstValue("Location").orElseThrow();
    long id = Long.parseLong(path.substring("/scans/".length()));
    String running = page(path);
    assertThat(running)
        .contains("data-status=\"running\"")
        .contains("id=\"scan-cancel\"")
        .contains("action=\"/scans/" + id + "/cancel\"");

    assertThat(admin.form(null, path + "/cancel", Map.of()).statusCode()).isEqualTo(403);
    assertThat(scan(id).get("status").asText()).isEqualTo("running");
    HttpResponse<String> cancel = admin.form(admin.csrf, path + "/cancel", Map.of());
    assertThat(cancel.statusCode()).isEqualTo(303);
    assertThat(cancel.headers().firstValue("Location").orElseThrow()).isEqualTo(path);

    JsonNode s = scan(id);
    assertThat(s.get("status").asText()).isEqualTo("cancelled");
    assertThat(s.get("cancelled").asInt()).isGreaterThan(100);
    assertThat(page(path))
        .contains("data-status=\"cancelled\"")
        .contains("cancelled after")
        .doesNotContain("id=\"scan-cancel\"");
  }

  @Test
  void theOperationsLogListsFiltersPagesAndExportsTheScansOperations() throws Exception {
    long id = finishedScan();
    int logged =
        JSON.readTree(admin.get("/api/v1/netops?scan_id=" + id).body()).get("operations").size();

    String all = page("/netops?scan_id=" + id);
    List<String[]> rows = rows(all);
    assertThat(rows).hasSize(logged).extracting(r -> r[1]).contains(LISTENER, NOTHING);
    assertThat(all)
        .contains("<a href=\"/scans/" + id + "\">" + id + "</a>")
        .contains("id=\"netops-filter\"");
    assertEscaped(all);

    List<String[]> one = rows(page("/netops?scan_id=" + id + "&destination=" + NOTHING));
    assertThat(one).isNotEmpty().hasSizeLessThan(rows.size()).allMatch(r -> r[1].equals(NOTHING));
    List<String[]> tcp = rows(page("/netops?scan_id=" + id + "&protocol=tcp"));
    assertThat(tcp).as("two ports on two addresses").hasSize(4).allMatch(r -> r[2].equals("tcp"));
    assertThat(page("/netops?scan_id=" + id + "&protocol=tcp"))
        .contains("<option value=\"tcp\" selected>");

    // from/to are datetime-local values in UTC
    assertThat(rows(page("/netops?scan_id=" + id + "&from=2000-01-01T00:00"))).hasSize(logged);
    assertThat(page("/netops?scan_id=" + id + "&from=2999-01-01T00:00:00"))
        .contains("id=\"netops-empty\"");

    // the CSV link has the same filters and gives the same rows
    String filtered = page("/netops?scan_id=" + id + "&destination=" + NOTHING);
    String csvHref = href(filtered, "netops-csv");
    assertThat(csvHref)
        .startsWith("/api/v1/netops?format=csv&scan_id=" + id + "&destination=" + NOTHING);
    HttpResponse<String> csv = admin.get(csvHref);
    assertThat(csv.statusCode()).isEqualTo(200);
    assertThat(csv.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/csv");
    List<String> lines = List.of(csv.body().split("\r\n"));
    assertThat(lines.getFirst()).startsWith("id,time,destination");
    assertThat(
            lines.subList(1, lines.size()).stream()
                .map(l -> l.substring(0, l.indexOf(',')))
                .toList())
        .containsExactlyElementsOf(rows(filtered).stream().map(r -> r[0]).toList());

    // paging by offset
    String first = page("/netops?scan_id=" + id + "&limit=2");
    assertThat(rows(first)).hasSize(2);
    assertThat(first).doesNotContain("id=\"netops-older\"");
    String second = page(href(first, "netops-newer"));
    assertThat(rows(second))
        .hasSize(2)
        .extracting(r -> r[0])
        .doesNotContainAnyElementsOf(rows(first).stream().map(r -> r[0]).toList());
    assertThat(href(second, "netops-older")).contains("offset=0");
  }

  @Test
  void badFiltersAreShownOnThePageNotAnError() {
    String html = page("/netops?scan_id=abc&from=yesterday&limit=0&protocol=%3Cb%3E");
    assertThat(html)
        .contains("id=\"netops-error\"")
        .contains("scan_id must be a whole number")
        .contains("from must be a date and time")
        .contains("limit must be a whole number from 1 to 10000")
        .contains("protocol must be one of")
        .contains("'&lt;b&gt;'")
        .doesNotContain("<b>")
        .doesNotContain("id=\"netops\"");
  }

  @Test
  void theManifestPageShowsTheFactsAndTheRulesToDownload() {
    String html = page("/netops/manifest");
    assertThat(html)
        .contains("id=\"manifest-facts\"")
        .contains("id=\"manifest-operations\"")
        .contains("id=\"manifest-iptables\"")
        .contains("id=\"manifest-nftables\"")
        .contains("id=\"manifest-netsh\"")
        .contains("id=\"manifest-suricata\"")
        .contains("id=\"manifest-snort-suppress\"")
        .contains("-A INPUT -s ")
        .contains("scanlogd port weight")
        .contains("on demand only")
        .contains("class=\"active\">Network operations");
    HttpResponse<String> rules = admin.get(href(html, "manifest-download-iptables"));
    assertThat(rules.statusCode()).isEqualTo(200);
    assertThat(rules.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/plain");
    assertThat(rules.body())
        .startsWith("# perfmetrics discovery")
        .contains("*filter")
        .contains("COMMIT");

    // rules for the address the network sees (documentation range: nothing is sent to it)
    String nat = page("/netops/manifest?source=192.0.2.10");
    assertThat(nat).contains("-A INPUT -s 192.0.2.10/32");
    assertThat(href(nat, "manifest-download-nftables"))
        .isEqualTo("/api/v1/netops/manifest?format=nftables&source=192.0.2.10");
    assertThat(admin.get(href(nat, "manifest-download-nftables")).body())
        .contains("ip saddr 192.0.2.10");
    assertThat(page("/netops/manifest?source=nope")).contains("id=\"manifest-error\"");
  }

  @Test
  void withoutASessionThePagesRedirectToLogin() {
    ConsoleClient anonymous = new ConsoleClient(appliance);
    for (String path :
        List.of("/scans", "/scans/1", "/netops", "/netops?scan_id=1", "/netops/manifest")) {
      HttpResponse<String> r = anonymous.get(path);
      assertThat(r.statusCode()).as(path).isEqualTo(302);
      assertThat(r.headers().firstValue("Location").orElseThrow()).startsWith("/login?next=");
    }
    HttpResponse<String> post = anonymous.form(null, "/scans", Map.of("targets", NOTHING));
    assertThat(post.statusCode()).isIn(302, 303);
    assertThat(post.headers().firstValue("Location").orElseThrow()).startsWith("/login");
  }
}
