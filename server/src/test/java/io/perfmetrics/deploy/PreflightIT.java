package io.perfmetrics.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.perfmetrics.testing.TestAppliance;
import io.perfmetrics.testing.TestPostgres;
import io.perfmetrics.testing.TestSamba;
import io.perfmetrics.testing.TestSshd;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 14: a preflight connects and logs in without changing anything, and says per host what
 * passes and, for each failure, how to fix it. Real sshd hosts, each in its own mount namespace
 * with a private /var/tmp, and a real Samba without ADMIN$.
 */
class PreflightIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static TestPostgres postgres;
  static TestSshd good;
  static TestSshd readOnlyVarTmp;
  static TestSshd noHttpClient;
  static TestSshd rekeyed;
  static TestSamba noAdminShare;
  static TestAppliance appliance;

  @BeforeAll
  static void servers() {
    postgres = new TestPostgres();
    good = TestSshd.isolated(List.of("127.0.0.1", "127.0.0.2"), "1777", false);
    readOnlyVarTmp = TestSshd.isolated(List.of("127.0.0.1"), "0755", false);
    noHttpClient = TestSshd.isolated(List.of("127.0.0.1"), "1777", true);
    rekeyed = TestSshd.isolated(List.of("127.0.0.1"), "1777", false);
    noAdminShare = new TestSamba("DATA");
    appliance = new TestAppliance(postgres.jdbcUrl());
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable c :
        new AutoCloseable[] {
          appliance, noAdminShare, rekeyed, noHttpClient, readOnlyVarTmp, good, postgres
        }) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        // the others still get closed
      }
    }
  }

  @Test
  void aPreflightSaysPerHostWhatPassesAndHowToFixWhatFailsAndWritesNothingOnAnyTarget()
      throws Exception {
    // the login user is one for all test sshd: the password is the one set last
    long pw = credential("ssh_password", "password", TestSshd.USER, rekeyed.password());
    long wrongPw = credential("ssh_password", "password", TestSshd.USER, "not-the-password");
    long tGood = target("127.0.0.1", good.port(), "unix", pw);
    long tWrong = target("127.0.0.2", good.port(), "unix", wrongPw);
    long tReadOnly = target("127.0.0.1", readOnlyVarTmp.port(), "unix", pw(readOnlyVarTmp));
    long tNoCurl = target("127.0.0.1", noHttpClient.port(), "unix", pw(noHttpClient));
    long tRekeyed = target("127.0.0.1", rekeyed.port(), "unix", pw(rekeyed));
    long smbCred = credential("smb_password", "password", TestSamba.USER, noAdminShare.password());
    long tSmb = target("127.0.0.1", noAdminShare.port(), "windows", smbCred);

    // a status job pins the key (it only reads); then the host gets a new one
    runJob("{\"action\":\"status\",\"target_ids\":[" + tRekeyed + "]}");
    rekeyed.stop();
    rekeyed.newHostKey();
    rekeyed.start();

    List<TestSshd> unix = List.of(good, readOnlyVarTmp, noHttpClient, rekeyed);
    List<TreeMap<String, String>> before = new ArrayList<>();
    for (TestSshd s : unix) {
      before.add(listing(s.varTmp()));
    }
    TreeMap<String, String> homeBefore = listing(Path.of("/home/" + TestSshd.USER));
    String sambaBefore = listing(noAdminShare.shareDir()).toString();

    // the test appliance's clock stands still from its start; the clock check compares the
    // hosts' real clocks with it, so it is brought to the real time first (under load the
    // servers above can take over a minute to start)
    appliance.clock.advance(
        java.time.Duration.between(appliance.clock.instant(), java.time.Instant.now()));
    JsonNode job =
        runJob(
            "{\"action\":\"check\",\"target_ids\":["
                + tGood
                + ","
                + tWrong
                + ","
                + tReadOnly
                + ","
                + tNoCurl
                + ","
                + tRekeyed
                + ","
                + tSmb
                + "]}");

    assertThat(job.get("kind").asText()).isEqualTo("check");
    JsonNode ok = host(job, tGood);
    assertThat(ok.get("outcome").asText()).as(ok.toString()).isEqualTo("ready");
    assertThat(names(ok))
        .contains(
            "connect",
            "host_key",
            "login",
            "shell",
            "http_client",
            "tools_folder",
            "proc",
            "clock",
            "collector",
            "appliance_reach");
    ok.get("checks")
        .forEach(c -> assertThat(c.get("result").asText()).as(c.toString()).isEqualTo("pass"));

    assertFails(host(job, tWrong), "login", "password");
    assertFails(host(job, tReadOnly), "tools_folder", "chmod 1777");
    assertFails(host(job, tNoCurl), "http_client", "Install curl");
    assertThat(check(host(job, tNoCurl), "appliance_reach").get("result").asText())
        .isEqualTo("skip");
    assertFails(host(job, tRekeyed), "host_key", "accept its new key");
    assertFails(host(job, tSmb), "admin_share", "administrative shares");
    assertThat(check(host(job, tSmb), "login").get("result").asText()).isEqualTo("pass");
    assertThat(check(host(job, tSmb), "service_control").get("result").asText())
        .as("Samba serves OpenSCManagerW")
        .isEqualTo("pass");
    assertThat(job.get("failed").asInt()).isEqualTo(5);

    // nothing written on any target: same files, same sizes, same modification times
    for (int i = 0; i < unix.size(); i++) {
      assertThat(listing(unix.get(i).varTmp()))
          .as("/var/tmp of host " + i)
          .isEqualTo(before.get(i));
    }
    assertThat(listing(Path.of("/home/" + TestSshd.USER)))
        .as("the user's home")
        .isEqualTo(homeBefore);
    assertThat(listing(noAdminShare.shareDir()).toString()).isEqualTo(sambaBefore);

    // a preflight records no collector state
    assertThat(appliance.admin("GET", "/api/v1/targets/" + tGood + "/status", null).body())
        .doesNotContain("failed");

    // every connection is in the network operations log
    String ops = appliance.admin("GET", "/api/v1/netops?limit=1000", null).body();
    assertThat(ops)
        .contains("check collector")
        .contains(String.valueOf(good.port()))
        .contains(String.valueOf(noAdminShare.port()));

    // the same through the CLI, with the fix sentences
    String[] common = {
      "--url",
      appliance.uri("").toString(),
      "--token",
      TestAppliance.ADMIN_TOKEN,
      "--ca",
      appliance.app.tls().trustFile().toString()
    };
    var out = new java.io.ByteArrayOutputStream();
    var old = System.out;
    System.setOut(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
    int rc;
    try {
      rc =
          new picocli.CommandLine(new io.perfmetrics.cli.Main())
              .execute(
                  "preflight",
                  String.valueOf(tGood),
                  String.valueOf(tReadOnly),
                  common[0],
                  common[1],
                  common[2],
                  common[3],
                  common[4],
                  common[5]);
    } finally {
      System.setOut(old);
    }
    String printed = out.toString(java.nio.charset.StandardCharsets.UTF_8);
    assertThat(rc).as(printed).isEqualTo(1);
    assertThat(printed)
        .contains("ready")
        .contains("fail tools_folder")
        .contains("fix: Make /var/tmp writable")
        .contains("2 of 2 host(s) done, 1 failed");

    // and through the console: the Preflight button on a target, then "Preflight these hosts" on
    // its job
    io.perfmetrics.testing.ConsoleClient console =
        new io.perfmetrics.testing.ConsoleClient(appliance).loggedIn();
    assertThat(console.get("/targets").body())
        .contains("/targets/" + tNoCurl + "/check")
        .contains("/targets-all/check");
    HttpResponse<String> started =
        console.form(console.csrf, "/targets/" + tNoCurl + "/check", java.util.Map.of());
    assertThat(started.statusCode()).as(started.body()).isEqualTo(303);
    String jobPath = started.headers().firstValue("Location").orElseThrow();
    String page = awaitConsoleJob(console, jobPath);
    assertThat(page)
        .contains("Preflight these hosts")
        .contains("http_client")
        .contains("Fix: Install curl (or wget) on the host");
    HttpResponse<String> again = console.form(console.csrf, jobPath + "/check", java.util.Map.of());
    assertThat(again.statusCode()).as(again.body()).isEqualTo(303);
    assertThat(awaitConsoleJob(console, again.headers().firstValue("Location").orElseThrow()))
        .contains("Fix: Install curl (or wget) on the host");
  }

  static String awaitConsoleJob(io.perfmetrics.testing.ConsoleClient console, String path)
      throws Exception {
    for (int i = 0; i < 600; i++) {
      String page = console.get(path).body();
      if (!page.contains("data-state=\"running\"")) {
        return page;
      }
      Thread.sleep(100);
    }
    throw new AssertionError(path + " still running after 60 s");
  }

  @Test
  void anUnknownActionIsRefusedWithTheListOfActions() {
    HttpResponse<String> r =
        appliance.admin("POST", "/api/v1/deployments", "{\"action\":\"chek\"}");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("check");
  }

  static void assertFails(JsonNode host, String name, String fixSays) {
    assertThat(host.get("outcome").asText()).as(host.toString()).isEqualTo("failed");
    JsonNode c = check(host, name);
    assertThat(c.get("result").asText()).as(c.toString()).isEqualTo("fail");
    assertThat(c.get("fix").asText()).as(c.toString()).contains(fixSays);
  }

  static JsonNode check(JsonNode host, String name) {
    for (JsonNode c : host.get("checks")) {
      if (c.get("name").asText().equals(name)) {
        return c;
      }
    }
    throw new AssertionError("no check " + name + " in " + host);
  }

  static List<String> names(JsonNode host) {
    List<String> out = new ArrayList<>();
    host.get("checks").forEach(c -> out.add(c.get("name").asText()));
    return out;
  }

  /** Every file and folder under a directory with its size and modification time. */
  static TreeMap<String, String> listing(Path dir) throws IOException {
    TreeMap<String, String> m = new TreeMap<>();
    if (!Files.exists(dir)) {
      return m;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.toList()) {
        try {
          m.put(
              dir.relativize(p).toString(),
              Files.size(p) + " " + Files.getLastModifiedTime(p).toMillis());
        } catch (IOException e) {
          m.put(dir.relativize(p).toString(), "gone");
        }
      }
    }
    return m;
  }

  long pw(TestSshd s) throws Exception {
    return credential("ssh_password", "password", TestSshd.USER, rekeyed.password());
  }

  long credential(String kind, String field, String user, String secret) throws Exception {
    return json(
            appliance.admin(
                "POST",
                "/api/v1/credentials",
                JSON.writeValueAsString(
                    java.util.Map.of(
                        "name",
                        "c" + System.nanoTime(),
                        "kind",
                        kind,
                        "username",
                        user,
                        field,
                        secret))),
            201)
        .get("id")
        .asLong();
  }

  long target(String address, int port, String os, long credentialId) throws Exception {
    return json(
            appliance.admin(
                "POST",
                "/api/v1/targets",
                JSON.writeValueAsString(
                    java.util.Map.of(
                        "address",
                        address,
                        "port",
                        port,
                        "os_family",
                        os,
                        "credential_id",
                        credentialId))),
            201)
        .get("id")
        .asLong();
  }

  JsonNode runJob(String body) throws Exception {
    long id = json(appliance.admin("POST", "/api/v1/deployments", body), 202).get("id").asLong();
    for (int i = 0; i < 900; i++) {
      JsonNode job = json(appliance.admin("GET", "/api/v1/deployments/" + id, null), 200);
      if (!job.get("state").asText().equals("running")) {
        return job;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("job " + id + " did not finish within 90 s");
  }

  static JsonNode host(JsonNode job, long targetId) {
    for (JsonNode h : job.get("hosts")) {
      if (h.get("target_id").asLong() == targetId) {
        return h;
      }
    }
    throw new AssertionError("no result for target " + targetId + " in " + job);
  }

  static JsonNode json(HttpResponse<String> r, int expected) throws IOException {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(expected);
    return JSON.readTree(r.body());
  }
}
