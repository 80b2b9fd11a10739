package io.perfmetrics.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.perfmetrics.config.Config;
import io.perfmetrics.ingest.MintedCollector;
import io.perfmetrics.testing.TempDirs;
import io.perfmetrics.testing.TestAppliance;
import io.perfmetrics.testing.TestPostgres;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The rendered collector.vbs under Wine's cscript (the Windows host we cannot have here), against
 * the real appliance and PostgreSQL: hello and samples stored, metrics Wine's WMI lacks reported
 * unavailable rather than faked, spool-and-replay across a receiver outage, exit at the TTL and on
 * 410. Started the way the one-shot service starts it: {@code cscript //B //NoLogo collector.vbs}
 * in the tools folder.
 */
class VbsCollectorIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String WINE = "/usr/lib/wine/wine64";
  static TestPostgres postgres;
  static Path prefix;
  TestAppliance appliance;
  Process collector;

  @BeforeAll
  static void wine() throws Exception {
    if (!Files.isExecutable(Path.of(WINE))) {
      throw new IllegalStateException(
          WINE + " is missing: apt-get install wine wine64 (scripts/test does)");
    }
    postgres = new TestPostgres();
    prefix = Files.createTempDirectory("perfmetrics-wine-");
    Process boot = wine(List.of(WINE, "wineboot", "-i"), prefix).start();
    assertThat(boot.waitFor(180, TimeUnit.SECONDS)).as("wineboot finished").isTrue();
    assertThat(Files.isDirectory(prefix.resolve("drive_c/windows/system32")))
        .as("a Wine prefix")
        .isTrue();
    installCurlExe();
  }

  /**
   * Wine has no curl.exe, and the collector talks https only through one: the Wine harness's
   * stand-in (scripts/collector-vbs-test/fake_curl_exe.c and .py: the host's curl behind a small
   * Windows program, trusting only the --cacert file as Schannel does). What that cannot prove
   * about the real curl.exe is in templates/README-collector-vbs.md.
   */
  static void installCurlExe() throws Exception {
    Path root = Path.of("").toAbsolutePath();
    while (!Files.isDirectory(root.resolve("scripts/collector-vbs-test"))) {
      root = root.getParent();
    }
    Path harness = root.resolve("scripts/collector-vbs-test");
    Path sys32 = prefix.resolve("drive_c/windows/system32");
    Process cc =
        new ProcessBuilder(
                "x86_64-w64-mingw32-gcc",
                "-municode",
                "-O2",
                "-o",
                sys32.resolve("curl.exe").toString(),
                harness.resolve("fake_curl_exe.c").toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(cc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(cc.waitFor(120, TimeUnit.SECONDS) && cc.exitValue() == 0)
        .as(
            "MinGW builds the curl.exe stand-in (apt-get install gcc-mingw-w64-x86-64-win32): "
                + out)
        .isTrue();
    Files.copy(harness.resolve("fake_curl_exe.py"), sys32.resolve("fake_curl_exe.py"));
    sys32.resolve("fake_curl_exe.py").toFile().setExecutable(true);
    Path empty = Files.createDirectories(prefix.resolve("empty-capath"));
    JSON.writeValue(
        sys32.resolve("curl.exe.json").toFile(),
        Map.of(
            "prefix",
            prefix.toString(),
            "empty_dir",
            empty.toString(),
            "log",
            prefix.resolve("curl-args.log").toString()));
  }

  @AfterAll
  static void stopAll() throws Exception {
    if (prefix != null) {
      wine(List.of("/usr/lib/wine/wineserver", "-k"), prefix).start().waitFor(30, TimeUnit.SECONDS);
      TempDirs.delete(prefix);
    }
    if (postgres != null) {
      postgres.close();
    }
  }

  @AfterEach
  void stopCollector() throws Exception {
    if (collector != null && collector.isAlive()) {
      collector.destroyForcibly();
      collector.waitFor(10, TimeUnit.SECONDS);
    }
    if (appliance != null) {
      appliance.close();
    }
  }

  static ProcessBuilder wine(List<String> cmd, Path prefix) {
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD);
    pb.environment().put("WINEPREFIX", prefix.toString());
    pb.environment().put("WINEDEBUG", "-all");
    return pb;
  }

  /** %WINDIR%\Temp\perfmetrics\tools inside the prefix. */
  static Path toolsDir() {
    return prefix.resolve("drive_c/windows/temp/perfmetrics/tools");
  }

  /** Renders the collector the way deploy does and starts it the way the one-shot service does. */
  Process startCollector(MintedCollector minted, Duration ttl) throws IOException {
    Path tools = toolsDir();
    TempDirs.delete(tools);
    Files.createDirectories(tools);
    Map<String, String> v = new HashMap<>();
    v.put("URL", appliance.uri("").toString());
    v.put("TOKEN", minted.token());
    v.put("INTERVAL_S", "1");
    v.put("UPLOAD_S", "2");
    v.put("TTL_S", String.valueOf(ttl.toSeconds()));
    v.put("SPOOL_MAX_BYTES", String.valueOf(1 << 20));
    v.put("METADATA_URL", "http://127.0.0.1:" + TestPostgres.freePort());
    v.put("TOOLS_DIR", "%WINDIR%\\Temp\\perfmetrics\\tools");
    // Socket snapshots are the Wine harness's subject (scripts/collector-vbs-test); off here.
    v.put("SOCKETS_S", "0");
    v.put("SOCKETS_MAX_ROWS", "1000");
    v.put("CA_PEM", new ApplianceTrust(appliance.app.tls().trustPem()).oneLine());
    String script = new TemplateRenderer().render(CollectorTemplate.WINDOWS_VBS, v);
    Files.write(
        tools.resolve("collector.vbs"),
        script.replace("\n", "\r\n").getBytes(StandardCharsets.ISO_8859_1));
    ProcessBuilder pb =
        wine(List.of("setsid", WINE, "cscript", "//B", "//NoLogo", "collector.vbs"), prefix);
    pb.directory(tools.toFile());
    return pb.start();
  }

  MintedCollector mint(Duration ttl) {
    return appliance.app.collectors().mint("wine", "vbs", null, ttl);
  }

  List<Long> timestamps(int collectorId, String metric) throws Exception {
    var r =
        appliance.admin(
            "GET",
            "/api/v1/collectors/" + collectorId + "/samples?metric=" + metric + "&limit=100000",
            null);
    List<Long> out = new ArrayList<>();
    JSON.readTree(r.body()).get("samples").forEach(n -> out.add(n.get("ts").asLong()));
    return out;
  }

  List<Long> await(int collectorId, String metric, Predicate<List<Long>> done, Duration max)
      throws Exception {
    long deadline = System.nanoTime() + max.toNanos();
    List<Long> ts = List.of();
    while (System.nanoTime() < deadline) {
      ts = timestamps(collectorId, metric);
      if (done.test(ts)) {
        return ts;
      }
      Thread.sleep(500);
    }
    throw new AssertionError(
        metric
            + " samples did not arrive as expected within "
            + max.toSeconds()
            + " s; got "
            + ts
            + "; collector log: "
            + log());
  }

  static String log() {
    try {
      return Files.readString(toolsDir().resolve("collector.log"), StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      return "(no log)";
    }
  }

  @Test
  void helloAndSamplesArriveAndMissingWmiMetricsAreReportedNotFaked() throws Exception {
    appliance = new TestAppliance(postgres.newDatabase());
    MintedCollector c = mint(Duration.ofDays(1));
    collector = startCollector(c, Duration.ofMinutes(10));

    await(c.id(), "cpu.count", ts -> !ts.isEmpty(), Duration.ofSeconds(120));
    assertThat(appliance.baseUrl()).startsWith("https://");
    assertThat(Files.readString(toolsDir().resolve("collector.state")))
        .as("over https through curl.exe with the appliance's CA")
        .contains("\ntls=verified\n");
    assertThat(Files.readString(prefix.resolve("curl-args.log"))).contains("--cacert");

    String[] unavailable;
    try (Connection conn = appliance.database.dataSource().getConnection();
        ResultSet rs =
            conn.createStatement()
                .executeQuery(
                    "SELECT os_family, unavailable_metrics, inventory FROM host_inventory WHERE collector_id = "
                        + c.id())) {
      assertThat(rs.next()).as("hello stored; log: " + log()).isTrue();
      assertThat(rs.getString(1)).isEqualTo("windows");
      unavailable = (String[]) rs.getArray(2).getArray();
      JsonNode inv = JSON.readTree(rs.getString(3));
      assertThat(inv.path("collector").path("kind").asText()).isEqualTo("vbs");
    }
    try (Connection conn = appliance.database.dataSource().getConnection();
        ResultSet rs =
            conn.createStatement()
                .executeQuery(
                    "SELECT DISTINCT m.name FROM samples s JOIN metrics m ON m.id = s.metric_id WHERE s.collector_id = "
                        + c.id())) {
      List<String> sent = new ArrayList<>();
      while (rs.next()) {
        sent.add(rs.getString(1));
      }
      assertThat(sent).as("what Wine's WMI serves").isNotEmpty();
      assertThat(sent)
          .as("unavailable metrics are not faked")
          .doesNotContainAnyElementsOf(List.of(unavailable));
    }
  }

  @Test
  void whileTheReceiverIsDownSamplesAreSpooledAndEveryOneArrivesOnce() throws Exception {
    appliance =
        new TestAppliance(
            postgres.newDatabase(), c -> c.withCollectors(Config.Collectors.defaults()));
    MintedCollector c = mint(Duration.ofDays(1));
    collector = startCollector(c, Duration.ofMinutes(10));
    await(c.id(), "cpu.count", ts -> !ts.isEmpty(), Duration.ofSeconds(120));

    appliance.stopReceiver();
    long down = System.currentTimeMillis() / 1000;
    Thread.sleep(8_000);
    long up = System.currentTimeMillis() / 1000;
    appliance.startReceiver();

    List<Long> ts =
        await(
            c.id(),
            "cpu.count",
            l -> !l.isEmpty() && l.get(l.size() - 1) > up + 1,
            Duration.ofSeconds(90));
    assertThat(ts).doesNotHaveDuplicates();
    assertThat(ts.stream().filter(x -> x >= down && x <= up).count())
        .as("taken during the outage: " + ts)
        .isGreaterThanOrEqualTo(3);
  }

  @Test
  void overHttpsWithoutCurlExeNothingIsSentAndTheStateSaysWhy() throws Exception {
    appliance = new TestAppliance(postgres.newDatabase());
    assertThat(appliance.baseUrl()).startsWith("https://");
    Path sys32 = prefix.resolve("drive_c/windows/system32");
    Files.move(sys32.resolve("curl.exe"), prefix.resolve("curl.exe.away"));
    try {
      MintedCollector c = mint(Duration.ofDays(1));
      collector = startCollector(c, Duration.ofSeconds(12));
      assertThat(collector.waitFor(120, TimeUnit.SECONDS)).as("exits at its TTL").isTrue();

      String state =
          Files.readString(toolsDir().resolve("collector.state"), StandardCharsets.ISO_8859_1);
      assertThat(state).contains("\ntls=blocked\n").contains("\ntls_error=no curl.exe in System32");
      assertThat(timestamps(c.id(), "cpu.count")).as("MSXML got no token").isEmpty();
      assertThat(Files.size(toolsDir().resolve("spool.csv"))).as("the spool is kept").isPositive();
      assertThat(DeployService.blocked(new RemoteStatus("stopped", parse(state))))
          .startsWith("; uploads blocked: no curl.exe in System32");
    } finally {
      Files.move(prefix.resolve("curl.exe.away"), sys32.resolve("curl.exe"));
    }
  }

  static Map<String, String> parse(String state) {
    Map<String, String> m = new HashMap<>();
    for (String line : state.split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        m.put(line.substring(0, eq), line.substring(eq + 1).strip());
      }
    }
    return m;
  }

  @Test
  void theCollectorExitsAtItsTtlAndOn410() throws Exception {
    appliance = new TestAppliance(postgres.newDatabase());
    MintedCollector c = mint(Duration.ofDays(1));
    collector = startCollector(c, Duration.ofSeconds(25));
    await(c.id(), "cpu.count", ts -> !ts.isEmpty(), Duration.ofSeconds(120));
    assertThat(collector.waitFor(90, TimeUnit.SECONDS))
        .as("exits by itself at its TTL; log: " + log())
        .isTrue();
    assertThat(Files.exists(toolsDir().resolve("collector.pid"))).isFalse();

    MintedCollector retired = mint(Duration.ofDays(1));
    collector = startCollector(retired, Duration.ofMinutes(10));
    await(retired.id(), "cpu.count", ts -> !ts.isEmpty(), Duration.ofSeconds(120));
    appliance.app.collectors().retire(retired.id());
    assertThat(collector.waitFor(60, TimeUnit.SECONDS)).as("stops on 410; log: " + log()).isTrue();
    assertThat(Files.exists(toolsDir().resolve("collector.pid"))).isFalse();
  }
}
