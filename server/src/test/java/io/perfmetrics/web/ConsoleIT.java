package io.perfmetrics.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.perfmetrics.testing.ConsoleClient;
import io.perfmetrics.testing.TestAppliance;
import io.perfmetrics.testing.TestPostgres;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The console's security against the real appliance and database (issue 7). */
class ConsoleIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static TestPostgres postgres;
  TestAppliance appliance;

  @BeforeAll
  static void database() {
    postgres = new TestPostgres();
  }

  @AfterAll
  static void stopDatabase() {
    if (postgres != null) {
      postgres.close();
    }
  }

  @AfterEach
  void stop() {
    if (appliance != null) {
      appliance.close();
    }
  }

  TestAppliance appliance() {
    appliance = new TestAppliance(postgres.newDatabase());
    return appliance;
  }

  @Test
  void unauthenticatedAdminApiRequestsGet401AndPagesRedirectToLogin() {
    appliance();
    ConsoleClient anonymous = new ConsoleClient(appliance);
    for (String path :
        List.of(
            "/api/v1/targets",
            "/api/v1/credentials",
            "/api/v1/status",
            "/api/v1/collectors",
            "/api/v1/deployments/1",
            "/api/v1/collectors/1/samples")) {
      HttpResponse<String> r = anonymous.get(path);
      assertThat(r.statusCode()).as(path).isEqualTo(401);
      assertThat(r.body()).contains("\"error\":\"unauthorized\"");
    }
    assertThat(anonymous.json("POST", "/api/v1/targets", "{\"address\":\"x\"}", null).statusCode())
        .isEqualTo(401);
    for (String path :
        List.of(
            "/",
            "/targets",
            "/credentials",
            "/collectors",
            "/collectors/1",
            "/jobs/1",
            "/scans",
            "/sizing")) {
      HttpResponse<String> r = anonymous.get(path);
      assertThat(r.statusCode()).as(path).isEqualTo(302);
      assertThat(r.headers().firstValue("Location").orElseThrow()).startsWith("/login?next=");
    }
    HttpResponse<String> post = anonymous.form(null, "/targets", Map.of("address", "127.0.9.1"));
    assertThat(post.statusCode()).isIn(302, 303);
    assertThat(post.headers().firstValue("Location").orElseThrow()).startsWith("/login");
    assertThat(anonymous.get("/login").statusCode()).isEqualTo(200);
    assertThat(anonymous.get("/healthz").statusCode()).isEqualTo(200);
    assertThat(anonymous.get("/readyz").statusCode()).isEqualTo(200);
    assertThat(anonymous.get("/static/console.css").statusCode()).isEqualTo(200);
  }

  @Test
  void everyAdminRouteTheApplianceHasRefusesRequestsWithoutCredentials() {
    appliance();
    ConsoleClient anonymous = new ConsoleClient(appliance);
    List<String> routes = appliance.app.httpRoutes();
    // the list is the router's own, so a route added later is covered without editing this test
    assertThat(routes)
        .contains(
            "GET /api/v1/sizing",
            "POST /api/v1/scans",
            "GET /api/v1/netops",
            "POST /api/v1/deployments");
    int checked = 0;
    for (String route : routes) {
      String method = route.substring(0, route.indexOf(' '));
      String path = route.substring(route.indexOf(' ') + 1).replaceAll("\\{[^}]+}", "1");
      if (List.of("HEAD", "OPTIONS", "BEFORE", "AFTER", "BEFORE_MATCHED", "AFTER_MATCHED")
              .contains(method)
          || path.contains("*")) {
        continue;
      }
      boolean open =
          path.equals("/healthz")
              || path.equals("/readyz")
              || path.equals("/login")
              // the certificate to trust: public by design (docs/tls.md)
              || path.equals(io.perfmetrics.tls.TlsRoutes.CA_PEM)
              || path.equals("/api/v1/hello")
              || path.equals("/api/v1/metrics");
      if (open) {
        continue;
      }
      HttpResponse<String> r =
          method.equals("GET") ? anonymous.get(path) : anonymous.json(method, path, "{}", null);
      if (path.startsWith("/api/")) {
        assertThat(r.statusCode()).as(route).isEqualTo(401);
      } else {
        assertThat(r.statusCode()).as(route).isIn(302, 303, 401);
        if (r.statusCode() != 401) {
          assertThat(r.headers().firstValue("Location").orElseThrow())
              .as(route)
              .startsWith("/login");
        }
      }
      checked++;
    }
    assertThat(checked).isGreaterThan(40);
    // a collector token opens none of them
    var minted = appliance.app.collectors().mint("c", "manual", null, Duration.ofDays(1));
    for (String path :
        List.of(
            "/api/v1/sizing",
            "/api/v1/netops",
            "/api/v1/scans",
            "/api/v1/targets",
            "/api/v1/credentials")) {
      HttpResponse<String> r =
          appliance.send(
              HttpRequest.newBuilder(appliance.uri(path))
                  .header("Authorization", "Bearer " + minted.token())
                  .GET());
      assertThat(r.statusCode()).as(path).isEqualTo(401);
    }
  }

  @Test
  void loginSetsAStrictHttpOnlyCookieAndOpensThePages() {
    appliance();
    ConsoleClient c = new ConsoleClient(appliance);
    HttpResponse<String> wrong = c.login("admin", "not-the-password");
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(wrong.headers().firstValue("Set-Cookie")).isEmpty();

    HttpResponse<String> ok = c.login("admin", TestAppliance.ADMIN_PASSWORD);

    assertThat(ok.statusCode()).isEqualTo(303);
    String setCookie = ok.headers().firstValue("Set-Cookie").orElseThrow();
    assertThat(setCookie)
        .startsWith("pm_session=")
        .contains("HttpOnly")
        .contains("SameSite=Strict")
        .contains("Path=/")
        .as("https, the default (plain http without it: TlsIT)")
        .contains("; Secure");
    for (String path :
        List.of("/", "/targets", "/credentials", "/collectors", "/scans", "/netops", "/sizing")) {
      HttpResponse<String> r = c.get(path);
      assertThat(r.statusCode()).as(path).isEqualTo(200);
      assertThat(r.headers().firstValue("Content-Security-Policy").orElseThrow())
          .contains("default-src 'self'");
    }
    assertThat(c.get("/scans").body()).contains("id=\"scan-form\"");
    assertThat(c.get("/sizing").body())
        .contains("id=\"sizing-totals\"")
        .contains("id=\"sizing-csv\"");
    assertThat(c.get("/api/v1/targets").statusCode())
        .as("the console's scripts read the API with the session")
        .isEqualTo(200);
  }

  @Test
  void aFormPostWithTheSessionCookieButNoCsrfTokenIsRefused() throws Exception {
    appliance();
    ConsoleClient c = new ConsoleClient(appliance).loggedIn();

    HttpResponse<String> none =
        c.form(null, "/targets", Map.of("address", "127.9.9.9", "os_family", "unix"));
    HttpResponse<String> wrong =
        c.form("forged" + c.csrf, "/targets", Map.of("address", "127.9.9.9", "os_family", "unix"));
    HttpResponse<String> apiNone =
        c.json("POST", "/api/v1/targets", "{\"address\":\"127.9.9.8\"}", null);
    HttpResponse<String> logoutNone = c.form(null, "/logout", Map.of());

    assertThat(none.statusCode()).isEqualTo(403);
    assertThat(wrong.statusCode()).isEqualTo(403);
    assertThat(apiNone.statusCode()).isEqualTo(403);
    assertThat(logoutNone.statusCode()).isEqualTo(403);
    assertThat(JSON.readTree(appliance.admin("GET", "/api/v1/targets", null).body()).get("targets"))
        .isEmpty();

    HttpResponse<String> good =
        c.form(c.csrf, "/targets", Map.of("address", "127.9.9.9", "os_family", "unix"));
    assertThat(good.statusCode()).isEqualTo(303);
    assertThat(
            c.json("POST", "/api/v1/targets", "{\"address\":\"127.9.9.8\"}", c.csrf).statusCode())
        .isEqualTo(201);
    assertThat(JSON.readTree(appliance.admin("GET", "/api/v1/targets", null).body()).get("targets"))
        .hasSize(2);
  }

  @Test
  void bearerTokensNeedNoCsrfAndCollectorTokensOpenNothing() throws Exception {
    appliance();
    assertThat(
            appliance.admin("POST", "/api/v1/targets", "{\"address\":\"127.1.1.1\"}").statusCode())
        .isEqualTo(201);
    String collectorToken =
        JSON.readTree(appliance.admin("POST", "/api/v1/collectors", "{\"label\":\"c\"}").body())
            .get("token")
            .asText();

    for (String path : List.of("/api/v1/targets", "/api/v1/collectors", "/api/v1/status")) {
      assertThat(
              appliance
                  .send(
                      HttpRequest.newBuilder(appliance.uri(path))
                          .header("Authorization", "Bearer " + collectorToken))
                  .statusCode())
          .as(path)
          .isEqualTo(401);
    }
    // a collector token next to a valid console cookie still opens nothing: the bearer decides
    ConsoleClient c = new ConsoleClient(appliance).loggedIn();
    HttpResponse<String> mixed =
        appliance.send(
            HttpRequest.newBuilder(appliance.uri("/api/v1/targets"))
                .header("Authorization", "Bearer " + collectorToken)
                .header("Cookie", c.cookie));
    assertThat(mixed.statusCode()).isEqualTo(401);
    // and a collector token is no console password
    assertThat(new ConsoleClient(appliance).login("admin", collectorToken).statusCode())
        .isEqualTo(401);
  }

  @Test
  void failedLoginsAreRateLimitedPerUserWithRetryAfter() {
    appliance();
    ConsoleClient c = new ConsoleClient(appliance);
    for (int i = 0; i < 10; i++) {
      assertThat(c.login("admin", "wrong-" + i).statusCode()).isEqualTo(401);
    }

    HttpResponse<String> blocked = c.login("admin", TestAppliance.ADMIN_PASSWORD);

    assertThat(blocked.statusCode()).as("even the right password waits").isEqualTo(429);
    assertThat(Long.parseLong(blocked.headers().firstValue("Retry-After").orElseThrow()))
        .isBetween(1L, 900L);
    assertThat(blocked.headers().firstValue("Set-Cookie")).isEmpty();
    assertThat(blocked.body()).contains("Too many failed logins");

    appliance.clock.advance(Duration.ofMinutes(15));
    assertThat(c.login("admin", TestAppliance.ADMIN_PASSWORD).statusCode()).isEqualTo(303);
  }

  @Test
  void sessionsEndWhenIdleAndOnLogout() {
    appliance();
    ConsoleClient c = new ConsoleClient(appliance).loggedIn();
    appliance.clock.advance(Duration.ofMinutes(20));
    assertThat(c.get("/targets").statusCode()).as("used within the idle time").isEqualTo(200);
    appliance.clock.advance(Duration.ofMinutes(29));
    assertThat(c.get("/targets").statusCode()).as("last use 29 min ago").isEqualTo(200);
    appliance.clock.advance(Duration.ofMinutes(31));
    assertThat(c.get("/targets").statusCode()).as("idle for 31 min").isEqualTo(302);

    ConsoleClient d = new ConsoleClient(appliance).loggedIn();
    HttpResponse<String> out = d.form(d.csrf, "/logout", Map.of());
    assertThat(out.statusCode()).isEqualTo(303);
    assertThat(out.headers().firstValue("Set-Cookie").orElseThrow()).contains("Max-Age=0");
    assertThat(d.get("/targets").statusCode())
        .as("the old cookie is dead after logout")
        .isEqualTo(302);
    assertThat(d.get("/api/v1/targets").statusCode()).isEqualTo(401);
  }

  @Test
  void sessionsEndAtTheirAbsoluteExpiryEvenWhenUsed() {
    appliance();
    ConsoleClient c = new ConsoleClient(appliance).loggedIn();
    for (int i = 0; i < 24; i++) {
      appliance.clock.advance(Duration.ofMinutes(29));
      assertThat(c.get("/").statusCode()).isEqualTo(200);
    }
    appliance.clock.advance(Duration.ofMinutes(29));
    assertThat(c.get("/").statusCode()).as("12 h 5 min after login").isEqualTo(302);
  }

  @Test
  void secretsNeverAppearInAnyPageOrApiAnswer() throws Exception {
    appliance();
    String password = "Pa55-known-" + System.nanoTime();
    String keySecret = "KEYMATERIAL" + System.nanoTime();
    String passphrase = "phrase-" + System.nanoTime();
    ConsoleClient c = new ConsoleClient(appliance).loggedIn();
    assertThat(
            c.form(
                    c.csrf,
                    "/credentials",
                    Map.of(
                        "name",
                        "ops",
                        "kind",
                        "ssh_password",
                        "username",
                        "ops",
                        "password",
                        password))
                .statusCode())
        .isEqualTo(303);
    assertThat(
            c.form(
                    c.csrf,
                    "/credentials",
                    Map.of(
                        "name",
                        "key",
                        "kind",
                        "ssh_key",
                        "username",
                        "ops",
                        "private_key",
                        "-----BEGIN OPENSSH PRIVATE KEY-----\n"
                            + keySecret
                            + "\n-----END OPENSSH PRIVATE KEY-----\n",
                        "passphrase",
                        passphrase))
                .statusCode())
        .isEqualTo(303);
    long cred =
        JSON.readTree(appliance.admin("GET", "/api/v1/credentials", null).body())
            .get("credentials")
            .get(0)
            .get("id")
            .asLong();
    // a target on a closed port: the deploy fails fast and its job page and status have something
    // to show
    HttpResponse<String> added =
        c.form(
            c.csrf,
            "/targets",
            Map.of(
                "address",
                "127.0.0.1",
                "port",
                String.valueOf(TestPostgres.freePort()),
                "os_family",
                "unix",
                "credential_id",
                String.valueOf(cred)));
    assertThat(added.statusCode()).isEqualTo(303);
    HttpResponse<String> deploy = c.form(c.csrf, "/targets-all/deploy", Map.of());
    assertThat(deploy.statusCode()).isEqualTo(303);
    String job = deploy.headers().firstValue("Location").orElseThrow();
    assertThat(job).startsWith("/jobs/");
    awaitJob(c, job.substring("/jobs/".length()));
    appliance.admin("POST", "/api/v1/collectors", "{\"label\":\"manual\"}");
    appliance.admin(
        "POST", "/api/v1/targets", "{\"address\":\"127.2.2.2\",\"credential_id\":" + cred + "}");
    assertThat(c.form(c.csrf, "/targets/import", Map.of()).statusCode()).isEqualTo(303);

    List<String> served = new ArrayList<>();
    for (String path :
        List.of(
            "/",
            "/targets",
            "/credentials",
            "/collectors",
            "/collectors/1",
            job,
            "/scans",
            "/netops",
            "/sizing",
            "/targets?err=x",
            "/api/v1/credentials",
            "/api/v1/targets",
            "/api/v1/status",
            "/api/v1/collectors",
            "/api/v1/collectors/1",
            "/api/v1/deployments/" + job.substring(6),
            "/api/v1/targets/1/status")) {
      HttpResponse<String> r = c.get(path);
      assertThat(r.statusCode()).as(path).isEqualTo(200);
      served.add(path + "\n" + r.headers().map() + "\n" + r.body());
    }
    for (String path :
        List.of("/api/v1/credentials", "/api/v1/targets", "/api/v1/status", "/api/v1/collectors")) {
      served.add(appliance.admin("GET", path, null).body());
    }
    served.add(new ConsoleClient(appliance).get("/login").body());
    assertThat(served)
        .allSatisfy(
            page ->
                assertThat(page)
                    .doesNotContain(password)
                    .doesNotContain(keySecret)
                    .doesNotContain(passphrase)
                    .doesNotContain(TestAppliance.ADMIN_PASSWORD)
                    .doesNotContain(TestAppliance.ADMIN_TOKEN));
    assertThat(String.join("\n", served)).contains("ops").contains("with passphrase");
  }

  @Test
  void importingTargetsFromCsvAddsTheGoodLinesAndNamesTheBadOnes() throws Exception {
    appliance();
    ConsoleClient c = new ConsoleClient(appliance).loggedIn();
    c.form(
        c.csrf,
        "/credentials",
        Map.of("name", "ops", "kind", "ssh_password", "username", "ops", "password", "pw-123456"));

    HttpResponse<String> r =
        c.form(
            c.csrf,
            "/targets/import",
            Map.of(
                "csv",
                "address,port,os_family,credential\nweb1.example.com,22,unix,ops\n127.0.0.7,,windows,\nbad host,22\nweb2,22,unix,nobody\n"));

    assertThat(r.statusCode()).isEqualTo(303);
    String back =
        java.net.URLDecoder.decode(
            r.headers().firstValue("Location").orElseThrow(),
            java.nio.charset.StandardCharsets.UTF_8);
    assertThat(back)
        .contains("Imported 2 target(s); 2 line(s) refused")
        .contains("line 4")
        .contains("line 5: no credential named 'nobody'");
    var targets =
        JSON.readTree(appliance.admin("GET", "/api/v1/targets", null).body()).get("targets");
    assertThat(targets).hasSize(2);
    assertThat(targets.get(0).get("credential_id").asLong()).isPositive();
    assertThat(targets.get(1).get("os_family").asText()).isEqualTo("windows");
  }

  @Test
  void aCsvFileUploadCarriesItsCsrfTokenInTheMultipartForm() throws Exception {
    appliance();
    ConsoleClient c = new ConsoleClient(appliance).loggedIn();
    String boundary = "----pm" + System.nanoTime();
    java.util.function.Function<String, String> body =
        token ->
            (token == null
                    ? ""
                    : "--"
                        + boundary
                        + "\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n"
                        + token
                        + "\r\n")
                + "--"
                + boundary
                + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"t.csv\"\r\n"
                + "Content-Type: text/csv\r\n\r\naddress,port\n127.4.4.4,22\n127.4.4.5,2222\n\r\n--"
                + boundary
                + "--\r\n";
    java.util.function.Function<String, HttpResponse<String>> upload =
        token ->
            appliance.send(
                HttpRequest.newBuilder(appliance.uri("/targets/import"))
                    .header("Cookie", c.cookie)
                    .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                    .POST(HttpRequest.BodyPublishers.ofString(body.apply(token))));

    assertThat(upload.apply(null).statusCode()).isEqualTo(403);
    HttpResponse<String> ok = upload.apply(c.csrf);

    assertThat(ok.statusCode()).isEqualTo(303);
    assertThat(ok.headers().firstValue("Location").orElseThrow()).contains("Imported+2+target");
    assertThat(JSON.readTree(appliance.admin("GET", "/api/v1/targets", null).body()).get("targets"))
        .hasSize(2);
  }

  @Test
  void removingATargetWithAnActiveCollectorIsRefusedAndSaysHowToGoOn() throws Exception {
    appliance();
    long target =
        JSON.readTree(
                appliance.admin("POST", "/api/v1/targets", "{\"address\":\"127.3.3.4\"}").body())
            .get("id")
            .asLong();
    var collector =
        appliance.app.collectors().mint("web1", "sh", target, java.time.Duration.ofDays(14));
    ConsoleClient c = new ConsoleClient(appliance).loggedIn();

    HttpResponse<String> refused = c.form(c.csrf, "/targets/" + target + "/delete", Map.of());

    assertThat(refused.statusCode()).isEqualTo(303);
    assertThat(
            java.net.URLDecoder.decode(
                refused.headers().firstValue("Location").orElseThrow(),
                java.nio.charset.StandardCharsets.UTF_8))
        .contains("err=Target " + target + " still has collector " + collector.id())
        .contains(
            "undeploy it first, which stops the collector and removes its folder (the Undeploy button)")
        .contains("the Retire button on its page: Collectors, " + collector.id() + ")");
    assertThat(appliance.admin("GET", "/api/v1/targets/" + target, null).statusCode())
        .isEqualTo(200);

    // its host gone, the collector is retired on its page; then it no longer holds the target
    assertThat(c.get("/collectors/" + collector.id()).body())
        .contains("action=\"/collectors/" + collector.id() + "/retire\"");
    HttpResponse<String> retired =
        c.form(c.csrf, "/collectors/" + collector.id() + "/retire", Map.of());
    assertThat(
            java.net.URLDecoder.decode(
                retired.headers().firstValue("Location").orElseThrow(),
                java.nio.charset.StandardCharsets.UTF_8))
        .contains("msg=Collector " + collector.id() + " retired");
    assertThat(appliance.app.collectors().find(collector.id()).orElseThrow().status())
        .isEqualTo("retired");
    assertThat(c.get("/collectors/" + collector.id()).body()).doesNotContain("/retire\"");
    HttpResponse<String> removed = c.form(c.csrf, "/targets/" + target + "/delete", Map.of());
    assertThat(
            java.net.URLDecoder.decode(
                removed.headers().firstValue("Location").orElseThrow(),
                java.nio.charset.StandardCharsets.UTF_8))
        .contains("msg=Target removed.");
    assertThat(appliance.admin("GET", "/api/v1/targets/" + target, null).statusCode())
        .isEqualTo(404);
  }

  @Test
  void theOverviewCountsTargetsByStatusAndSamplesArriving() throws Exception {
    appliance();
    String token =
        JSON.readTree(
                appliance
                    .admin(
                        "POST", "/api/v1/collectors", "{\"label\":\"soon\",\"ttl_seconds\":3600}")
                    .body())
            .get("token")
            .asText();
    long now = appliance.clock.instant().getEpochSecond();
    StringBuilder lines = new StringBuilder();
    for (int i = 0; i < 30; i++) {
      lines.append(now - 60L * i).append(",cpu.busy_pct,").append(i).append('\n');
    }
    assertThat(
            appliance.post("/api/v1/metrics", token, "text/plain", lines.toString()).statusCode())
        .isEqualTo(204);
    appliance.admin("POST", "/api/v1/targets", "{\"address\":\"127.3.3.3\"}");
    ConsoleClient c = new ConsoleClient(appliance).loggedIn();

    String page = c.get("/").body();

    assertThat(number(page, "count-never_deployed")).isEqualTo("1");
    assertThat(number(page, "count-running")).isEqualTo("0");
    assertThat(number(page, "samples-rate"))
        .as("15 samples in the last 15 minutes")
        .isEqualTo("1.0");
    assertThat(page).contains("id=\"expiring\"").contains("soon");
  }

  @Test
  void theFirstStartGeneratesTheAdminPasswordOnceAndTheEnvironmentResetsIt() throws Exception {
    try (var db = io.perfmetrics.store.Database.connect(postgres.newDatabase(), null, null)) {
      db.migrate();
      AdminUsers users = new AdminUsers(db.dataSource(), new PasswordHasher());

      var generated = users.ensureFirstAdmin(null);

      assertThat(generated).isPresent();
      assertThat(users.ensureFirstAdmin(null)).as("shown only once").isEmpty();
      assertThat(users.authenticate("admin", generated.get())).isPresent();
      assertThat(users.authenticate("nobody", generated.get())).isEmpty();
      users.ensureFirstAdmin(new io.perfmetrics.config.Secret("reset-by-the-environment"));
      assertThat(users.authenticate("admin", generated.get())).isEmpty();
      assertThat(users.authenticate("admin", "reset-by-the-environment")).isPresent();
      try (var c = db.dataSource().getConnection();
          var rs = c.createStatement().executeQuery("SELECT password_hash FROM admin_users")) {
        rs.next();
        assertThat(rs.getString(1))
            .startsWith("pbkdf2-sha256$600000$")
            .doesNotContain("reset-by-the-environment");
      }
    }
  }

  static String number(String page, String id) {
    Matcher m =
        Pattern.compile("id=\"" + id + "\"><span class=\"num\">([^<]+)</span>").matcher(page);
    assertThat(m.find()).as(id + " in the page").isTrue();
    return m.group(1);
  }

  static void awaitJob(ConsoleClient c, String id) throws Exception {
    for (int i = 0; i < 300; i++) {
      var j = JSON.readTree(c.get("/api/v1/deployments/" + id).body());
      if (!j.get("state").asText().equals("running")) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("job " + id + " still running after 30 s");
  }
}
