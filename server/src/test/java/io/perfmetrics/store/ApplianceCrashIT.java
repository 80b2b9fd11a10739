package io.perfmetrics.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.perfmetrics.testing.TempDirs;
import io.perfmetrics.testing.TestPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 17: the appliance, run as its own JVM the way {@code scripts/serve} runs it, is killed with
 * SIGKILL while collectors upload; started again on the same data directory it is ready within 30
 * s, has every sample it answered 204 for, and no PostgreSQL of the old run is left.
 */
class ApplianceCrashIT {
  private static final String ADMIN = "crash-test-admin-token-0123456789";
  private static final int COLLECTORS = 4;

  /** Trusts only the appliance's own CA, made in its data directory at the first start. */
  private HttpClient http;

  private final ObjectMapper json = new ObjectMapper();
  private Path work;
  private Path dataDir;
  private int port;
  private final List<Process> started = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    work = Files.createTempDirectory("perfmetrics-crash");
    dataDir = work.resolve("data");
    port = TestPostgres.freePort();
  }

  @AfterEach
  void tearDown() throws Exception {
    for (Process p : started) {
      if (p.isAlive()) {
        p.destroy();
        p.waitFor(30, TimeUnit.SECONDS);
      }
    }
    EmbeddedDatabase.runningPostmaster(dataDir.resolve("postgres"))
        .ifPresent(ProcessHandle::destroyForcibly);
    TempDirs.delete(work);
  }

  @Test
  void killedWhileCollectorsUploadTheWatchdogEndsPostgresAndTheRestartHasEverySampleAnswered204()
      throws Exception {
    Process first = serve("first");
    List<String> tokens = mintCollectors();
    ProcessHandle oldPostmaster = postmaster();
    List<ProcessHandle> oldTree = tree(oldPostmaster);

    Map<String, Map<Long, Double>> acked = uploadThenKill(first, tokens);

    // the watchdog asks the orphan for a fast shutdown as soon as the JVM is gone
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (EmbeddedDatabase.running(oldPostmaster) && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(EmbeddedDatabase.running(oldPostmaster))
        .as("old postmaster running 30 s after the kill")
        .isFalse();
    restartAndCheck(acked, oldTree);
  }

  @Test
  void aPostmasterLeftRunningEvenWithoutItsWatchdogIsStoppedAtTheNextStart() throws Exception {
    Process first = serve("first");
    List<String> tokens = mintCollectors();
    ProcessHandle oldPostmaster = postmaster();
    List<ProcessHandle> oldTree = tree(oldPostmaster);
    // what a kill of the whole process tree but the postmaster would leave: an orphan
    first
        .toHandle()
        .children()
        .filter(c -> c.pid() != oldPostmaster.pid())
        .forEach(ProcessHandle::destroyForcibly);

    Map<String, Map<Long, Double>> acked = uploadThenKill(first, tokens);
    Thread.sleep(1_000);
    assertThat(EmbeddedDatabase.running(oldPostmaster))
        .as("orphaned postmaster still running before the restart")
        .isTrue();

    String log = restartAndCheck(acked, oldTree);
    assertThat(log).contains("is still running, left by an earlier run").contains("stopped after");
  }

  private Map<String, Map<Long, Double>> uploadThenKill(Process appliance, List<String> tokens)
      throws Exception {
    Map<String, Map<Long, Double>> acked = new ConcurrentHashMap<>();
    AtomicBoolean go = new AtomicBoolean(true);
    List<Thread> uploaders = new ArrayList<>();
    long t0 = System.currentTimeMillis() / 1000 - 3 * 86_400;
    for (String token : tokens) {
      Map<Long, Double> mine = new ConcurrentHashMap<>();
      acked.put(token, mine);
      uploaders.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    long ts = t0;
                    for (int req = 0; go.get(); req++) {
                      StringBuilder body = new StringBuilder();
                      Map<Long, Double> batch = new java.util.HashMap<>();
                      for (int i = 0; i < 50; i++, ts += 60) {
                        double v = (ts % 9973) / 7.0 - 500;
                        batch.put(ts, v);
                        body.append(ts).append(",cpu.busy_pct,").append(v).append('\n');
                      }
                      try {
                        HttpResponse<String> r =
                            http()
                                .send(
                                    HttpRequest.newBuilder(URI.create(base() + "/api/v1/metrics"))
                                        .header("Authorization", "Bearer " + token)
                                        .header("Content-Type", "text/plain")
                                        .timeout(Duration.ofSeconds(10))
                                        .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                                        .build(),
                                    HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() == 204) {
                          mine.putAll(batch);
                        }
                      } catch (Exception e) {
                        // the appliance is gone: nothing of this request was acknowledged
                      }
                    }
                  }));
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (acked.values().stream().mapToInt(Map::size).sum() < 4_000
        && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    appliance.destroyForcibly(); // SIGKILL
    appliance.waitFor(10, TimeUnit.SECONDS);
    go.set(false);
    for (Thread t : uploaders) {
      t.join(15_000);
    }
    assertThat(acked.values().stream().mapToInt(Map::size).sum())
        .as("samples acknowledged before the kill")
        .isGreaterThanOrEqualTo(4_000);
    return acked;
  }

  private String restartAndCheck(Map<String, Map<Long, Double>> acked, List<ProcessHandle> oldTree)
      throws Exception {
    long startedAt = System.nanoTime();
    Process second = serve("second");
    long readyMs = (System.nanoTime() - startedAt) / 1_000_000;
    System.out.println("ApplianceCrashIT: ready " + readyMs + " ms after the restart");
    assertThat(readyMs).as("ready after the restart (ms)").isLessThanOrEqualTo(30_000);
    for (ProcessHandle p : oldTree) {
      assertThat(EmbeddedDatabase.running(p))
          .as("process " + p.pid() + " of the old PostgreSQL")
          .isFalse();
    }
    for (var e : acked.entrySet()) {
      int id = Integer.parseInt(e.getKey().split("\\.")[1]);
      Map<Long, Double> stored = new java.util.HashMap<>();
      long from = e.getValue().keySet().stream().mapToLong(Long::longValue).min().orElse(0);
      long to = e.getValue().keySet().stream().mapToLong(Long::longValue).max().orElse(0) + 1;
      for (JsonNode s :
          json.readTree(
                  get(
                      "/api/v1/collectors/"
                          + id
                          + "/samples?metric=cpu.busy_pct&from="
                          + from
                          + "&to="
                          + to
                          + "&limit=100000"))
              .get("samples")) {
        stored.put(s.get("ts").asLong(), s.get("value").asDouble());
      }
      assertThat(stored).as("collector " + id).containsAllEntriesOf(e.getValue());
    }
    assertThat(second.isAlive()).isTrue();
    return Files.readString(work.resolve("second.log"));
  }

  private Process serve(String name) throws Exception {
    Path jar =
        Path.of(System.getProperty("perfmetrics.root", ".."), "server", "target", "perfmetrics.jar")
            .toAbsolutePath()
            .normalize();
    assertThat(jar).exists();
    ProcessBuilder pb =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseG1GC",
                "-jar",
                jar.toString(),
                "serve")
            .redirectErrorStream(true)
            .redirectOutput(work.resolve(name + ".log").toFile());
    pb.environment().put("PERFMETRICS_PORT", Integer.toString(port));
    pb.environment().put("PERFMETRICS_DATA_DIR", dataDir.toString());
    pb.environment().put("PERFMETRICS_ADMIN_TOKEN", ADMIN);
    pb.environment().put("PERFMETRICS_PUBLIC_URL", "https://127.0.0.1:" + port);
    pb.environment().remove("PERFMETRICS_DB_URL");
    Process p = pb.start();
    started.add(p);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      assertThat(p.isAlive())
          .as("appliance running; its log: " + work.resolve(name + ".log"))
          .isTrue();
      try {
        if (http()
                .send(
                    HttpRequest.newBuilder(URI.create(base() + "/readyz"))
                        .timeout(Duration.ofSeconds(2))
                        .build(),
                    HttpResponse.BodyHandlers.discarding())
                .statusCode()
            == 200) {
          return p;
        }
      } catch (java.io.IOException e) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    throw new AssertionError(
        "appliance not ready within 120 s; log: " + Files.readString(work.resolve(name + ".log")));
  }

  private List<String> mintCollectors() throws Exception {
    List<String> tokens = new ArrayList<>();
    for (int i = 0; i < COLLECTORS; i++) {
      HttpResponse<String> r =
          http()
              .send(
                  HttpRequest.newBuilder(URI.create(base() + "/api/v1/collectors"))
                      .header("Authorization", "Bearer " + ADMIN)
                      .header("Content-Type", "application/json")
                      .POST(
                          HttpRequest.BodyPublishers.ofString(
                              "{\"label\":\"crash" + i + "\",\"ttl_days\":14}"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
      tokens.add(json.readTree(r.body()).get("token").asText());
    }
    return tokens;
  }

  private ProcessHandle postmaster() {
    Optional<ProcessHandle> pm = EmbeddedDatabase.runningPostmaster(dataDir.resolve("postgres"));
    assertThat(pm).isPresent();
    return pm.get();
  }

  private static List<ProcessHandle> tree(ProcessHandle root) {
    List<ProcessHandle> all = new ArrayList<>(root.descendants().toList());
    all.add(root);
    return all;
  }

  private String get(String path) throws Exception {
    HttpResponse<String> r =
        http()
            .send(
                HttpRequest.newBuilder(URI.create(base() + path))
                    .header("Authorization", "Bearer " + ADMIN)
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
    return r.body();
  }

  private String base() {
    return "https://127.0.0.1:" + port;
  }

  private synchronized HttpClient http() throws java.io.IOException {
    if (http == null) {
      Path ca = dataDir.resolve("tls/ca.pem");
      if (!Files.exists(ca)) {
        throw new java.io.IOException("no CA yet: " + ca);
      }
      http = io.perfmetrics.testing.TestAppliance.client(Files.readString(ca));
    }
    return http;
  }
}
