package io.perfmetrics.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.perfmetrics.config.Config;
import io.perfmetrics.testing.TestAppliance;
import io.perfmetrics.testing.TestPostgres;
import io.perfmetrics.testing.TestSshd;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 15, hostile local users on targets: another local user (created here, removed after) plants
 * the tools folder on a real OpenSSH target before or after a deploy. Each sshd runs in its own
 * mount namespace with a private tmpfs on /var/tmp, so the real path /var/tmp/perfmetrics/tools is
 * used and nothing planted, and nothing a wrong deploy would do, reaches the machine's /var/tmp;
 * the root-credential cases plant links to a root-owned /etc-like directory on that tmpfs.
 */
class DeployFoldersIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String TOOLS = "/var/tmp/perfmetrics/tools";

  /** The other local user: unique per JVM, so parallel test runs do not share or remove it. */
  static final String PLANTER = "pmpl" + ProcessHandle.current().pid();

  static TestPostgres postgres;
  TestSshd sshd;
  TestAppliance appliance;

  @BeforeAll
  static void servers() {
    postgres = new TestPostgres();
    assertThat(
            TestSshd.run(
                List.of("useradd", "--no-create-home", "--shell", "/bin/sh", PLANTER), null))
        .as("useradd " + PLANTER)
        .isZero();
  }

  @AfterAll
  static void stopServers() {
    TestSshd.run(List.of("userdel", PLANTER), null);
    if (postgres != null) {
      postgres.close();
    }
  }

  @AfterEach
  void stop() {
    if (sshd != null) {
      // collectors started in this sshd's namespace (none outlives the test)
      TestSshd.run(
          List.of(
              "pkill",
              "--ns",
              String.valueOf(sshdPid()),
              "--nslist",
              "mnt",
              "-f",
              "[c]ollector[.]sh"),
          null);
      sshd.close();
    }
    if (appliance != null) {
      appliance.close();
    }
  }

  private long sshdPid() {
    // the namespace's /var/tmp is /proc/<pid>/root/var/tmp
    return Long.parseLong(sshd.varTmp().getName(1).toString());
  }

  void start(boolean root) {
    sshd =
        root
            ? TestSshd.isolatedWithRoot(List.of("127.0.0.1"))
            : TestSshd.isolated(List.of("127.0.0.1"), "1777", false);
    var collectors =
        new Config.Collectors(
            Duration.ofSeconds(1),
            Duration.ofSeconds(2),
            Duration.ofMinutes(5),
            1 << 20,
            "http://127.0.0.1:" + TestPostgres.freePort(),
            TOOLS,
            Duration.ofSeconds(30),
            4);
    appliance = new TestAppliance(postgres.newDatabase(), Config.Ingest.defaults(), collectors);
  }

  /** Runs a shell command on the target as {@code user}; it must succeed. */
  void as(String user, String command) {
    assertThat(sshd.runAs(user, command)).as(user + ": " + command).isZero();
  }

  JsonNode call(String method, String path, String body, int expected) throws Exception {
    HttpResponse<String> r = appliance.admin(method, path, body);
    assertThat(r.statusCode()).as(method + " " + path + ": " + r.body()).isEqualTo(expected);
    return r.body().isEmpty() ? null : JSON.readTree(r.body());
  }

  long target(String user) throws Exception {
    Map<String, String> cred =
        user.equals("root")
            ? Map.of(
                "name",
                "root" + System.nanoTime(),
                "kind",
                "ssh_key",
                "username",
                "root",
                "private_key",
                sshd.authorizeNewKey("root", null))
            : Map.of(
                "name",
                "pw" + System.nanoTime(),
                "kind",
                "ssh_password",
                "username",
                TestSshd.USER,
                "password",
                sshd.password());
    long credential =
        call("POST", "/api/v1/credentials", JSON.writeValueAsString(cred), 201).get("id").asLong();
    return call(
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
  }

  /** The host's result of one job. */
  JsonNode run(String action, long target) throws Exception {
    long id =
        call(
                "POST",
                "/api/v1/deployments",
                "{\"action\":\"" + action + "\",\"target_ids\":[" + target + "]}",
                202)
            .get("id")
            .asLong();
    for (int i = 0; i < 600; i++) {
      JsonNode job = call("GET", "/api/v1/deployments/" + id, null, 200);
      if (!job.get("state").asText().equals("running")) {
        for (JsonNode h : job.get("hosts")) {
          if (h.get("target_id").asLong() == target) {
            return h;
          }
        }
        throw new AssertionError("no result for target " + target + " in " + job);
      }
      Thread.sleep(100);
    }
    throw new AssertionError("job " + id + " did not finish within 60 s");
  }

  /** A path on the target's private /var/tmp, as this machine reaches it. */
  Path onTarget(String varTmpPath) {
    return sshd.varTmp().resolve(Path.of("/var/tmp").relativize(Path.of(varTmpPath)));
  }

  /**
   * A directory's mode, owner and every entry (name, mode, size, content), without following links.
   */
  Map<String, String> fingerprint(String varTmpPath) throws IOException {
    Path d = onTarget(varTmpPath);
    Map<String, String> out = new TreeMap<>();
    out.put(".", modeAndOwner(varTmpPath));
    try (Stream<Path> files = Files.walk(d)) {
      for (Path f : files.skip(1).toList()) {
        out.put(
            d.relativize(f).toString(),
            PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(f, LinkOption.NOFOLLOW_LINKS))
                + " "
                + (Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS) ? Files.readString(f) : ""));
      }
    }
    return out;
  }

  /**
   * One path's mode and owner, without following a link and without listing it: a folder with a
   * running collector in it changes under a walk (its state file is written and renamed).
   */
  String modeAndOwner(String varTmpPath) throws IOException {
    Path p = onTarget(varTmpPath);
    return PosixFilePermissions.toString(
            Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS))
        + " "
        + Files.getOwner(p, LinkOption.NOFOLLOW_LINKS).getName();
  }

  /** A directory of the deploy user (or root) with one file, the kind a link would aim at. */
  Map<String, String> victim(String user, String path) throws IOException {
    as(
        user,
        "mkdir -m 755 "
            + path
            + " && echo keep > "
            + path
            + "/file && chmod 644 "
            + path
            + "/file");
    return fingerprint(path);
  }

  @Test
  void aWorldWritableFolderOfAnotherUserWithToolsLinkedToTheDeployUsersDirectoryIsRefused()
      throws Exception {
    start(false);
    Map<String, String> before = victim(TestSshd.USER, "/var/tmp/victim");
    as(
        PLANTER,
        "mkdir /var/tmp/perfmetrics && chmod 777 /var/tmp/perfmetrics"
            + " && ln -s /var/tmp/victim /var/tmp/perfmetrics/tools");
    long t = target(TestSshd.USER);

    JsonNode h = run("deploy", t);

    assertThat(h.get("outcome").asText()).as(h.toString()).isEqualTo("failed");
    assertThat(h.get("detail").asText())
        .contains("refusing the tools folder /var/tmp/perfmetrics: owner " + PLANTER)
        .contains("mode drwxrwxrwx")
        .contains("owned by neither the deploy user");
    assertThat(fingerprint("/var/tmp/victim")).isEqualTo(before);
  }

  @Test
  void theDeployUsersOwnFolderThatOthersCanWriteIsRefusedAndOnceFixedMadePrivate()
      throws Exception {
    start(false);
    // the deploy user's own folders, the parent world-writable by mistake: anyone could swap tools
    as(
        TestSshd.USER,
        "mkdir -m 700 /var/tmp/perfmetrics && chmod 777 /var/tmp/perfmetrics"
            + " && mkdir -m 755 /var/tmp/perfmetrics/tools");
    long t = target(TestSshd.USER);

    JsonNode refused = run("deploy", t);

    assertThat(refused.get("outcome").asText()).as(refused.toString()).isEqualTo("failed");
    assertThat(refused.get("detail").asText())
        .contains("/var/tmp/perfmetrics: owner " + TestSshd.USER)
        .contains("mode drwxrwxrwx")
        .endsWith(
            "writable by other users (another local user could have planted it; see"
                + " docs/tools-folders.md)");
    assertThat(fingerprint("/var/tmp/perfmetrics"))
        .as("nothing written")
        .isEqualTo(Map.of(".", "rwxrwxrwx " + TestSshd.USER, "tools", "rwxr-xr-x "));

    // fixed: neither is writable by others now, so both pass; the tools folder is made private
    as(TestSshd.USER, "chmod 755 /var/tmp/perfmetrics");
    JsonNode deployed = run("deploy", t);

    assertThat(deployed.get("outcome").asText()).as(deployed.toString()).isEqualTo("started");
    assertThat(modeAndOwner("/var/tmp/perfmetrics")).isEqualTo("rwxr-xr-x " + TestSshd.USER);
    assertThat(modeAndOwner(TOOLS)).isEqualTo("rwx------ " + TestSshd.USER);
    assertThat(onTarget(TOOLS + "/collector.sh")).isRegularFile();
  }

  @Test
  void aPreExistingFolderOfAnotherUserIsRefused() throws Exception {
    start(false);
    as(PLANTER, "mkdir -m 755 /var/tmp/perfmetrics");
    long t = target(TestSshd.USER);

    JsonNode h = run("deploy", t);

    assertThat(h.get("outcome").asText()).as(h.toString()).isEqualTo("failed");
    assertThat(h.get("detail").asText())
        .contains("/var/tmp/perfmetrics: owner " + PLANTER)
        .contains("mode drwxr-xr-x");
    assertThat(fingerprint("/var/tmp/perfmetrics")).isEqualTo(Map.of(".", "rwxr-xr-x " + PLANTER));
  }

  @Test
  void toolsLinkedToADirectoryOfTheDeployUserIsRefusedAndTheDirectoryUntouched() throws Exception {
    start(false);
    Map<String, String> before = victim(TestSshd.USER, "/var/tmp/victim");
    as(
        TestSshd.USER,
        "mkdir -m 700 /var/tmp/perfmetrics && ln -s /var/tmp/victim /var/tmp/perfmetrics/tools");
    long t = target(TestSshd.USER);

    JsonNode deploy = run("deploy", t);
    JsonNode status = run("status", t);
    JsonNode undeploy = run("undeploy", t);

    for (JsonNode h : List.of(deploy, status, undeploy)) {
      assertThat(h.get("outcome").asText()).as(h.toString()).isEqualTo("failed");
      assertThat(h.get("detail").asText())
          .contains("/var/tmp/perfmetrics/tools: owner " + TestSshd.USER)
          .contains("mode lrwxrwxrwx: a symbolic link");
    }
    assertThat(fingerprint("/var/tmp/victim")).isEqualTo(before);
    assertThat(Files.isSymbolicLink(onTarget(TOOLS))).isTrue();
  }

  @Test
  void undeployWithALinkPlantedAfterTheDeployLeavesTheLinksTargetAlone() throws Exception {
    start(false);
    Map<String, String> before = victim(TestSshd.USER, "/var/tmp/victim");
    long t = target(TestSshd.USER);
    JsonNode deployed = run("deploy", t);
    assertThat(deployed.get("outcome").asText()).as(deployed.toString()).isEqualTo("started");
    assertThat(List.of(modeAndOwner("/var/tmp/perfmetrics"), modeAndOwner(TOOLS)))
        .as("the deploy made both folders mode 700")
        .containsOnly("rwx------ " + TestSshd.USER);
    // the collector's folder swapped for a link (whoever could write there)
    as(
        "root",
        "kill $(cat "
            + TOOLS
            + "/collector.pid); mv "
            + TOOLS
            + " /var/tmp/moved"
            + " && ln -s /var/tmp/victim "
            + TOOLS);

    JsonNode undeploy = run("undeploy", t);

    assertThat(undeploy.get("outcome").asText()).as(undeploy.toString()).isEqualTo("failed");
    assertThat(undeploy.get("detail").asText()).contains(TOOLS).contains("a symbolic link");
    assertThat(fingerprint("/var/tmp/victim")).isEqualTo(before);

    // once the link is gone, the undeploy goes through and removes only the tools folder
    as("root", "rm " + TOOLS + " && mv /var/tmp/moved " + TOOLS);
    JsonNode again = run("undeploy", t);
    assertThat(again.get("outcome").asText()).as(again.toString()).isEqualTo("removed");
    assertThat(Files.exists(onTarget(TOOLS), LinkOption.NOFOLLOW_LINKS)).isFalse();
    assertThat(fingerprint("/var/tmp/victim")).isEqualTo(before);
  }

  @Test
  void withARootCredentialALinkToAnEtcLikeDirectoryIsRefusedAndItsModeKept() throws Exception {
    start(true);
    Map<String, String> etc = victim("root", "/var/tmp/etc");
    as(
        PLANTER,
        "mkdir /var/tmp/perfmetrics && chmod 777 /var/tmp/perfmetrics"
            + " && ln -s /var/tmp/etc /var/tmp/perfmetrics/tools");
    long t = target("root");

    JsonNode h = run("deploy", t);

    assertThat(h.get("outcome").asText()).as(h.toString()).isEqualTo("failed");
    assertThat(h.get("detail").asText())
        .contains("/var/tmp/perfmetrics: owner " + PLANTER)
        .contains("mode drwxrwxrwx");
    assertThat(fingerprint("/var/tmp/etc")).isEqualTo(etc);
  }

  @Test
  void withARootCredentialARootOwnedStickyParentStillRefusesAToolsLinkAnotherUserPlanted()
      throws Exception {
    start(true);
    Map<String, String> etc = victim("root", "/var/tmp/etc");
    // like /var/tmp itself: others may create names in it, not rename or remove ours
    as("root", "mkdir -m 1777 /var/tmp/perfmetrics && chmod 1777 /var/tmp/perfmetrics");
    as(PLANTER, "ln -s /var/tmp/etc /var/tmp/perfmetrics/tools");
    long t = target("root");

    JsonNode planted = run("deploy", t);
    JsonNode undeploy = run("undeploy", t);

    for (JsonNode h : List.of(planted, undeploy)) {
      assertThat(h.get("outcome").asText()).as(h.toString()).isEqualTo("failed");
      assertThat(h.get("detail").asText())
          .contains(TOOLS + ": owner " + PLANTER)
          .contains("a symbolic link");
    }
    assertThat(fingerprint("/var/tmp/etc")).isEqualTo(etc);

    // without the link the same parent is accepted, and the folder is root's alone
    as("root", "rm " + TOOLS);
    JsonNode deployed = run("deploy", t);
    assertThat(deployed.get("outcome").asText()).as(deployed.toString()).isEqualTo("started");
    assertThat(modeAndOwner(TOOLS)).isEqualTo("rwx------ root");
  }
}
