package io.perfmetrics.network;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.perfmetrics.config.Config;
import io.perfmetrics.testing.ConsoleClient;
import io.perfmetrics.testing.TestAppliance;
import io.perfmetrics.testing.TestPostgres;
import io.perfmetrics.testing.TestSshd;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * End to end: the shell collector deployed over SSH (real sshd, loopback) reports a listener the
 * test opens as the collector's user; the port audit shows it with process and user, a deny rule
 * added through the API makes it a finding, and JSON, CSV and the console page agree.
 */
class SocketsE2EIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static TestPostgres postgres;
  static TestSshd sshd;
  static TestAppliance appliance;

  @BeforeAll
  static void start() {
    postgres = new TestPostgres();
    sshd = new TestSshd(true);
    Path tools = sshd.userWritableDir().resolve("tools");
    int closed = TestPostgres.freePort();
    // samples every second, uploads every 2 s, a socket snapshot every 2 s
    var collectors =
        new Config.Collectors(
            Duration.ofSeconds(1),
            Duration.ofSeconds(2),
            Duration.ofDays(14),
            1 << 20,
            "http://127.0.0.1:" + closed,
            tools.toString(),
            Duration.ofSeconds(30),
            8,
            Duration.ofSeconds(2),
            1000);
    appliance = new TestAppliance(postgres.jdbcUrl(), c -> c.withCollectors(collectors));
  }

  @AfterAll
  static void stop() {
    TestSshd.runAsUser("pkill -f '[c]ollector[.]sh'; pkill -f '[p]m-e2e-listener'; true");
    if (appliance != null) {
      appliance.close();
    }
    if (sshd != null) {
      sshd.close();
    }
    if (postgres != null) {
      postgres.close();
    }
  }

  JsonNode call(String method, String path, String body, int expected) throws Exception {
    HttpResponse<String> r = appliance.admin(method, path, body);
    assertThat(r.statusCode()).as(method + " " + path + ": " + r.body()).isEqualTo(expected);
    return r.body().isEmpty() ? null : JSON.readTree(r.body());
  }

  @Test
  @Timeout(value = 240, unit = TimeUnit.SECONDS)
  void aDeployedCollectorReportsAListenerTheTestOpensAndADenyRuleMakesItAFindingEverywhere()
      throws Exception {
    int port = TestPostgres.freePort();
    // a listener owned by the collector's user, so the collector (never sudo) can name its process
    assertThat(
            TestSshd.runAsUser(
                "nohup python3 -c 'import socket,time; s=socket.socket();"
                    + " s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind((\"127.0.0.1\", "
                    + port
                    + "));"
                    + " s.listen(); time.sleep(600)' pm-e2e-listener >/dev/null 2>&1 &"))
        .isZero();

    long credential =
        call(
                "POST",
                "/api/v1/credentials",
                "{\"name\":\"e2e\",\"kind\":\"ssh_password\",\"username\":\""
                    + TestSshd.USER
                    + "\",\"password\":\""
                    + sshd.password()
                    + "\"}",
                201)
            .get("id")
            .asLong();
    long target =
        call(
                "POST",
                "/api/v1/targets",
                "{\"address\":\"127.0.0.1\",\"port\":"
                    + sshd.port()
                    + ",\"os_family\":\"unix\",\"credential_id\":"
                    + credential
                    + "}",
                201)
            .get("id")
            .asLong();
    long job =
        call("POST", "/api/v1/deployments", "{\"target_ids\":[" + target + "]}", 202)
            .get("id")
            .asLong();
    for (int i = 0;
        i < 600
            && call("GET", "/api/v1/deployments/" + job, null, 200)
                .get("state")
                .asText()
                .equals("running");
        i++) {
      Thread.sleep(100);
    }
    int collector =
        call("GET", "/api/v1/targets/" + target + "/status", null, 200).get("collector_id").asInt();

    JsonNode listener = null;
    for (int i = 0; i < 300 && listener == null; i++) {
      for (JsonNode l : call("GET", "/api/v1/ports/" + collector, null, 200).get("listeners")) {
        if (l.get("local_port").asInt() == port && l.get("proto").asText().equals("tcp")) {
          listener = l;
        }
      }
      if (listener == null) {
        Thread.sleep(200);
      }
    }
    assertThat(listener).as("listener on 127.0.0.1:" + port + " reported within 60 s").isNotNull();
    assertThat(listener.get("local_addr").asText()).isEqualTo("127.0.0.1");
    assertThat(listener.get("bind_scope").asText()).isEqualTo("loopback");
    assertThat(listener.get("user").asText()).isEqualTo(TestSshd.USER);
    assertThat(listener.get("process").asText()).isEqualTo("python3");
    assertThat(listener.get("findings")).isEmpty();

    JsonNode rule =
        call(
            "POST",
            "/api/v1/port-policy/rules",
            "{\"action\":\"deny\",\"proto\":\"tcp\",\"ports\":\""
                + port
                + "\",\"process\":\"python*\",\"severity\":\"high\",\"note\":\"e2e deny\",\"position\":1}",
            201);
    JsonNode fleet =
        call("GET", "/api/v1/ports?host=" + collector + "&finding=policy_deny", null, 200);
    assertThat(fleet.get("total").asInt()).isEqualTo(1);
    JsonNode finding = fleet.get("listeners").get(0).get("findings").get(0);
    assertThat(finding.get("severity").asText()).isEqualTo("high");
    assertThat(finding.get("reason").asText())
        .contains("rule #" + rule.get("id").asLong())
        .contains("e2e deny");

    String csv =
        appliance
            .admin(
                "GET", "/api/v1/ports?host=" + collector + "&finding=policy_deny&format=csv", null)
            .body();
    assertThat(csv.split("\r\n")).hasSize(2);
    assertThat(csv.split("\r\n")[1])
        .contains(",tcp,127.0.0.1," + port + ",loopback," + TestSshd.USER + ",python3,")
        .contains(",deny,high,")
        .contains("high policy_deny: " + finding.get("reason").asText());

    ConsoleClient console = new ConsoleClient(appliance).loggedIn();
    String page = console.get("/ports?host=" + collector + "&finding=policy_deny").body();
    assertThat(page)
        .contains("<td>" + port + "/tcp 127.0.0.1</td>")
        .contains("<td>python3</td>")
        .contains("<td>policy_deny</td>")
        .contains("e2e deny");
    String hostPage = console.get("/ports/" + collector).body();
    assertThat(hostPage)
        .contains("<td>" + port + "</td>")
        .contains("<td>" + TestSshd.USER + "</td>");

    call("DELETE", "/api/v1/port-policy/rules/" + rule.get("id").asLong(), null, 204);
    TestSshd.runAsUser("pkill -f '[p]m-e2e-listener'; true");
  }
}
