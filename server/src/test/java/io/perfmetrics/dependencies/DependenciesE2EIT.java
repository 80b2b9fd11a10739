package io.perfmetrics.dependencies;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.perfmetrics.config.Config;
import io.perfmetrics.testing.ConsoleClient;
import io.perfmetrics.testing.TestAppliance;
import io.perfmetrics.testing.TestPostgres;
import io.perfmetrics.testing.TestSshd;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 12 end to end, with hosts that are really separate: three network namespaces on one bridge
 * (in a fourth), each with its own sshd; the appliance reaches them (and they it) over a veth from
 * the root namespace. Collectors are deployed over SSH; a client in "alpha" talks to a server in
 * "bravo", and does a DNS-like exchange (a connected UDP socket, as resolvers use, and TCP) with
 * "dns" in the third. The map shows one client-to-server edge seen from both sides with process and
 * user, alpha and bravo form one costed move group, the DNS edge is tagged and joins nothing, and
 * an exclusion splits the group; JSON, CSV, the CLI and the console agree.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DependenciesE2EIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final int K = ThreadLocalRandom.current().nextInt(2, 250);
  static final String NET = "10.250." + K + ".";
  static final String ROOT_ADDR = NET + "1";
  static final String SW = "pmd" + K + "sw";
  static final String[] HOSTS = {"alpha", "bravo", "dns"};
  static final String[] ADDR = {NET + "2", NET + "3", NET + "4"};
  static final List<String> namespaces = new ArrayList<>();
  static TestPostgres postgres;
  static final List<TestSshd> sshds = new ArrayList<>();
  static TestAppliance appliance;
  static ServerSocket relay;
  static final int[] collector = new int[3];

  static String ns(int i) {
    return "pmd" + K + HOSTS[i].charAt(0);
  }

  static void sh(String... cmd) {
    int rc = TestSshd.run(List.of(cmd), null);
    if (rc != 0) {
      throw new IllegalStateException(String.join(" ", cmd) + " failed with exit " + rc);
    }
  }

  static String output(String... cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor(30, TimeUnit.SECONDS);
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @BeforeAll
  static void start() throws Exception {
    // the switch: a bridge in a namespace of its own
    sh("ip", "netns", "add", SW);
    namespaces.add(SW);
    sh("ip", "-n", SW, "link", "add", "br0", "type", "bridge");
    sh("ip", "-n", SW, "link", "set", "br0", "up");
    for (int i = 0; i < 3; i++) {
      String n = ns(i);
      sh("ip", "netns", "add", n);
      namespaces.add(n);
      String port = n + "0";
      String nic = n + "1";
      sh("ip", "link", "add", port, "type", "veth", "peer", "name", nic);
      sh("ip", "link", "set", port, "netns", SW);
      sh("ip", "link", "set", nic, "netns", n);
      sh("ip", "-n", SW, "link", "set", port, "master", "br0", "up");
      sh("ip", "-n", n, "addr", "add", ADDR[i] + "/24", "dev", nic);
      sh("ip", "-n", n, "link", "set", nic, "up");
      sh("ip", "-n", n, "link", "set", "lo", "up");
    }
    // the appliance's way in: a veth from the root namespace to the bridge
    sh("ip", "link", "add", "pmd" + K + "r0", "type", "veth", "peer", "name", "pmd" + K + "r1");
    sh("ip", "link", "set", "pmd" + K + "r1", "netns", SW);
    sh("ip", "-n", SW, "link", "set", "pmd" + K + "r1", "master", "br0", "up");
    sh("ip", "addr", "add", ROOT_ADDR + "/24", "dev", "pmd" + K + "r0");
    sh("ip", "link", "set", "pmd" + K + "r0", "up");
    // "dns" serves port 53 as the unprivileged login user
    sh("ip", "netns", "exec", ns(2), "sysctl", "-q", "-w", "net.ipv4.ip_unprivileged_port_start=0");

    postgres = new TestPostgres();
    // the appliance stays on loopback; a relay on the veth address carries the collectors to it
    relay = new ServerSocket();
    relay.bind(new InetSocketAddress(InetAddress.getByName(ROOT_ADDR), 0));
    // TLS passes through the relay: the server certificate names the public URL's host
    URI publicUrl = URI.create("https://" + ROOT_ADDR + ":" + relay.getLocalPort());
    int closed = TestPostgres.freePort();
    var collectors =
        new Config.Collectors(
            Duration.ofSeconds(1),
            Duration.ofSeconds(2),
            Duration.ofDays(14),
            1 << 20,
            "http://127.0.0.1:" + closed,
            "/var/tmp/perfmetrics/tools",
            Duration.ofSeconds(30),
            8,
            Duration.ofSeconds(2),
            1000);
    appliance =
        new TestAppliance(
            postgres.jdbcUrl(),
            c ->
                new Config(
                    c.port(),
                    c.dataDir(),
                    c.database(),
                    c.masterKey(),
                    c.adminToken(),
                    publicUrl,
                    c.ingest(),
                    collectors,
                    c.discovery(),
                    c.web(),
                    c.catalog(),
                    c.retention(),
                    c.tls()));
    int target = appliance.app.port();
    Thread.ofVirtual().start(() -> relay(target));
    for (int i = 0; i < 3; i++) {
      sshds.add(TestSshd.inNetns(ns(i), "pm" + K + "-" + HOSTS[i], List.of(ADDR[i]), "1777"));
    }
  }

  /** Copies each connection on the veth address to the appliance on loopback, both ways. */
  static void relay(int port) {
    while (!relay.isClosed()) {
      try {
        Socket in = relay.accept();
        Socket out = new Socket("127.0.0.1", port);
        Thread.ofVirtual().start(() -> pump(in, out));
        Thread.ofVirtual().start(() -> pump(out, in));
      } catch (IOException e) {
        // closed at the end of the test
      }
    }
  }

  static void pump(Socket from, Socket to) {
    try (InputStream i = from.getInputStream();
        OutputStream o = to.getOutputStream()) {
      i.transferTo(o);
    } catch (IOException e) {
      // the other side closed
    } finally {
      try {
        from.close();
        to.close();
      } catch (IOException e) {
        // nothing left to do
      }
    }
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      // every process in the test's namespaces is one the test started (sshd, its sessions, the
      // collectors, the client and servers)
      for (String n : namespaces) {
        for (String pid : output("ip", "netns", "pids", n).split("\\s+", -1)) {
          if (pid.matches("[0-9]+")) {
            TestSshd.run(List.of("kill", pid), null);
          }
        }
      }
      for (TestSshd s : sshds) {
        s.close();
      }
      if (relay != null) {
        relay.close();
      }
      if (appliance != null) {
        appliance.close();
      }
      if (postgres != null) {
        postgres.close();
      }
    } finally {
      for (String n : namespaces) {
        TestSshd.run(List.of("ip", "netns", "del", n), null);
      }
      TestSshd.run(List.of("ip", "link", "del", "pmd" + K + "r0"), null);
    }
  }

  static JsonNode call(String method, String path, String body, int expected) throws Exception {
    HttpResponse<String> r = appliance.admin(method, path, body);
    assertThat(r.statusCode()).as(method + " " + path + ": " + r.body()).isEqualTo(expected);
    return r.body().isEmpty() ? null : JSON.readTree(r.body());
  }

  static void asUserIn(int host, String script, String name) {
    sh(
        "ip",
        "netns",
        "exec",
        ns(host),
        "su",
        "-s",
        "/bin/sh",
        TestSshd.USER,
        "-c",
        "nohup python3 -c '" + script + "' " + name + " >/dev/null 2>&1 &");
  }

  static JsonNode edge(JsonNode map, int client, int server, int port) {
    return edge(map, client, server, port, "tcp");
  }

  static JsonNode edge(JsonNode map, int client, int server, int port, String proto) {
    JsonNode found = null;
    for (JsonNode e : map.get("edges")) {
      if (e.path("client").path("host_id").asInt(-1) == collector[client]
          && e.path("server").path("host_id").asInt(-1) == collector[server]
          && e.get("port").asInt() == port
          && e.get("proto").asText().equals(proto)) {
        assertThat(found).as("one edge " + client + "->" + server + ":" + port).isNull();
        found = e;
      }
    }
    return found;
  }

  static JsonNode groupOf(JsonNode groups, int host) {
    for (JsonNode g : groups.get("groups")) {
      for (JsonNode m : g.get("hosts")) {
        if (m.get("host_id").asInt() == collector[host]) {
          return g;
        }
      }
    }
    return null;
  }

  @Test
  @Order(1)
  @Timeout(value = 300, unit = TimeUnit.SECONDS)
  void collectorsInSeparateNamespacesShowOneEdgeOneGroupAndATaggedDnsEdge() throws Exception {
    long credential =
        call(
                "POST",
                "/api/v1/credentials",
                "{\"name\":\"e2e\",\"kind\":\"ssh_password\",\"username\":\""
                    + TestSshd.USER
                    + "\",\"password\":\""
                    + sshds.get(0).password()
                    + "\"}",
                201)
            .get("id")
            .asLong();
    long[] target = new long[3];
    for (int i = 0; i < 3; i++) {
      target[i] =
          call(
                  "POST",
                  "/api/v1/targets",
                  "{\"address\":\""
                      + ADDR[i]
                      + "\",\"port\":"
                      + sshds.get(i).port()
                      + ",\"os_family\":\"unix\",\"credential_id\":"
                      + credential
                      + "}",
                  201)
              .get("id")
              .asLong();
    }
    long job =
        call(
                "POST",
                "/api/v1/deployments",
                "{\"target_ids\":[" + target[0] + "," + target[1] + "," + target[2] + "]}",
                202)
            .get("id")
            .asLong();
    JsonNode state = null;
    for (int i = 0; i < 1200; i++) {
      state = call("GET", "/api/v1/deployments/" + job, null, 200);
      if (!state.get("state").asText().equals("running")) {
        break;
      }
      Thread.sleep(100);
    }
    for (int i = 0; i < 3; i++) {
      JsonNode st = call("GET", "/api/v1/targets/" + target[i] + "/status", null, 200);
      assertThat(st.path("collector_id").isInt()).as("deploy: " + state + " " + st).isTrue();
      collector[i] = st.get("collector_id").asInt();
    }

    // bravo serves 8080; dns answers on 53 over UDP and TCP; alpha holds a connection to each
    asUserIn(
        1,
        "import socket,threading,time\n"
            + "s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
            + "s.bind((\""
            + ADDR[1]
            + "\", 8080)); s.listen(16); keep=[]\n"
            + "while True:\n"
            + "  c,_=s.accept(); keep.append(c)\n",
        "pm-dep-server");
    asUserIn(
        2,
        "import socket,threading\n"
            + "u=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind((\""
            + ADDR[2]
            + "\", 53))\n"
            + "def udp():\n"
            + "  while True:\n"
            + "    q,a=u.recvfrom(512); u.sendto(q[:2]+b\"\\x81\\x80\"+q[4:], a)\n"
            + "threading.Thread(target=udp, daemon=True).start()\n"
            + "t=socket.socket(); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
            + "t.bind((\""
            + ADDR[2]
            + "\", 53)); t.listen(16); keep=[]\n"
            + "while True:\n"
            + "  c,_=t.accept(); keep.append(c); q=c.recv(514); c.sendall(q[:4]+b\"\\x81\\x80\"+q[6:])\n",
        "pm-dep-dns");
    Thread.sleep(1000);
    String query =
        "b\"\\x12\\x34\\x01\\x00\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x03app\\x00\\x00\\x01\\x00\\x01\"";
    // the UDP exchange, answered: the DNS-like service really serves alpha
    String udp =
        output(
            "ip",
            "netns",
            "exec",
            ns(0),
            "python3",
            "-c",
            "import socket\n"
                + "u=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(5)\n"
                + "u.sendto("
                + query
                + ", (\""
                + ADDR[2]
                + "\", 53)); r=u.recv(512); print(\"answer\", r[:4].hex())\n");
    assertThat(udp).contains("answer 12348180");
    asUserIn(
        0,
        "import socket,time\n"
            + "a=socket.create_connection((\""
            + ADDR[1]
            + "\", 8080))\n"
            + "d=socket.create_connection((\""
            + ADDR[2]
            + "\", 53)); q="
            + query
            + "; d.sendall(len(q).to_bytes(2, \"big\")+q); d.recv(514)\n"
            // a resolver's way: a connected UDP socket, held so the snapshots see it
            + "u=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.connect((\""
            + ADDR[2]
            + "\", 53)); u.send(q); u.recv(512)\n"
            + "time.sleep(600)\n",
        "pm-dep-client");

    // both sides' snapshots reach the map (the cache lives a minute of the appliance's clock)
    JsonNode map = null;
    JsonNode app = null;
    JsonNode dnsEdge = null;
    JsonNode udpEdge = null;
    for (int i = 0; i < 300; i++) {
      appliance.clock.advance(Duration.ofMinutes(2));
      map = call("GET", "/api/v1/dependencies", null, 200);
      app = edge(map, 0, 1, 8080);
      dnsEdge = edge(map, 0, 2, 53);
      udpEdge = edge(map, 0, 2, 53, "udp");
      if (app != null
          && app.get("seen_by").asText().equals("both")
          && udpEdge != null
          && dnsEdge != null
          && dnsEdge.get("seen_by").asText().equals("both")) {
        break;
      }
      Thread.sleep(500);
    }
    assertThat(app).as("alpha -> bravo:8080 in " + map).isNotNull();
    assertThat(app.get("seen_by").asText()).isEqualTo("both");
    assertThat(app.get("proto").asText()).isEqualTo("tcp");
    assertThat(app.get("client").get("label").asText()).isEqualTo(hostname(0));
    assertThat(app.get("server").get("label").asText()).isEqualTo(hostname(1));
    assertThat(app.get("client_processes"))
        .extracting(JsonNode::asText)
        .contains("python3 (" + TestSshd.USER + ")");
    assertThat(app.get("server_processes"))
        .extracting(JsonNode::asText)
        .contains("python3 (" + TestSshd.USER + ")");
    assertThat(app.get("infrastructure").isNull()).as("not infrastructure: %s", app).isTrue();
    assertThat(dnsEdge.get("infrastructure").asText()).isEqualTo("DNS");
    // the UDP query: seen by the client (a UDP server socket is not connected, so its side holds
    // no connection to report), tagged as DNS as well
    assertThat(udpEdge).as("alpha -> dns:53/udp in " + map).isNotNull();
    assertThat(udpEdge.get("seen_by").asText()).isEqualTo("client");
    assertThat(udpEdge.get("infrastructure").asText()).isEqualTo("DNS");
    // the collectors' uploads and the deploy's SSH sessions are the appliance, not a dependency
    for (JsonNode e : map.get("edges")) {
      if (e.get("client").get("id").asText().equals("appliance")
          || e.get("server").get("id").asText().equals("appliance")) {
        assertThat(e.get("infrastructure").asText()).isEqualTo("the appliance");
      }
    }

    JsonNode groups = call("GET", "/api/v1/groups?provider=aws&region=us-east-1", null, 200);
    JsonNode g = groupOf(groups, 0);
    assertThat(g).isNotNull();
    assertThat(g.get("hosts"))
        .extracting(h -> h.get("host_id").asInt())
        .containsExactlyInAnyOrder(collector[0], collector[1]);
    assertThat(groupOf(groups, 2).get("hosts")).hasSize(1);
    // its cost is the sizing report's, under the same parameters
    JsonNode sizing = call("GET", "/api/v1/sizing?provider=aws&region=us-east-1", null, 200);
    double recommended = 0;
    double current = 0;
    for (JsonNode h : sizing.get("hosts")) {
      int id = h.get("host_id").asInt();
      if (id == collector[0] || id == collector[1]) {
        recommended += h.path("recommended").path("monthly").asDouble(0);
        current += h.path("current").path("monthly").asDouble(0);
      }
    }
    assertThat(g.get("cost").get("recommended_monthly").asDouble())
        .isCloseTo(recommended, org.assertj.core.data.Offset.offset(0.01));
    assertThat(g.get("cost").get("current_monthly").asDouble())
        .isCloseTo(current, org.assertj.core.data.Offset.offset(0.01));
    assertThat(g.get("sizing")).isNotEmpty();

    JsonNode detail = call("GET", "/api/v1/groups/" + g.get("id").asText(), null, 200);
    assertThat(detail.get("internal_edges"))
        .extracting(e -> e.get("id").asText())
        .contains(app.get("id").asText());
    assertThat(detail.get("explanation"))
        .extracting(j -> j.path("edge_id").asText(""))
        .contains(app.get("id").asText());
    assertThat(detail.get("external_dependencies"))
        .extracting(e -> e.get("id").asText())
        .contains(dnsEdge.get("id").asText());

    // CSV says the same
    String csv = appliance.admin("GET", "/api/v1/dependencies?format=csv", null).body();
    assertThat(csv.split("\r\n", -1))
        .anySatisfy(
            l ->
                assertThat(l)
                    .startsWith(
                        hostname(0)
                            + ","
                            + collector[0]
                            + ","
                            + hostname(1)
                            + ","
                            + collector[1]
                            + ",8080,tcp,")
                    .contains(
                        ",both,python3 (" + TestSshd.USER + "),python3 (" + TestSshd.USER + "),,"));
    String groupsCsv = appliance.admin("GET", "/api/v1/groups?format=csv", null).body();
    assertThat(groupsCsv.split("\r\n", -1))
        .anySatisfy(l -> assertThat(l).startsWith(g.get("id").asText() + ",").contains(",2,"));
  }

  @Test
  @Order(2)
  void anExclusionSplitsTheGroupAndDeletingItJoinsItAgain() throws Exception {
    JsonNode x =
        call(
            "POST",
            "/api/v1/dependency-exclusions",
            "{\"client\":"
                + collector[0]
                + ",\"server\":\""
                + hostname(1)
                + "\",\"port\":8080,\"note\":\"e2e split\"}",
            201);
    JsonNode groups = call("GET", "/api/v1/groups", null, 200);
    assertThat(groupOf(groups, 0).get("hosts")).hasSize(1);
    assertThat(groupOf(groups, 1).get("hosts")).hasSize(1);
    JsonNode e = edge(call("GET", "/api/v1/dependencies", null, 200), 0, 1, 8080);
    assertThat(e.get("exclusion_id").asLong()).isEqualTo(x.get("id").asLong());

    call("DELETE", "/api/v1/dependency-exclusions/" + x.get("id").asLong(), null, 204);
    groups = call("GET", "/api/v1/groups", null, 200);
    assertThat(groupOf(groups, 0).get("hosts")).hasSize(2);

    // bad input says why and changes nothing
    call("POST", "/api/v1/dependency-exclusions", "{\"client\":" + collector[0] + "}", 400);
    call("POST", "/api/v1/dependency-exclusions", "{\"client\":99999,\"server\":1}", 404);
    call("GET", "/api/v1/dependencies?window_days=0", null, 400);
    call("GET", "/api/v1/groups/g999999", null, 404);
    assertThat(call("GET", "/api/v1/dependency-exclusions", null, 200).get("exclusions")).isEmpty();
  }

  @Test
  @Order(3)
  void theCliAndTheConsoleSayWhatTheApiSays() throws Exception {
    JsonNode map = call("GET", "/api/v1/dependencies", null, 200);
    JsonNode app = edge(map, 0, 1, 8080);
    String csv = appliance.admin("GET", "/api/v1/dependencies?format=csv", null).body();
    String cliCsv =
        cli(
            "dependencies",
            "--url",
            appliance.uri("").toString(),
            "--ca",
            appliance.app.tls().trustFile().toString(),
            "--token",
            TestAppliance.ADMIN_TOKEN,
            "--csv");
    assertThat(cliCsv.strip()).isEqualTo(csv.strip());
    JsonNode cliGroups =
        JSON.readTree(
            cli(
                "groups",
                "--url",
                appliance.uri("").toString(),
                "--ca",
                appliance.app.tls().trustFile().toString(),
                "--token",
                TestAppliance.ADMIN_TOKEN));
    JsonNode apiGroups = call("GET", "/api/v1/groups", null, 200);
    assertThat(cliGroups.get("groups")).isEqualTo(apiGroups.get("groups"));

    // the console: the edge in the table, the graph's model in the page, the group with its cost
    ConsoleClient console = new ConsoleClient(appliance).loggedIn();
    String page = console.get("/dependencies").body();
    assertThat(page)
        .contains("data-edge=\"" + app.get("id").asText() + "\"")
        .contains("<td>8080/tcp</td>")
        .contains("python3 (" + TestSshd.USER + ")")
        .contains("<td>DNS</td>");
    JsonNode g = groupOf(apiGroups, 0);
    assertThat(page).contains("data-group=\"" + g.get("id").asText() + "\"");
    String tab = console.get("/dependencies/host/" + collector[2]).body();
    assertThat(tab).contains("Dependencies of " + hostname(2)).contains("<td>DNS</td>");
    assertThat(tab).doesNotContain("<td>8080/tcp</td>");
  }

  @Test
  @Order(4)
  void theGraphPageDrawsTheFleetInHeadlessChromiumAndFiltersByGroup() throws Exception {
    java.nio.file.Path shots =
        java.nio.file.Path.of(System.getProperty("perfmetrics.screenshots", "target/screenshots"));
    java.nio.file.Files.createDirectories(shots);
    java.nio.file.Path profile = java.nio.file.Files.createTempDirectory("perfmetrics-chromium-");
    System.setProperty("webdriver.chrome.driver", "/usr/bin/chromedriver");
    org.openqa.selenium.chrome.ChromeOptions options =
        new org.openqa.selenium.chrome.ChromeOptions();
    options.setBinary("/usr/bin/chromium");
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1400,1000",
        "--user-data-dir=" + profile,
        // trust the appliance's server key alone (its CA is in no store of this machine)
        "--ignore-certificate-errors-spki-list=" + appliance.spkiPin());
    org.openqa.selenium.chrome.ChromeDriver browser =
        new org.openqa.selenium.chrome.ChromeDriver(
            new org.openqa.selenium.chrome.ChromeDriverService.Builder()
                .usingDriverExecutable(new java.io.File("/usr/bin/chromedriver"))
                .usingAnyFreePort()
                .build(),
            options);
    try {
      var wait = new org.openqa.selenium.support.ui.WebDriverWait(browser, Duration.ofSeconds(60));
      browser.get(appliance.uri("/dependencies").toString());
      browser.findElement(org.openqa.selenium.By.id("username")).sendKeys("admin");
      browser
          .findElement(org.openqa.selenium.By.id("password"))
          .sendKeys(TestAppliance.ADMIN_PASSWORD);
      browser.findElement(org.openqa.selenium.By.id("login")).click();
      wait.until(d -> d.getCurrentUrl().contains("/dependencies"));
      wait.until(
          d ->
              Boolean.TRUE.equals(
                  browser.executeScript(
                      "return !!(window.pmDependencies && window.pmDependencies.cy)")));
      JsonNode map = call("GET", "/api/v1/dependencies", null, 200);
      // what cytoscape drew: its own node and edge ids, from the library's instance
      String drawn =
          (String)
              browser.executeScript(
                  "var cy = window.pmDependencies.cy; return JSON.stringify({"
                      + "nodes: cy.nodes().map(function (n) { return n.id(); }),"
                      + "edges: cy.edges().map(function (e) { return e.id(); }),"
                      + "rendered: cy.nodes().filter(function (n) { return n.renderedWidth() > 0; }).length})");
      JsonNode graph = JSON.readTree(drawn);
      List<String> nodeIds = new ArrayList<>();
      map.get("nodes").forEach(n -> nodeIds.add(n.get("id").asText()));
      List<String> edgeIds = new ArrayList<>();
      map.get("edges").forEach(e -> edgeIds.add(e.get("id").asText()));
      assertThat(graph.get("nodes"))
          .extracting(JsonNode::asText)
          .containsExactlyInAnyOrderElementsOf(nodeIds);
      assertThat(graph.get("edges"))
          .extracting(JsonNode::asText)
          .containsExactlyInAnyOrderElementsOf(edgeIds);
      assertThat(graph.get("rendered").asInt()).isEqualTo(nodeIds.size());
      assertThat(nodeIds)
          .contains("host:" + collector[0], "host:" + collector[1], "host:" + collector[2]);
      java.nio.file.Files.write(
          shots.resolve("dependencies-graph.png"),
          browser.getScreenshotAs(org.openqa.selenium.OutputType.BYTES));

      // a click on a host shows its sizing and the ports it serves
      browser.executeScript(
          "window.pmDependencies.cy.getElementById(arguments[0]).emit('tap')",
          "host:" + collector[1]);
      wait.until(
          d ->
              d.findElement(org.openqa.selenium.By.id("graph-details"))
                  .getText()
                  .contains("8080/tcp"));

      // selecting dns's group (dns alone: its DNS edge does not join it to alpha) reloads the
      // page with only the edges that touch it
      String groupId = groupOf(call("GET", "/api/v1/groups", null, 200), 2).get("id").asText();
      new org.openqa.selenium.support.ui.Select(
              browser.findElement(org.openqa.selenium.By.id("group-filter")))
          .selectByValue(groupId);
      wait.until(d -> d.getCurrentUrl().contains("group="));
      wait.until(
          d ->
              Boolean.TRUE.equals(
                  browser.executeScript(
                      "return !!(window.pmDependencies && window.pmDependencies.cy)")));
      JsonNode filtered =
          JSON.readTree(
              (String)
                  browser.executeScript(
                      "return JSON.stringify(window.pmDependencies.cy.edges().map(function (e) {"
                          + " return e.id(); }))"));
      List<String> inGroup = new ArrayList<>();
      call("GET", "/api/v1/dependencies?group=" + groupId, null, 200)
          .get("edges")
          .forEach(e -> inGroup.add(e.get("id").asText()));
      assertThat(filtered)
          .extracting(JsonNode::asText)
          .containsExactlyInAnyOrderElementsOf(inGroup);
      assertThat(inGroup)
          .contains(edge(map, 0, 2, 53).get("id").asText())
          .doesNotContain(edge(map, 0, 1, 8080).get("id").asText());
      java.nio.file.Files.write(
          shots.resolve("dependencies-graph-group.png"),
          browser.getScreenshotAs(org.openqa.selenium.OutputType.BYTES));
    } finally {
      browser.quit();
      io.perfmetrics.testing.TempDirs.delete(profile);
    }
  }

  /** Runs the CLI in this JVM, as scripts/perfmetrics would; returns what it printed. */
  static String cli(String... args) {
    java.io.PrintStream saved = System.out;
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    int rc;
    try {
      System.setOut(new java.io.PrintStream(out, true, StandardCharsets.UTF_8));
      rc = io.perfmetrics.cli.Main.commandLine().execute(args);
    } finally {
      System.setOut(saved);
    }
    assertThat(rc).as("perfmetrics " + String.join(" ", args)).isZero();
    return out.toString(StandardCharsets.UTF_8);
  }

  static String hostname(int i) {
    return "pm" + K + "-" + HOSTS[i];
  }
}
