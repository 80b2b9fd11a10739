package io.perfmetrics.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.perfmetrics.testing.ApiSchemas;
import io.perfmetrics.testing.ApplianceOnPostgres;
import io.perfmetrics.testing.ConsoleClient;
import io.perfmetrics.testing.TestPostgres;
import io.perfmetrics.tls.TlsRoutes;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Issue 16: the OpenAPI document describes every /api/v1 route the router has, is valid OpenAPI
 * 3.1, is served with admin authentication and browsable in the console, and every route's real
 * answers match its schemas.
 */
class OpenApiIT extends ApplianceOnPostgres {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String DOCUMENT_FILE = "server/src/main/resources/openapi/openapi.json";
  static final Set<String> HTTP_METHODS = Set.of("GET", "POST", "PUT", "PATCH", "DELETE");
  final ApiSchemas api = new ApiSchemas();

  /** The router's own /api/v1 routes, as "METHOD /path/{param}". */
  static Set<String> servedApiRoutes() {
    Set<String> routes = new TreeSet<>();
    for (String r : appliance.app.httpRoutes()) {
      String method = r.substring(0, r.indexOf(' '));
      String path = r.substring(r.indexOf(' ') + 1);
      // the API, and the one route outside it the document describes (anonymous, for browsers)
      if (HTTP_METHODS.contains(method)
          && (path.startsWith("/api/v1/") || path.equals(TlsRoutes.CA_PEM))) {
        routes.add(r);
      }
    }
    return routes;
  }

  @Test
  void theDocumentDescribesEveryApiRouteTheApplianceServes() {
    Set<String> served = servedApiRoutes();
    assertThat(served)
        .contains("POST /api/v1/metrics", "GET /api/v1/sizing/{host}", "GET /api/v1/openapi.json");

    Set<String> missing = new TreeSet<>(served);
    missing.removeAll(api.operations());
    assertThat(missing)
        .as(
            "routes the appliance serves that %s does not describe; add each under \"paths\"",
            DOCUMENT_FILE)
        .isEmpty();
    Set<String> stale = new TreeSet<>(api.operations());
    stale.removeAll(served);
    assertThat(stale)
        .as("operations in %s that the appliance does not serve", DOCUMENT_FILE)
        .isEmpty();
  }

  @Test
  void theDocumentIsValidOpenApi31() {
    String text = api.document().toString();
    ParseOptions options = new ParseOptions();
    options.setResolve(true);
    SwaggerParseResult parsed = new OpenAPIV3Parser().readContents(text, null, options);

    assertThat(parsed.getMessages()).as("swagger-parser's findings").isEmpty();
    assertThat(parsed.getOpenAPI().getOpenapi()).isEqualTo("3.1.0");
    assertThat(parsed.getOpenAPI().getPaths()).hasSize(api.document().get("paths").size());
  }

  @Test
  void aBrokenDocumentOrAWrongAnswerIsCaught() {
    // the checks above and below can fail: a document that is not OpenAPI, and a wrong answer
    SwaggerParseResult broken =
        new OpenAPIV3Parser()
            .readContents(
                "{\"openapi\":\"3.1.0\",\"paths\":{\"/x\":{\"get\":{\"responses\":{\"200\":{\"content\":7}}}}}}",
                null,
                new ParseOptions());
    assertThat(broken.getMessages()).isNotEmpty();
    assertThat(
            api.problems(
                "GET /api/v1/collectors/{id}", 200, "application/json", "{\"id\":\"seven\"}"))
        .isNotEmpty();
    assertThat(api.problems("GET /api/v1/collectors/{id}", 418, "application/json", "{}"))
        .isNotEmpty();
    assertThat(api.problems("DELETE /api/v1/collectors/{id}", 204, "", "")).isEmpty();
  }

  @Test
  void theDocumentIsServedToAdminsOnly() throws Exception {
    HttpResponse<String> anonymous =
        appliance.send(HttpRequest.newBuilder(appliance.uri(ApiDocs.DOCUMENT)).GET());
    assertThat(anonymous.statusCode()).isEqualTo(401);
    HttpResponse<String> served =
        api.check("GET /api/v1/openapi.json", appliance.admin("GET", ApiDocs.DOCUMENT, null));
    assertThat(JSON.readTree(served.body())).isEqualTo(api.document());
  }

  @Test
  void theConsoleBrowsesItWithSwaggerUiFromItsWebjar() {
    ConsoleClient console = new ConsoleClient(appliance).loggedIn();
    HttpResponse<String> page = console.get(ApiDocs.PAGE);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body())
        .contains(
            "id=\"swagger-ui\"",
            ApiDocs.SWAGGER_UI + "/swagger-ui-bundle.js",
            "/static/api-docs.js",
            "href=\"" + ApiDocs.PAGE + "\"");
    for (String asset :
        List.of(
            ApiDocs.SWAGGER_UI + "/swagger-ui-bundle.js",
            ApiDocs.SWAGGER_UI + "/swagger-ui.css",
            "/static/api-docs.js")) {
      assertThat(console.get(asset).statusCode()).as(asset).isEqualTo(200);
    }
    // the page's session reads the document too (Swagger UI fetches it with the cookie)
    assertThat(console.get(ApiDocs.DOCUMENT).statusCode()).isEqualTo(200);
  }

  HttpResponse<String> admin(String route, String path, String body) {
    return api.check(route, appliance.admin(route.substring(0, route.indexOf(' ')), path, body));
  }

  @Test
  void everyRouteAnswersAsTheDocumentSays() throws Exception {
    // collectors and the collector protocol
    JsonNode minted =
        JSON.readTree(
            admin("POST /api/v1/collectors", "/api/v1/collectors", "{\"label\":\"web1\"}").body());
    int id = minted.get("id").asInt();
    String token = minted.get("token").asText();
    admin("POST /api/v1/collectors", "/api/v1/collectors", "{\"ttl_days\":0}");
    long t = appliance.clock.instant().getEpochSecond() - 120;
    api.check(
        "POST /api/v1/metrics",
        appliance.post("/api/v1/metrics", token, "text/plain", t + ",cpu.busy_pct,12.5\n"));
    api.check(
        "POST /api/v1/metrics",
        appliance.post("/api/v1/metrics", token, "text/plain", "garbage\n"));
    api.check(
        "POST /api/v1/metrics", appliance.post("/api/v1/metrics", "pm1.1.nope", "text/plain", ""));
    api.check(
        "POST /api/v1/hello",
        appliance.post(
            "/api/v1/hello",
            token,
            "application/json",
            "{\"hostname\":\"web1\",\"os\":{\"family\":\"linux\"},\"cpu\":{\"count\":2},\"memory_bytes\":1073741824,\"cloud\":null}"));
    api.check(
        "POST /api/v1/hello", appliance.post("/api/v1/hello", token, "application/json", "{}"));
    admin("GET /api/v1/collectors", "/api/v1/collectors", null);
    admin("GET /api/v1/collectors/{id}", "/api/v1/collectors/" + id, null);
    admin("GET /api/v1/collectors/{id}", "/api/v1/collectors/x", null);
    admin("GET /api/v1/collectors/{id}", "/api/v1/collectors/999999", null);
    admin(
        "GET /api/v1/collectors/{id}/samples",
        "/api/v1/collectors/" + id + "/samples?metric=cpu.busy_pct",
        null);
    admin(
        "GET /api/v1/collectors/{id}/samples",
        "/api/v1/collectors/" + id + "/samples?limit=0",
        null);

    // targets and credentials
    JsonNode cred =
        JSON.readTree(
            admin(
                    "POST /api/v1/credentials",
                    "/api/v1/credentials",
                    "{\"name\":\"ops\",\"kind\":\"ssh_password\",\"username\":\"ops\",\"password\":\"secret-123\"}")
                .body());
    admin(
        "POST /api/v1/credentials",
        "/api/v1/credentials",
        "{\"name\":\"bad\",\"kind\":\"telnet\"}");
    admin("GET /api/v1/credentials", "/api/v1/credentials", null);
    // a loopback port nobody listens on: the deploy fails fast, as a documented result
    int closedPort = TestPostgres.freePort();
    JsonNode target =
        JSON.readTree(
            admin(
                    "POST /api/v1/targets",
                    "/api/v1/targets",
                    "{\"address\":\"127.0.0.1\",\"port\":"
                        + closedPort
                        + ",\"credential_id\":"
                        + cred.get("id").asLong()
                        + "}")
                .body());
    long targetId = target.get("id").asLong();
    admin("POST /api/v1/targets", "/api/v1/targets", "{\"port\":22}");
    admin("GET /api/v1/targets", "/api/v1/targets", null);
    admin("GET /api/v1/targets/{id}", "/api/v1/targets/" + targetId, null);
    admin("GET /api/v1/targets/{id}", "/api/v1/targets/999999", null);

    // deploy jobs and statuses
    JsonNode job =
        JSON.readTree(
            admin(
                    "POST /api/v1/deployments",
                    "/api/v1/deployments",
                    "{\"action\":\"deploy\",\"target_ids\":[" + targetId + "]}")
                .body());
    admin("POST /api/v1/deployments", "/api/v1/deployments", "{\"action\":\"dance\"}");
    waitForJob("/api/v1/deployments/" + job.get("id").asLong());
    admin("GET /api/v1/deployments/{id}", "/api/v1/deployments/" + job.get("id").asLong(), null);
    admin("GET /api/v1/deployments/{id}", "/api/v1/deployments/999999", null);
    admin(
        "POST /api/v1/deployments/{id}/cancel",
        "/api/v1/deployments/" + job.get("id").asLong() + "/cancel",
        null);
    // a preflight: its hosts carry the checks it made (the closed port fails the first, skips the
    // rest)
    JsonNode check =
        JSON.readTree(
            admin(
                    "POST /api/v1/deployments",
                    "/api/v1/deployments",
                    "{\"action\":\"check\",\"target_ids\":[" + targetId + "]}")
                .body());
    assertThat(check.get("kind").asText()).isEqualTo("check");
    waitForJob("/api/v1/deployments/" + check.get("id").asLong());
    JsonNode checked =
        JSON.readTree(
            admin(
                    "GET /api/v1/deployments/{id}",
                    "/api/v1/deployments/" + check.get("id").asLong(),
                    null)
                .body());
    assertThat(checked.get("hosts").get(0).get("checks").isArray())
        .as("a preflight's checks: %s", checked)
        .isTrue();
    JsonNode rescan =
        JSON.readTree(
            admin("POST /api/v1/rescans", "/api/v1/rescans", "{\"target_ids\":[" + targetId + "]}")
                .body());
    waitForJob("/api/v1/rescans/" + rescan.get("id").asLong());
    admin("GET /api/v1/rescans/{id}", "/api/v1/rescans/" + rescan.get("id").asLong(), null);
    admin(
        "POST /api/v1/rescans/{id}/cancel",
        "/api/v1/rescans/" + rescan.get("id").asLong() + "/cancel",
        null);
    admin("GET /api/v1/targets/{id}/status", "/api/v1/targets/" + targetId + "/status", null);
    admin("GET /api/v1/status", "/api/v1/status", null);
    admin(
        "POST /api/v1/targets/{id}/host-key/accept",
        "/api/v1/targets/" + targetId + "/host-key/accept",
        null);

    // discovery
    JsonNode scan =
        JSON.readTree(
            admin("POST /api/v1/scans", "/api/v1/scans", "{\"targets\":[\"127.0.0.5\"]}").body());
    long scanId = scan.get("id").asLong();
    admin("POST /api/v1/scans", "/api/v1/scans", "{\"targets\":[\"not a range!\"]}");
    admin("GET /api/v1/scans", "/api/v1/scans", null);
    admin("GET /api/v1/scans/{id}", "/api/v1/scans/" + scanId, null);
    admin("GET /api/v1/scans/{id}/hosts", "/api/v1/scans/" + scanId + "/hosts", null);
    admin("POST /api/v1/scans/{id}/cancel", "/api/v1/scans/" + scanId + "/cancel", null);
    admin("DELETE /api/v1/scans/{id}", "/api/v1/scans/" + scanId, null);
    admin("GET /api/v1/discovery/targets", "/api/v1/discovery/targets", null);
    admin(
        "POST /api/v1/discovery/targets/{id}/accept",
        "/api/v1/discovery/targets/999999/accept",
        null);
    admin("GET /api/v1/netops", "/api/v1/netops?limit=5", null);
    admin("GET /api/v1/netops", "/api/v1/netops?format=csv", null);
    admin("GET /api/v1/netops/manifest", "/api/v1/netops/manifest", null);
    admin("GET /api/v1/netops/manifest", "/api/v1/netops/manifest?format=iptables", null);

    // sizing
    admin("GET /api/v1/sizing", "/api/v1/sizing", null);
    admin("GET /api/v1/sizing", "/api/v1/sizing?format=csv", null);
    admin("GET /api/v1/sizing", "/api/v1/sizing?percentile=0", null);
    admin("GET /api/v1/sizing/{host}", "/api/v1/sizing/" + id, null);
    admin("GET /api/v1/sizing/{host}", "/api/v1/sizing/no-such-host", null);
    admin("GET /api/v1/openapi.json", "/api/v1/openapi.json", null);

    // socket snapshots and the port audit
    String snapshot =
        t
            + ",snapshot,proc,2,1,0\n"
            + t
            + ",listen,tcp,0.0.0.0,23,root,telnetd,\n"
            + t
            + ",listen,tcp,127.0.0.1,5432,postgres,postgres,\n"
            + t
            + ",conn,in,tcp,192.0.2.5,23,192.0.2.9,0,root,telnetd,,2\n";
    api.check(
        "POST /api/v1/sockets", appliance.post("/api/v1/sockets", token, "text/plain", snapshot));
    api.check(
        "POST /api/v1/sockets", appliance.post("/api/v1/sockets", token, "text/plain", snapshot));
    api.check(
        "POST /api/v1/sockets",
        appliance.post(
            "/api/v1/sockets", token, "text/plain", t + ",listen,tcp,999.0.0.1,22,root,sshd,\n"));
    api.check(
        "POST /api/v1/sockets",
        appliance.post("/api/v1/sockets", "pm1.1.nope", "text/plain", snapshot));
    api.check(
        "POST /api/v1/sockets",
        appliance.post("/api/v1/sockets", token, "text/plain", "x".repeat(1024 * 1024 + 1)));
    JsonNode fleet = JSON.readTree(admin("GET /api/v1/ports", "/api/v1/ports", null).body());
    assertThat(fleet.get("total").asInt()).as("listeners of %s", fleet).isEqualTo(2);
    admin("GET /api/v1/ports", "/api/v1/ports?finding=risky_service&limit=1", null);
    admin("GET /api/v1/ports", "/api/v1/ports?format=csv", null);
    admin("GET /api/v1/ports", "/api/v1/ports?severity=urgent", null);
    admin("GET /api/v1/ports/{host}", "/api/v1/ports/" + id, null);
    admin("GET /api/v1/ports/{host}", "/api/v1/ports/web1?format=csv", null);
    admin("GET /api/v1/ports/{host}", "/api/v1/ports/" + id + "?format=xml", null);
    admin("GET /api/v1/ports/{host}", "/api/v1/ports/no-such-host", null);

    // the port policy
    JsonNode rule =
        JSON.readTree(
            admin(
                    "POST /api/v1/port-policy/rules",
                    "/api/v1/port-policy/rules",
                    "{\"action\":\"deny\",\"proto\":\"tcp\",\"ports\":\"23\",\"severity\":\"medium\",\"note\":\"no telnet\"}")
                .body());
    admin(
        "POST /api/v1/port-policy/rules",
        "/api/v1/port-policy/rules",
        "{\"action\":\"allow\",\"ports\":5432,\"host\":\"web*\",\"position\":1}");
    admin("POST /api/v1/port-policy/rules", "/api/v1/port-policy/rules", "{\"action\":\"maybe\"}");
    admin(
        "PUT /api/v1/port-policy/rules/{id}",
        "/api/v1/port-policy/rules/" + rule.get("id").asLong(),
        "{\"action\":\"deny\",\"ports\":\"23-24\",\"os_family\":\"unix\",\"note\":\"no telnet\"}");
    admin(
        "PUT /api/v1/port-policy/rules/{id}",
        "/api/v1/port-policy/rules/" + rule.get("id").asLong(),
        "{\"action\":\"deny\",\"ports\":\"70000\"}");
    admin(
        "PUT /api/v1/port-policy/rules/{id}",
        "/api/v1/port-policy/rules/999999",
        "{\"action\":\"deny\"}");
    JsonNode audited =
        JSON.readTree(admin("GET /api/v1/ports/{host}", "/api/v1/ports/" + id, null).body());
    assertThat(audited.get("listeners").findValuesAsText("policy"))
        .as("%s", audited)
        .contains("allow", "deny");
    String exported = admin("GET /api/v1/port-policy", "/api/v1/port-policy", null).body();
    JsonNode imported =
        JSON.readTree(admin("PUT /api/v1/port-policy", "/api/v1/port-policy", exported).body());
    assertThat(imported.get("rules")).hasSize(JSON.readTree(exported).get("rules").size());
    admin("PUT /api/v1/port-policy", "/api/v1/port-policy", "{\"rules\":[]}");
    admin(
        "DELETE /api/v1/port-policy/rules/{id}",
        "/api/v1/port-policy/rules/" + imported.get("rules").get(0).get("id").asLong(),
        null);
    admin("DELETE /api/v1/port-policy/rules/{id}", "/api/v1/port-policy/rules/999999", null);
    admin("DELETE /api/v1/port-policy/rules/{id}", "/api/v1/port-policy/rules/x", null);
    admin(
        "GET /api/v1/ports", "/api/v1/ports?host=web1&port=23&process=telnet&severity=high", null);

    // the dependency map and move groups (issue 12)
    int other =
        JSON.readTree(
                admin("POST /api/v1/collectors", "/api/v1/collectors", "{\"label\":\"db1\"}")
                    .body())
            .get("id")
            .asInt();
    admin("GET /api/v1/dependencies", "/api/v1/dependencies", null);
    admin(
        "GET /api/v1/dependencies",
        "/api/v1/dependencies?host=web1&port=443&include_infrastructure=false&format=csv",
        null);
    admin("GET /api/v1/dependencies", "/api/v1/dependencies?window_days=401", null);
    JsonNode groups =
        JSON.readTree(
            admin("GET /api/v1/groups", "/api/v1/groups?provider=aws&region=us-east-1", null)
                .body());
    admin("GET /api/v1/groups", "/api/v1/groups?min_hours=2&format=csv", null);
    admin("GET /api/v1/groups", "/api/v1/groups?include_infrastructure=perhaps", null);
    admin(
        "GET /api/v1/groups/{id}",
        "/api/v1/groups/" + groups.get("groups").get(0).get("id").asText(),
        null);
    admin("GET /api/v1/groups/{id}", "/api/v1/groups/g999999", null);
    admin(
        "PUT /api/v1/dependency-pins/{host}",
        "/api/v1/dependency-pins/" + id,
        "{\"group\":\"wave 1\",\"note\":\"front end\"}");
    admin("PUT /api/v1/dependency-pins/{host}", "/api/v1/dependency-pins/" + id, "{}");
    admin("GET /api/v1/dependency-pins", "/api/v1/dependency-pins", null);
    admin("GET /api/v1/groups/{id}", "/api/v1/groups/pin:wave%201", null);
    admin("DELETE /api/v1/dependency-pins/{host}", "/api/v1/dependency-pins/" + id, null);
    admin("DELETE /api/v1/dependency-pins/{host}", "/api/v1/dependency-pins/" + id, null);
    JsonNode excl =
        JSON.readTree(
            admin(
                    "POST /api/v1/dependency-exclusions",
                    "/api/v1/dependency-exclusions",
                    "{\"client\":" + id + ",\"server\":\"db1\",\"port\":5432,\"note\":\"copy\"}")
                .body());
    admin(
        "POST /api/v1/dependency-exclusions",
        "/api/v1/dependency-exclusions",
        "{\"client\":" + id + ",\"server\":" + id + "}");
    admin("GET /api/v1/dependency-exclusions", "/api/v1/dependency-exclusions", null);
    admin(
        "DELETE /api/v1/dependency-exclusions/{id}",
        "/api/v1/dependency-exclusions/" + excl.get("id").asLong(),
        null);
    admin(
        "DELETE /api/v1/dependency-exclusions/{id}", "/api/v1/dependency-exclusions/999999", null);
    JsonNode infra =
        JSON.readTree(
            admin(
                    "POST /api/v1/dependency-infrastructure",
                    "/api/v1/dependency-infrastructure",
                    "{\"kind\":\"address\",\"address\":\"192.0.2.77/24\",\"label\":\"backup\"}")
                .body());
    assertThat(infra.get("address").asText()).isEqualTo("192.0.2.0/24");
    admin(
        "POST /api/v1/dependency-infrastructure",
        "/api/v1/dependency-infrastructure",
        "{\"kind\":\"port\",\"port\":9100,\"proto\":\"tcp\",\"label\":\"node exporter\"}");
    admin(
        "POST /api/v1/dependency-infrastructure",
        "/api/v1/dependency-infrastructure",
        "{\"kind\":\"host\",\"host\":" + other + ",\"label\":\"monitoring\"}");
    admin(
        "POST /api/v1/dependency-infrastructure",
        "/api/v1/dependency-infrastructure",
        "{\"kind\":\"address\",\"address\":\"backup.example\",\"label\":\"x\"}");
    admin("GET /api/v1/dependency-infrastructure", "/api/v1/dependency-infrastructure", null);
    admin(
        "DELETE /api/v1/dependency-infrastructure/{id}",
        "/api/v1/dependency-infrastructure/" + infra.get("id").asLong(),
        null);
    admin(
        "DELETE /api/v1/dependency-infrastructure/{id}",
        "/api/v1/dependency-infrastructure/999999",
        null);

    // removals last
    admin("DELETE /api/v1/targets/{id}", "/api/v1/targets/" + targetId, null);
    admin(
        "DELETE /api/v1/credentials/{id}", "/api/v1/credentials/" + cred.get("id").asLong(), null);
    admin("DELETE /api/v1/collectors/{id}", "/api/v1/collectors/" + id, null);
    api.check(
        "POST /api/v1/metrics",
        appliance.post("/api/v1/metrics", token, "text/plain", t + ",cpu.busy_pct,1\n"));
    api.check(
        "POST /api/v1/sockets", appliance.post("/api/v1/sockets", token, "text/plain", snapshot));
    // an unauthenticated answer is documented too
    api.check(
        "GET /api/v1/status",
        appliance.send(HttpRequest.newBuilder(appliance.uri("/api/v1/status")).GET()));

    // the CA, anonymous: what the appliance serves over TLS is the certificate it hands out
    HttpResponse<String> ca =
        api.check(
            "GET " + TlsRoutes.CA_PEM,
            appliance.send(HttpRequest.newBuilder(appliance.uri(TlsRoutes.CA_PEM)).GET()));
    assertThat(ca.body())
        .startsWith("-----BEGIN CERTIFICATE-----")
        .isEqualTo(appliance.app.tls().trustPem());

    assertThat(api.checked())
        .as("operations of the document this test has not exercised")
        .containsAll(api.operations());
  }

  void waitForJob(String path) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (System.nanoTime() < deadline) {
      JsonNode j = JSON.readTree(appliance.admin("GET", path, null).body());
      if (!j.get("state").asText().equals("running")) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError(path + " still running after 90 s");
  }
}
