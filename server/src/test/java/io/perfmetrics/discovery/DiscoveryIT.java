package io.perfmetrics.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.perfmetrics.config.Config;
import io.perfmetrics.config.DiscoverySettings;
import io.perfmetrics.testing.TestAppliance;
import io.perfmetrics.testing.TestPostgres;
import io.perfmetrics.testing.TestSamba;
import io.perfmetrics.testing.TestSshd;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 5 acceptance, on loopback only: a real sshd on 127.0.0.2, a real Samba on 127.0.0.3,
 * nothing on 127.0.0.4 and on 127.1.0.0/24 and 127.2.0.0/24.
 */
class DiscoveryIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static TestPostgres postgres;
  static TestSshd sshd;
  static TestSamba samba;
  static int closedPort;

  @BeforeAll
  static void start() {
    postgres = new TestPostgres();
    sshd = TestSshd.on("127.0.0.2");
    samba = TestSamba.on("127.0.0.3");
    closedPort = TestPostgres.freePort();
  }

  @AfterAll
  static void stop() {
    if (samba != null) {
      samba.close();
    }
    if (sshd != null) {
      sshd.close();
    }
    if (postgres != null) {
      postgres.close();
    }
  }

  static TestAppliance appliance(UnaryOperator<DiscoverySettings> adjust) {
    return new TestAppliance(
        postgres.jdbcUrl(),
        (UnaryOperator<Config>) c -> c.withDiscovery(adjust.apply(c.discovery())));
  }

  static JsonNode json(HttpResponse<String> r) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isLessThan(300);
    return JSON.readTree(r.body());
  }

  static JsonNode startScan(TestAppliance app, String body) throws Exception {
    HttpResponse<String> r = app.admin("POST", "/api/v1/scans", body);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return JSON.readTree(r.body());
  }

  static JsonNode awaitDone(TestAppliance app, long id, Duration max) throws Exception {
    long deadline = System.nanoTime() + max.toNanos();
    while (System.nanoTime() < deadline) {
      JsonNode s = json(app.admin("GET", "/api/v1/scans/" + id, null));
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
            + app.admin("GET", "/api/v1/scans/" + id, null).body());
  }

  static Map<String, JsonNode> hosts(TestAppliance app, long id) throws Exception {
    Map<String, JsonNode> out = new HashMap<>();
    for (JsonNode h :
        json(app.admin("GET", "/api/v1/scans/" + id + "/hosts?limit=10000", null)).get("hosts")) {
      out.put(h.get("address").asText(), h);
    }
    return out;
  }

  static List<JsonNode> ops(TestAppliance app, long scanId) throws Exception {
    JsonNode r = json(app.admin("GET", "/api/v1/netops?scan_id=" + scanId + "&limit=10000", null));
    return StreamSupport.stream(r.get("operations").spliterator(), false).toList();
  }

  static List<String> hintSources(JsonNode host) {
    return StreamSupport.stream(host.get("hints").spliterator(), false)
        .map(h -> h.get("source").asText())
        .toList();
  }

  /** Paced operations: everything sent to the address itself (DNS goes to the resolver). */
  static List<Instant> pacedTimes(List<JsonNode> ops, String destination) {
    return ops.stream()
        .filter(o -> destination == null || o.get("destination").asText().equals(destination))
        .filter(o -> !o.get("protocol").asText().equals("dns"))
        .map(o -> Instant.parse(o.get("ts").asText()))
        .sorted()
        .toList();
  }

  static int maxInWindow(List<Instant> times, Duration window) {
    int max = 0;
    for (int i = 0; i < times.size(); i++) {
      int n = 0;
      for (int j = i; j < times.size() && !times.get(j).isAfter(times.get(i).plus(window)); j++) {
        n++;
      }
      max = Math.max(max, n);
    }
    return max;
  }

  static Duration minGap(List<Instant> times) {
    Duration min = Duration.ofDays(1);
    for (int i = 1; i < times.size(); i++) {
      Duration d = Duration.between(times.get(i - 1), times.get(i));
      min = d.compareTo(min) < 0 ? d : min;
    }
    return min;
  }

  @Test
  void a_scan_classifies_real_listeners_and_logs_every_operation_it_sends_paced() throws Exception {
    Duration spacing = Duration.ofMillis(1000);
    Duration global = Duration.ofMillis(150);
    try (PacketCounter packets = PacketCounter.on(List.of("127.0.0.2", "127.0.0.3", "127.0.0.4"));
        TestAppliance app =
            appliance(
                d ->
                    d.withPorts(
                            List.of(sshd.port(), samba.port(), closedPort), List.of(samba.port()))
                        .withPacing(spacing, global)
                        .withNmap("off"))) {
      JsonNode scan =
          startScan(app, "{\"targets\": [\"127.0.0.2\", \"127.0.0.3\", \"127.0.0.4\"]}");
      long id = scan.get("id").asLong();
      JsonNode done = awaitDone(app, id, Duration.ofSeconds(60));
      assertThat(done.get("status").asText()).isEqualTo("done");
      assertThat(done.get("total").asInt()).isEqualTo(3);
      assertThat(done.get("done").asInt()).isEqualTo(3);
      assertThat(done.get("found").asInt()).isEqualTo(2);
      assertThat(done.get("failures").asInt()).isZero();

      Map<String, JsonNode> hosts = hosts(app, id);
      JsonNode ssh = hosts.get("127.0.0.2");
      assertThat(ssh.get("state").asText()).isEqualTo("found");
      assertThat(ssh.get("os_family").asText()).isEqualTo("unix");
      assertThat(ssh.get("open_ports").toString()).isEqualTo("[" + sshd.port() + "]");
      JsonNode banner = ssh.get("hints").get(0);
      assertThat(banner.get("source").asText()).isEqualTo("ssh-banner");
      assertThat(banner.get("detail").asText()).contains("OpenSSH").contains("Debian");
      assertThat(banner.get("confidence").asDouble()).isGreaterThan(0.5);

      JsonNode smb = hosts.get("127.0.0.3");
      assertThat(smb.get("state").asText()).isEqualTo("found");
      assertThat(smb.get("open_ports").toString()).isEqualTo("[" + samba.port() + "]");
      JsonNode ntlm = smb.get("hints").get(0);
      assertThat(ntlm.get("source").asText()).isEqualTo("smb-ntlm");
      assertThat(ntlm.get("detail").asText())
          .contains("netbios_computer=" + TestSamba.NETBIOS_NAME)
          .contains("Samba");
      // a Samba server is a unix host: deploy must not treat it as Windows
      assertThat(smb.get("os_family").asText()).isEqualTo("unix");

      JsonNode nothing = hosts.get("127.0.0.4");
      assertThat(nothing.get("state").asText()).isEqualTo("alive");
      assertThat(nothing.get("open_ports").size()).isZero();

      // every operation is in the log, and the packet counters agree with it
      List<JsonNode> ops = ops(app, id);
      Map<String, Map<String, Integer>> logged = new HashMap<>();
      for (JsonNode o : ops) {
        logged
            .computeIfAbsent(o.get("destination").asText(), k -> new HashMap<>())
            .merge(o.get("protocol").asText(), 1, Integer::sum);
      }
      assertThat(logged.get("127.0.0.2"))
          .containsEntry("icmp", 1)
          .containsEntry("tcp", 3)
          .containsEntry("dns", 1)
          .doesNotContainKey("smb");
      assertThat(logged.get("127.0.0.3"))
          .containsEntry("icmp", 1)
          .containsEntry("tcp", 3)
          .containsEntry("smb", 1);
      assertThat(logged.get("127.0.0.4")).containsEntry("icmp", 1).containsEntry("tcp", 3);
      for (String a : List.of("127.0.0.2", "127.0.0.3", "127.0.0.4")) {
        Map<String, Integer> l = logged.get(a);
        assertThat(packets.echoRequests(a)).as("echo requests to " + a).isEqualTo(l.get("icmp"));
        assertThat(packets.syns(a))
            .as("TCP connections to " + a)
            .isEqualTo(l.get("tcp") + l.getOrDefault("smb", 0));
      }

      // pacing, from the log's timestamps
      int perHostLimit = (int) (Duration.ofSeconds(3).toMillis() / spacing.toMillis()) + 1;
      for (String a : List.of("127.0.0.2", "127.0.0.3", "127.0.0.4")) {
        List<Instant> t = pacedTimes(ops, a);
        assertThat(maxInWindow(t, Duration.ofSeconds(3)))
            .as("operations to " + a + " in any 3 s")
            .isLessThanOrEqualTo(perHostLimit);
        assertThat(minGap(t)).as("spacing at " + a).isGreaterThanOrEqualTo(spacing);
      }
      assertThat(minGap(pacedTimes(ops, null))).as("global spacing").isGreaterThanOrEqualTo(global);

      // discovered hosts are targets, not yet accepted; an admin accepts one
      JsonNode targets =
          json(app.admin("GET", "/api/v1/discovery/targets?accepted=false", null)).get("targets");
      JsonNode sshTarget =
          StreamSupport.stream(targets.spliterator(), false)
              .filter(t -> t.get("address").asText().equals("127.0.0.2"))
              .findFirst()
              .orElseThrow();
      assertThat(sshTarget.get("os_family").asText()).isEqualTo("unix");
      assertThat(sshTarget.get("accepted").asBoolean()).isFalse();
      json(
          app.admin(
              "POST",
              "/api/v1/discovery/targets/" + sshTarget.get("id").asLong() + "/accept",
              null));
      assertThat(
              json(app.admin("GET", "/api/v1/discovery/targets?accepted=true", null))
                  .get("targets")
                  .toString())
          .contains("127.0.0.2");

      // CSV export has a header and one line per operation
      HttpResponse<String> csv =
          app.admin("GET", "/api/v1/netops?scan_id=" + id + "&format=csv&limit=10000", null);
      assertThat(csv.headers().firstValue("Content-Type").orElse("")).startsWith("text/csv");
      assertThat(csv.body().split("\r\n")).hasSize(ops.size() + 1);
      assertThat(csv.body())
          .startsWith("id,time,destination,port,protocol,purpose,result,detail,scan_id,source");
    }
  }

  @Test
  void nmap_is_used_when_installed_and_permitted() throws Exception {
    try (TestAppliance app =
        appliance(
            d ->
                d.withPorts(List.of(sshd.port(), closedPort), List.of())
                    .withPacing(Duration.ofMillis(200), Duration.ofMillis(50))
                    .withNmap("auto"))) {
      JsonNode manifest = json(app.admin("GET", "/api/v1/netops/manifest", null));
      assertThat(manifest.get("nmap").asBoolean())
          .as("nmap installed (scripts/test installs it)")
          .isTrue();
      long id = startScan(app, "{\"targets\": [\"127.0.0.2\"]}").get("id").asLong();
      assertThat(awaitDone(app, id, Duration.ofSeconds(120)).get("status").asText())
          .isEqualTo("done");
      JsonNode host = hosts(app, id).get("127.0.0.2");
      assertThat(hintSources(host)).contains("ssh-banner", "nmap");
      List<JsonNode> nmap =
          ops(app, id).stream().filter(o -> o.get("protocol").asText().equals("nmap")).toList();
      assertThat(nmap).hasSize(1);
      assertThat(nmap.getFirst().get("purpose").asText()).contains("-p " + sshd.port());
    }
  }

  @Test
  void nmap_is_skipped_cleanly_when_missing() throws Exception {
    try (TestAppliance app =
        appliance(
            d ->
                d.withPorts(List.of(sshd.port()), List.of())
                    .withPacing(Duration.ofMillis(100), Duration.ofMillis(50))
                    .withNmap("/nonexistent/nmap"))) {
      JsonNode manifest = json(app.admin("GET", "/api/v1/netops/manifest", null));
      assertThat(manifest.get("nmap").asBoolean()).isFalse();
      assertThat(manifest.get("nmap_note").asText()).contains("not installed");
      long id = startScan(app, "{\"targets\": [\"127.0.0.2\"]}").get("id").asLong();
      assertThat(awaitDone(app, id, Duration.ofSeconds(30)).get("status").asText())
          .isEqualTo("done");
      JsonNode host = hosts(app, id).get("127.0.0.2");
      assertThat(host.get("state").asText()).isEqualTo("found");
      assertThat(hintSources(host)).contains("ssh-banner").doesNotContain("nmap");
      assertThat(ops(app, id)).noneMatch(o -> o.get("protocol").asText().equals("nmap"));
    }
  }

  @Test
  void cancel_stops_a_scan_within_a_second() throws Exception {
    try (TestAppliance app =
        appliance(
            d ->
                d.withPorts(List.of(closedPort), List.of())
                    .withPacing(Duration.ofMillis(100), Duration.ofMillis(100))
                    .withConcurrency(8))) {
      long id = startScan(app, "{\"targets\": [\"127.2.0.0/24\"]}").get("id").asLong();
      Thread.sleep(1500);
      // an address is done only after all its operations: the count so far says it is moving
      assertThat(json(app.admin("GET", "/api/v1/scans/" + id, null)).get("summary").asText())
          .matches(
              "\\d+ of 256 addresses done after [0-9.]+ s, [1-9]\\d* network operations so far;.*");
      long t0 = System.nanoTime();
      JsonNode c = json(app.admin("POST", "/api/v1/scans/" + id + "/cancel", null));
      Duration took = Duration.ofNanos(System.nanoTime() - t0);
      Instant cancelledAt = Instant.now();
      assertThat(took).as("cancel answered").isLessThan(Duration.ofSeconds(1));
      assertThat(c.get("status").asText()).isEqualTo("cancelled");
      int rows = ops(app, id).size();
      assertThat(rows).isGreaterThan(0);
      Thread.sleep(1500);
      List<JsonNode> after = ops(app, id);
      assertThat(after).as("nothing sent after cancel").hasSize(rows);
      assertThat(after).allMatch(o -> !Instant.parse(o.get("ts").asText()).isAfter(cancelledAt));
      JsonNode s = json(app.admin("GET", "/api/v1/scans/" + id, null));
      assertThat(s.get("done").asInt()).isEqualTo(256);
      assertThat(s.get("cancelled").asInt()).isGreaterThan(200);
      assertThat(s.get("summary").asText())
          .startsWith("cancelled after")
          .endsWith(", " + after.size() + " network operations");
      assertThat(s.get("operations").asInt()).isEqualTo(after.size());

      // the list is read in one query: newest first, each scan as it reads alone
      long next = startScan(app, "{\"targets\": [\"127.2.1.1\"]}").get("id").asLong();
      JsonNode list = json(app.admin("GET", "/api/v1/scans", null)).get("scans");
      List<Long> ids = new ArrayList<>();
      list.forEach(scan -> ids.add(scan.get("id").asLong()));
      assertThat(ids).startsWith(next, id).isSortedAccordingTo(Comparator.reverseOrder());
      assertThat(list.get(1)).isEqualTo(s);
    }
  }

  @Test
  void a_scan_of_256_silent_addresses_finishes_within_what_its_pacing_allows() throws Exception {
    Duration global = Duration.ofMillis(8);
    try (TestAppliance app =
        appliance(
            d ->
                d.withPorts(
                        List.of(closedPort, closedPort + 1 == 65536 ? 1 : closedPort + 1),
                        List.of())
                    .withPacing(Duration.ofMillis(50), global)
                    .withConcurrency(32))) {
      long t0 = System.nanoTime();
      JsonNode scan = startScan(app, "{\"targets\": [\"127.1.0.0/24\"]}");
      long id = scan.get("id").asLong();
      double bound = scan.get("pacing_bound_seconds").asDouble();
      assertThat(bound).isGreaterThan(256 * 3 * 0.008 - 0.1);
      JsonNode done = awaitDone(app, id, Duration.ofSeconds(120));
      double wall = (System.nanoTime() - t0) / 1e9;
      assertThat(done.get("status").asText()).isEqualTo("done");
      assertThat(done.get("total").asInt()).isEqualTo(256);
      assertThat(done.get("done").asInt()).isEqualTo(256);
      assertThat(done.get("found").asInt()).isZero();
      double elapsed = done.get("elapsed_seconds").asDouble();
      System.out.printf(
          "256-address scan: %.2f s elapsed (%.2f s wall), pacing bound %.2f s; %s%n",
          elapsed, wall, bound, done.get("summary").asText());
      assertThat(elapsed).as("pacing held").isGreaterThanOrEqualTo(bound - 0.05);
      assertThat(elapsed)
          .as("no slower than the pacing needs, plus overhead")
          .isLessThan(bound * 1.5 + 5);
      assertThat(done.get("summary").asText())
          .contains("finished 256 of 256")
          .contains("pacing allows");
      List<JsonNode> ops = ops(app, id);
      assertThat(minGap(pacedTimes(ops, null))).as("global spacing").isGreaterThanOrEqualTo(global);
      List<Instant> all = new ArrayList<>(pacedTimes(ops, null));
      assertThat(all).hasSize(256 * 3);
    }
  }

  @Test
  void a_scan_larger_than_a_slash_16_is_refused_unless_forced() throws Exception {
    try (TestAppliance app = appliance(d -> d)) {
      HttpResponse<String> r =
          app.admin("POST", "/api/v1/scans", "{\"targets\": [\"127.0.0.0/15\"]}");
      assertThat(r.statusCode()).isEqualTo(400);
      assertThat(r.body()).contains("131072").contains("force");
      HttpResponse<String> own =
          app.admin("POST", "/api/v1/scans", "{\"targets\": [\"127.0.0.1\"]}");
      assertThat(own.statusCode()).isEqualTo(201);
      JsonNode ownScan = JSON.readTree(own.body());
      assertThat(ownScan.get("skipped").asInt()).isEqualTo(1);
      assertThat(ownScan.get("skipped_own").asInt()).isEqualTo(1);
      assertThat(ownScan.get("skipped_excluded").asInt()).isZero();
      // why each address was left out is kept with the scan
      JsonNode both =
          JSON.readTree(
              app.admin(
                      "POST",
                      "/api/v1/scans",
                      "{\"targets\": [\"127.0.0.1\", \"127.4.0.8/30\"], \"exclude\": [\"127.4.0.9\","
                          + " \"127.4.0.10\"]}")
                  .body());
      assertThat(both.get("skipped").asInt()).isEqualTo(3);
      assertThat(both.get("skipped_own").asInt()).isEqualTo(1);
      assertThat(both.get("skipped_excluded").asInt()).isEqualTo(2);
      JsonNode read = json(app.admin("GET", "/api/v1/scans/" + both.get("id").asLong(), null));
      for (String field : List.of("skipped", "skipped_own", "skipped_excluded")) {
        assertThat(read.get(field)).as(field).isEqualTo(both.get(field));
      }
    }
  }
}
