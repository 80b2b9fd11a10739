package io.perfmetrics.network;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.perfmetrics.testing.ApplianceOnPostgres;
import io.perfmetrics.testing.TestAppliance;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code POST /api/v1/sockets} and the port audit against the real appliance and a real PostgreSQL.
 */
class SocketsIT extends ApplianceOnPostgres {
  static final ObjectMapper JSON = new ObjectMapper();

  record Collector(int id, String token) {}

  static Collector mint(String label) throws Exception {
    HttpResponse<String> r =
        appliance.admin("POST", "/api/v1/collectors", "{\"label\":\"" + label + "\"}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    JsonNode n = JSON.readTree(r.body());
    return new Collector(n.get("id").asInt(), n.get("token").asText());
  }

  static HttpResponse<String> upload(Collector c, String body) {
    return appliance.post("/api/v1/sockets", c.token(), "text/plain", body);
  }

  /** A snapshot an hour-aligned {@code hoursAgo} back, plus {@code plus} seconds. */
  static long at(int hoursAgo, int plus) {
    long now = appliance.clock.instant().getEpochSecond();
    return now - now % 3600 - hoursAgo * 3600L + plus;
  }

  static String snapshot(long ts, List<String> listens, List<String> conns) {
    StringBuilder b = new StringBuilder();
    b.append(ts)
        .append(",snapshot,proc,")
        .append(listens.size())
        .append(',')
        .append(conns.size())
        .append(",0\n");
    listens.forEach(l -> b.append(ts).append(",listen,").append(l).append('\n'));
    conns.forEach(l -> b.append(ts).append(",conn,").append(l).append('\n'));
    return b.toString();
  }

  static List<String> rows(String sql) throws Exception {
    try (Connection c = appliance.database.dataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      List<String> out = new ArrayList<>();
      int n = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        StringBuilder b = new StringBuilder();
        for (int i = 1; i <= n; i++) {
          b.append(i > 1 ? "|" : "").append(rs.getString(i));
        }
        out.add(b.toString());
      }
      return out;
    }
  }

  /** Moves everything into the hourly tables now rather than on the appliance's timer. */
  static void roll() {
    appliance.app.socketStore().rollup(appliance.clock.instant());
  }

  static List<String> stored(int id) throws Exception {
    roll();
    List<String> out = new ArrayList<>();
    for (String t :
        List.of(
            "socket_rows",
            "socket_snapshots",
            "listener_hours",
            "connection_hours",
            "connection_keys",
            // connection_weeks refers to its key by id
            "(SELECT w.*, k.collector_id FROM connection_weeks w JOIN connection_keys k ON k.id = w.key_id)",
            "listeners",
            "socket_hosts")) {
      rows("SELECT * FROM " + t + " x WHERE collector_id = " + id + " ORDER BY x::text")
          .forEach(r -> out.add(t + ": " + r));
    }
    return out;
  }

  static JsonNode get(String path) throws Exception {
    HttpResponse<String> r = appliance.admin("GET", path, null);
    assertThat(r.statusCode()).as(path + " " + r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  @Test
  void snapshotsAreStoredAsHourlyRowsAndTheAuditShowsEveryListener() throws Exception {
    Collector c = mint("db1");
    long t1 = at(2, 60);
    long t2 = at(2, 360);
    String conn = "out,tcp,192.0.2.5,0,192.0.2.7,5432,app,java,,";
    String body =
        snapshot(
                t1,
                List.of(
                    "tcp,0.0.0.0,6379,redis,redis-server,",
                    "tcp,127.0.0.1,5432,postgres,postgres,"),
                List.of(conn + "3", "in,tcp,192.0.2.5,6379,192.0.2.9,0,redis,redis-server,,1"))
            + snapshot(t2, List.of("tcp,0.0.0.0,6379,redis,redis-server,"), List.of(conn + "5"));

    HttpResponse<String> r = upload(c, body);

    assertThat(r.statusCode()).as(r.body()).isEqualTo(204);
    // the audit sees rows not rolled up yet as well as rolled-up ones
    assertThat(get("/api/v1/ports/" + c.id()).get("listeners")).hasSize(2);
    roll();
    assertThat(
            rows(
                "SELECT snapshots, extract(epoch FROM first_seen)::bigint, extract(epoch FROM last_seen)::bigint"
                    + " FROM listener_hours WHERE collector_id = "
                    + c.id()
                    + " AND local_port = 6379"))
        .containsExactly("2|" + t1 + "|" + t2);
    assertThat(
            rows(
                "SELECT snapshots, connections, max_connections, host(remote_addr), remote_port FROM connection_hours"
                    + " WHERE collector_id = "
                    + c.id()
                    + " AND direction = 'out'"))
        .containsExactly("2|8|5|192.0.2.7|5432");
    // the dependency map's weekly summary: one row, the hour's bit set, the most seen at once
    assertThat(
            rows(
                "SELECT bit_count(hours), max_connections, host(remote_addr) FROM connection_weeks"
                    + " JOIN connection_keys k ON k.id = key_id WHERE collector_id = "
                    + c.id()
                    + " AND direction = 'out'"))
        .containsExactly("1|5|192.0.2.7");
    JsonNode host = get("/api/v1/ports/" + c.id());
    assertThat(host.get("listeners")).hasSize(2);
    JsonNode redis = host.get("listeners").get(0);
    assertThat(redis.get("local_port").asInt()).isEqualTo(6379);
    assertThat(redis.get("bind_scope").asText()).isEqualTo("all");
    assertThat(redis.get("process").asText()).isEqualTo("redis-server");
    assertThat(redis.get("user").asText()).isEqualTo("redis");
    assertThat(redis.get("open_now").asBoolean()).isTrue();
    assertThat(redis.get("findings").get(0).get("kind").asText()).isEqualTo("risky_service");
    JsonNode pg = host.get("listeners").get(1);
    assertThat(pg.get("bind_scope").asText()).isEqualTo("loopback");
    assertThat(pg.get("open_now").asBoolean()).isFalse();
    assertThat(pg.get("findings")).isEmpty();
    assertThat(get("/api/v1/ports/db1").get("host_id").asInt()).isEqualTo(c.id());
  }

  @Test
  void theDependencyMapCountsHoursFromTheDailySummaryAndTheSnapshotsNotRolledUp() throws Exception {
    Collector c = mint("deps-days");
    String conn = "out,tcp,192.0.2.5,0,198.51.100.7,5432,app,java,,";
    // hours 30, 5 (twice) and 4 ago rolled up into connection_weeks, then one in the current hour
    // that stays in socket_rows
    String body =
        snapshot(at(30, 60), List.of(), List.of(conn + "1"))
            + snapshot(at(5, 60), List.of(), List.of(conn + "2"))
            + snapshot(at(5, 600), List.of(), List.of(conn + "7"))
            + snapshot(at(4, 60), List.of(), List.of(conn + "3"));
    assertThat(upload(c, body).statusCode()).isEqualTo(204);
    roll();
    assertThat(
            rows(
                "SELECT sum(bit_count(hours)), max(max_connections) FROM connection_weeks"
                    + " JOIN connection_keys k ON k.id = key_id WHERE collector_id = "
                    + c.id()))
        .containsExactly("3|7");
    // the current hour, twice (one hour, not two), and with it a key never rolled up: its hours
    // come from socket_rows alone
    String fresh = "out,tcp,192.0.2.5,0,198.51.100.8,6379,app,java,,";
    assertThat(
            upload(
                    c,
                    snapshot(at(0, 1), List.of(), List.of(conn + "1", fresh + "4"))
                        + snapshot(at(0, 2), List.of(), List.of(conn + "1", fresh + "2")))
                .statusCode())
        .isEqualTo(204);
    appliance.app.dependencies().invalidate();

    JsonNode map = get("/api/v1/dependencies?window_days=2");
    JsonNode redis = edgeFrom(map, c.id(), 6379);
    assertThat(redis.get("hours").asInt()).isEqualTo(1);
    assertThat(redis.get("max_connections").asLong()).isEqualTo(4);
    assertThat(java.time.Instant.parse(redis.get("first_seen").asText()).getEpochSecond())
        .isEqualTo(at(0, 1));
    JsonNode two = edgeFrom(map, c.id(), 5432);
    assertThat(two.get("hours").asInt()).isEqualTo(4);
    assertThat(two.get("max_connections").asLong()).isEqualTo(7);
    assertThat(java.time.Instant.parse(two.get("first_seen").asText()).getEpochSecond())
        .isEqualTo(at(30, 60));
    assertThat(java.time.Instant.parse(two.get("last_seen").asText()).getEpochSecond())
        .isEqualTo(at(0, 2));
    // one day back: the hour 30 ago is outside, whichever UTC week it fell on; first seen is the
    // exact time when the window starts in an earlier week than that hour, else (the week's row
    // was first seen before the window) the start of the first hour seen in the window
    JsonNode one = edgeFrom(get("/api/v1/dependencies?window_days=1"), c.id(), 5432);
    assertThat(one.get("hours").asInt()).isEqualTo(3);
    long monday30 = week(at(30, 60));
    assertThat(java.time.Instant.parse(one.get("first_seen").asText()).getEpochSecond())
        .isEqualTo(monday30 == week(at(5, 60)) ? at(5, 0) : at(5, 60));
  }

  @Test
  void aHostIsKnownByTheAddressesDiscoveryFoundUnderItsDnsName() throws Exception {
    Collector db = mint("dns-db");
    Collector app = mint("dns-app");
    // db's target was added by name; a scan found that name (its reverse DNS, another case, a
    // trailing dot) on 203.0.113.50, an address db never reports (NAT); and it named
    // 203.0.113.60, which is no host's, mail.dns.example.test
    try (Connection c = appliance.database.dataSource().getConnection();
        Statement st = c.createStatement()) {
      st.execute("INSERT INTO targets (address, os_family) VALUES ('DB.dns.example.test', 'unix')");
      st.execute(
          "UPDATE collectors SET target_id = (SELECT id FROM targets WHERE address = 'DB.dns.example.test')"
              + " WHERE id = "
              + db.id());
      st.execute("INSERT INTO scans (spec, total) VALUES ('{}', 2)");
      st.execute(
          "INSERT INTO scan_hosts (scan_id, address, hostname, state) SELECT max(id), a, n, 'found'"
              + " FROM scans, (VALUES ('203.0.113.50', 'db.dns.example.test.'),"
              + " ('203.0.113.60', 'mail.dns.example.test')) v(a, n) GROUP BY a, n");
    }
    assertThat(
            upload(
                    db,
                    snapshot(
                        at(1, 60),
                        List.of(),
                        List.of("in,tcp,192.0.2.55,5432,203.0.113.61,0,postgres,postgres,,1")))
                .statusCode())
        .isEqualTo(204);
    assertThat(
            upload(
                    app,
                    snapshot(
                        at(1, 60),
                        List.of(),
                        List.of(
                            "out,tcp,203.0.113.61,0,203.0.113.50,5432,app,java,,1",
                            "out,tcp,203.0.113.61,0,203.0.113.60,25,app,java,,1")))
                .statusCode())
        .isEqualTo(204);
    roll();
    appliance.app.dependencies().invalidate();

    JsonNode map = get("/api/v1/dependencies?window_days=1");
    JsonNode pg = edgeFrom(map, app.id(), 5432);
    assertThat(pg.get("server").get("host_id").asInt()).isEqualTo(db.id());
    assertThat(pg.get("seen_by").asText()).isEqualTo("both");
    JsonNode mail = edgeFrom(map, app.id(), 25);
    assertThat(mail.get("server").get("id").asText()).isEqualTo("name:mail.dns.example.test");
    assertThat(mail.get("server").get("addresses").get(0).asText()).isEqualTo("203.0.113.60");
  }

  /** The Monday 00:00 UTC of the week a time falls in, as seconds since 1970. */
  static long week(long epochSecond) {
    long day = Math.floorDiv(epochSecond, 86_400L);
    // 1970-01-01 was a Thursday: day 0 is 3 days after a Monday
    return (day - Math.floorMod(day + 3, 7)) * 86_400L;
  }

  static JsonNode edgeFrom(JsonNode map, int hostId) {
    return edgeFrom(map, hostId, null);
  }

  static JsonNode edgeFrom(JsonNode map, int hostId, Integer port) {
    for (JsonNode e : map.get("edges")) {
      JsonNode client = e.get("client");
      if (client.has("host_id")
          && client.get("host_id").asInt() == hostId
          && (port == null || e.get("port").asInt() == port)) {
        return e;
      }
    }
    throw new AssertionError("no edge from host " + hostId + " in " + map.get("edges"));
  }

  @Test
  void aReplayChangesNothing() throws Exception {
    Collector c = mint("replay");
    String first =
        snapshot(
            at(3, 0),
            List.of("tcp,0.0.0.0,22,root,sshd,"),
            List.of("in,tcp,192.0.2.5,22,192.0.2.9,0,root,sshd,,2"));
    assertThat(upload(c, first).statusCode()).isEqualTo(204);
    List<String> before = stored(c.id());

    HttpResponse<String> again = upload(c, first);
    HttpResponse<String> thrice = upload(c, first);

    assertThat(again.statusCode()).isEqualTo(204);
    assertThat(thrice.statusCode()).isEqualTo(204);
    assertThat(stored(c.id())).isEqualTo(before).isNotEmpty();
    // a body repeating a stored snapshot next to a new one stores only the new one
    String second = snapshot(at(3, 300), List.of("tcp,0.0.0.0,22,root,sshd,"), List.of());
    assertThat(upload(c, first + second).statusCode()).isEqualTo(204);
    roll();
    assertThat(rows("SELECT snapshots FROM listener_hours WHERE collector_id = " + c.id()))
        .containsExactly("2");
    assertThat(rows("SELECT snapshots FROM connection_hours WHERE collector_id = " + c.id()))
        .containsExactly("1");
  }

  @Test
  void listenersNotSeenWithinTheRollupRetentionArePrunedAndLeaveTheAudit() throws Exception {
    Collector c = mint("retired-web");
    // 3 days ago: an FTP server since closed; 2 hours ago: ssh, still there
    long old = at(72, 60);
    assertThat(
            upload(
                    c,
                    snapshot(
                        old,
                        List.of("tcp,0.0.0.0,21,root,vsftpd,"),
                        List.of("in,tcp,192.0.2.5,21,192.0.2.9,0,root,vsftpd,,1")))
                .statusCode())
        .isEqualTo(204);
    assertThat(
            upload(c, snapshot(at(2, 60), List.of("tcp,0.0.0.0,22,root,sshd,"), List.of()))
                .statusCode())
        .isEqualTo(204);
    roll();
    assertThat(get("/api/v1/ports/" + c.id()).get("listeners")).hasSize(2);
    List<String> keys =
        rows("SELECT id FROM connection_keys WHERE collector_id = " + c.id() + " ORDER BY id");
    assertThat(keys).hasSize(1);

    // rollups kept 2 days (no other test of this class stores anything that old)
    var result =
        new io.perfmetrics.store.Retention(
                appliance.database.dataSource(),
                new io.perfmetrics.config.RetentionSettings(1, 2),
                appliance.clock,
                appliance.app.portAudit()::invalidate)
            .runOnce();

    // the FTP listener, its hour, its connection's hour, that connection's week and its key
    assertThat(result.prunedSocketRows()).isEqualTo(5);
    assertThat(rows("SELECT count(*) FROM connection_weeks WHERE key_id = " + keys.get(0)))
        .containsExactly("0");
    assertThat(rows("SELECT count(*) FROM connection_keys WHERE collector_id = " + c.id()))
        .containsExactly("0");
    assertThat(rows("SELECT local_port FROM listeners WHERE collector_id = " + c.id()))
        .containsExactly("22");
    assertThat(rows("SELECT local_port FROM listener_hours WHERE collector_id = " + c.id()))
        .containsExactly("22");
    assertThat(rows("SELECT count(*) FROM connection_hours WHERE collector_id = " + c.id()))
        .containsExactly("0");
    JsonNode audit = get("/api/v1/ports/" + c.id()).get("listeners");
    assertThat(audit).hasSize(1);
    assertThat(audit.get(0).get("local_port").asInt()).isEqualTo(22);
  }

  @Test
  void newSnapshotsOfOneHostReachTheCachedFleetAuditWithoutLosingTheOthers() throws Exception {
    Collector a = mint("cache-a");
    Collector b = mint("cache-b");
    assertThat(upload(a, snapshot(at(4, 0), List.of("tcp,0.0.0.0,22,root,sshd,"), List.of())))
        .extracting(HttpResponse::statusCode)
        .isEqualTo(204);
    assertThat(upload(b, snapshot(at(4, 0), List.of("tcp,0.0.0.0,80,root,nginx,"), List.of())))
        .extracting(HttpResponse::statusCode)
        .isEqualTo(204);
    List<ListenerAudit> before = appliance.app.portAudit().fleet();
    assertThat(before).extracting(ListenerAudit::hostId).contains(a.id(), b.id());

    // host a opens telnet: only a is re-read, and the cached fleet shows it at once
    assertThat(
            upload(
                a,
                snapshot(
                    at(4, 300),
                    List.of("tcp,0.0.0.0,22,root,sshd,", "tcp,0.0.0.0,23,root,telnetd,"),
                    List.of())))
        .extracting(HttpResponse::statusCode)
        .isEqualTo(204);

    JsonNode fleet = get("/api/v1/ports?host=cache-&limit=500");
    List<String> seen = new ArrayList<>();
    fleet
        .get("listeners")
        .forEach(l -> seen.add(l.get("host_id").asInt() + ":" + l.get("local_port").asInt()));
    assertThat(seen).containsExactly(a.id() + ":23", a.id() + ":22", b.id() + ":80");
    assertThat(fleet.get("listeners").get(0).get("findings").get(0).get("severity").asText())
        .isEqualTo("high");
    assertThat(appliance.app.portAudit().fleet()).hasSize(before.size() + 1);
  }

  @Test
  void aMalformedLineIs400NamingItAndNothingOfTheBodyIsStored() throws Exception {
    Collector c = mint("bad");
    String good = snapshot(at(1, 0), List.of("tcp,0.0.0.0,22,root,sshd,"), List.of());
    String bad = snapshot(at(1, 300), List.of("tcp,999.0.0.1,22,root,sshd,"), List.of());

    HttpResponse<String> r = upload(c, good + bad);

    assertThat(r.statusCode()).isEqualTo(400);
    JsonNode n = JSON.readTree(r.body());
    assertThat(n.get("detail").asText())
        .startsWith("line 4: local_addr must be an IPv4 or IPv6 address literal");
    assertThat(stored(c.id())).isEmpty();
  }

  @Test
  void tokensAreCheckedLikeForMetrics() throws Exception {
    Collector c = mint("auth");
    String body = snapshot(at(1, 0), List.of(), List.of());
    HttpResponse<String> unknown =
        appliance.post(
            "/api/v1/sockets", "pm1." + c.id() + "." + "A".repeat(43), "text/plain", body);
    HttpResponse<String> none = appliance.post("/api/v1/sockets", null, "text/plain", body);
    assertThat(unknown.statusCode()).isEqualTo(401);
    assertThat(none.statusCode()).isEqualTo(401);
    // an admin token is no collector token
    assertThat(
            appliance
                .post("/api/v1/sockets", TestAppliance.ADMIN_TOKEN, "text/plain", body)
                .statusCode())
        .isEqualTo(401);

    assertThat(appliance.admin("DELETE", "/api/v1/collectors/" + c.id(), null).statusCode())
        .isEqualTo(204);
    HttpResponse<String> gone = upload(c, body);
    assertThat(gone.statusCode()).isEqualTo(410);
    assertThat(stored(c.id())).isEmpty();
  }

  @Test
  void aBodyOverOneMebibyteGets413() throws Exception {
    Collector c = mint("big");
    long t = at(1, 0);
    String line = t + ",listen,tcp,0.0.0.0,22,root," + "A".repeat(200) + ",\n";
    int n = (1 << 20) / line.length() + 1;
    String body = t + ",snapshot,proc," + n + ",0,0\n" + line.repeat(n);

    HttpResponse<String> r = upload(c, body);

    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(stored(c.id())).isEmpty();
  }

  @Test
  void hostileValuesArriveAsTextAndAreEscapedInJsonAndCsv() throws Exception {
    Collector c = mint("hostile");
    // comma, quote, newline, markup, a formula, invalid UTF-8 and NUL
    String encoded = "%3D1%2B2%2C%22x%22%0A%3Cscript%3Ealert(1)%3C%2Fscript%3E%FF%00";
    String expected = "=1+2,\"x\"\n<script>alert(1)</script>\uFFFD\uFFFD";
    HttpResponse<String> r =
        upload(
            c,
            snapshot(at(1, 0), List.of("tcp,192.0.2.5,8080,uid:1001," + encoded + ","), List.of()));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(204);

    JsonNode l = get("/api/v1/ports/" + c.id()).get("listeners").get(0);
    assertThat(l.get("process").asText()).isEqualTo(expected);
    HttpResponse<String> csv =
        appliance.admin("GET", "/api/v1/ports/" + c.id() + "?format=csv", null);
    assertThat(csv.headers().firstValue("Content-Type").orElse("")).startsWith("text/csv");
    assertThat(csv.body()).contains(",\"'=1+2,\"\"x\"\"\n<script>alert(1)</script>\uFFFD\uFFFD\",");
    // and the console escapes it: markup from a target is shown, never run
    var console = new io.perfmetrics.testing.ConsoleClient(appliance).loggedIn();
    for (String page : List.of("/ports?host=hostile", "/ports/" + c.id())) {
      String html = console.get(page).body();
      assertThat(html)
          .as(page)
          .contains("&lt;script&gt;alert(1)&lt;/script&gt;")
          .doesNotContain("<script>alert");
    }
    // the host's page leads to its Ports section
    assertThat(console.get("/collectors/" + c.id()).body())
        .contains("href=\"/ports/" + c.id() + "\"");
  }

  @Test
  void aDenyRuleAddedThroughTheApiTurnsAListenerIntoAFindingInJsonAndCsv() throws Exception {
    Collector c = mint("policy-host");
    assertThat(
            upload(c, snapshot(at(1, 0), List.of("tcp,192.0.2.5,8081,svc,weird%2Cd,"), List.of()))
                .statusCode())
        .isEqualTo(204);
    assertThat(get("/api/v1/ports?host=policy-host").get("listeners").get(0).get("findings"))
        .isEmpty();

    HttpResponse<String> add =
        appliance.admin(
            "POST",
            "/api/v1/port-policy/rules",
            "{\"action\":\"deny\",\"proto\":\"tcp\",\"ports\":\"8081\",\"process\":\"weird*\",\"severity\":\"high\","
                + "\"note\":\"nobody knows this one\",\"position\":1}");
    assertThat(add.statusCode()).as(add.body()).isEqualTo(201);
    long ruleId = JSON.readTree(add.body()).get("id").asLong();

    JsonNode fleet = get("/api/v1/ports?host=policy-host&finding=policy_deny&severity=high");
    assertThat(fleet.get("total").asInt()).isEqualTo(1);
    JsonNode f = fleet.get("listeners").get(0).get("findings").get(0);
    assertThat(f.get("kind").asText()).isEqualTo("policy_deny");
    assertThat(f.get("severity").asText()).isEqualTo("high");
    assertThat(f.get("reason").asText())
        .contains("rule #" + ruleId)
        .contains("nobody knows this one");
    String csv = appliance.admin("GET", "/api/v1/ports?host=policy-host&format=csv", null).body();
    assertThat(csv.split("\r\n")).hasSize(2);
    assertThat(csv)
        .contains("\"weird,d\"")
        .contains(",deny,high,")
        .contains("high policy_deny: " + f.get("reason").asText());
    assertThat(get("/api/v1/port-policy").get("rules").get(0).get("id").asLong()).isEqualTo(ruleId);

    assertThat(appliance.admin("DELETE", "/api/v1/port-policy/rules/" + ruleId, null).statusCode())
        .isEqualTo(204);
    assertThat(get("/api/v1/ports?host=policy-host").get("listeners").get(0).get("findings"))
        .isEmpty();
  }

  @Test
  void thePolicyIsExportedAndImportedAsOneFileAndBadRulesAre400() throws Exception {
    JsonNode exported = get("/api/v1/port-policy");
    assertThat(exported.get("format").asText()).isEqualTo("perfmetrics-port-policy");
    String file =
        "{\"format\":\"perfmetrics-port-policy\",\"version\":1,\"rules\":["
            + "{\"action\":\"allow\",\"ports\":\"22\",\"process\":\"sshd\"},"
            + "{\"action\":\"deny\",\"proto\":\"udp\",\"ports\":\"5900-5903\",\"os_family\":\"windows\",\"severity\":\"low\"}]}";
    try {
      HttpResponse<String> put = appliance.admin("PUT", "/api/v1/port-policy", file);
      assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
      JsonNode rules = get("/api/v1/port-policy").get("rules");
      assertThat(rules).hasSize(2);
      assertThat(rules.get(1).get("ports").asText()).isEqualTo("5900-5903");
      assertThat(rules.get(1).get("os_family").asText()).isEqualTo("windows");

      HttpResponse<String> bad =
          appliance.admin("PUT", "/api/v1/port-policy", file.replace("5900-5903", "5903-5900"));
      assertThat(bad.statusCode()).isEqualTo(400);
      assertThat(JSON.readTree(bad.body()).get("detail").asText())
          .startsWith("rules[1]: ports must be");
      assertThat(get("/api/v1/port-policy").get("rules")).hasSize(2);
      assertThat(
              appliance
                  .admin("POST", "/api/v1/port-policy/rules", "{\"action\":\"maybe\"}")
                  .statusCode())
          .isEqualTo(400);
      assertThat(appliance.admin("GET", "/api/v1/ports?severity=urgent", null).statusCode())
          .isEqualTo(400);
    } finally {
      appliance.admin("PUT", "/api/v1/port-policy", JSON.writeValueAsString(exported));
    }
  }

  @Test
  void portRoutesNeedAdminAuthentication() throws Exception {
    Collector c = mint("nosy");
    for (String path : List.of("/api/v1/ports", "/api/v1/ports/1", "/api/v1/port-policy")) {
      assertThat(
              appliance
                  .send(java.net.http.HttpRequest.newBuilder(appliance.uri(path)).GET())
                  .statusCode())
          .as(path)
          .isEqualTo(401);
      assertThat(
              appliance
                  .send(
                      java.net.http.HttpRequest.newBuilder(appliance.uri(path))
                          .header("Authorization", "Bearer " + c.token())
                          .GET())
                  .statusCode())
          .as(path)
          .isEqualTo(401);
    }
  }

  @Test
  void theCliPrintsTheSameAuditAsTheApi() throws Exception {
    Collector c = mint("cli-host");
    assertThat(
            upload(c, snapshot(at(1, 0), List.of("udp,0.0.0.0,111,root,rpcbind,"), List.of()))
                .statusCode())
        .isEqualTo(204);
    java.io.PrintStream old = System.out;
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    int code;
    System.setOut(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
    try {
      code =
          new picocli.CommandLine(new io.perfmetrics.cli.Main())
              .execute(
                  "ports",
                  "cli-host",
                  "--csv",
                  "--url=" + appliance.baseUrl(),
                  "--ca=" + appliance.app.tls().trustFile(),
                  "--token=" + TestAppliance.ADMIN_TOKEN);
    } finally {
      System.setOut(old);
    }
    assertThat(code).isZero();
    String api = appliance.admin("GET", "/api/v1/ports/" + c.id() + "?format=csv", null).body();
    assertThat(out.toString(java.nio.charset.StandardCharsets.UTF_8).strip())
        .isEqualTo(api.strip());
    assertThat(api)
        .contains(",cli-host,udp,0.0.0.0,111,all,root,rpcbind,")
        .contains("high risky_service: rpcbind");
  }

  @Test
  @Timeout(value = 180, unit = TimeUnit.SECONDS)
  void whileTheDatabaseIsDownTheReceiverAnswers503AndTakesTheSameBodyOnceItIsBack()
      throws Exception {
    Collector c = mint("outage");
    String warm = snapshot(at(1, 0), List.of(), List.of());
    assertThat(upload(c, warm).statusCode()).isEqualTo(204);
    String body = snapshot(at(1, 300), List.of("tcp,0.0.0.0,443,root,nginx,"), List.of());

    postgres.stop();
    HttpResponse<String> during;
    try {
      during = upload(c, body);
    } finally {
      postgres.start();
    }

    assertThat(during.statusCode()).as(during.body()).isEqualTo(503);
    assertThat(during.headers().firstValue("Retry-After")).isPresent();
    HttpResponse<String> after = null;
    for (int i = 0; i < 30; i++) {
      after = upload(c, body);
      if (after.statusCode() == 204) {
        break;
      }
      Thread.sleep(500);
    }
    assertThat(after.statusCode()).as(after.body()).isEqualTo(204);
    assertThat(rows("SELECT snapshots FROM socket_hosts WHERE collector_id = " + c.id()))
        .containsExactly("2");
  }
}
