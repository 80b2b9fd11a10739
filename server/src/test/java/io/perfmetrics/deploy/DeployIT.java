package io.perfmetrics.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.perfmetrics.config.Config;
import io.perfmetrics.ingest.DeviceIds;
import io.perfmetrics.testing.TestAppliance;
import io.perfmetrics.testing.TestPostgres;
import io.perfmetrics.testing.TestSshd;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shell collector deployed over SSH to a real OpenSSH sshd on 127.0.0.1 (a real non-root user),
 * reporting to the real appliance and database. Intervals are seconds instead of minutes.
 */
class DeployIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static TestPostgres postgres;
  static TestSshd sshd;
  TestAppliance appliance;
  Path toolsDir;

  @BeforeAll
  static void servers() {
    postgres = new TestPostgres();
    sshd = new TestSshd(true);
  }

  @AfterAll
  static void stopServers() {
    if (sshd != null) {
      sshd.close();
    }
    if (postgres != null) {
      postgres.close();
    }
  }

  @AfterEach
  void stopCollectors() {
    // whatever a test left running on the "target" is stopped here
    TestSshd.runAsUser("pkill -f '[c]ollector[.]sh'; true");
    // a collector finishes its current command before it exits: wait (bounded), so the next
    // test does not see this one's collector, now that a deploy takes a fraction of a second
    for (int i = 0; i < 50 && collectorRunning(); i++) {
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    if (appliance != null) {
      appliance.close();
    }
  }

  TestAppliance appliance(Duration ttl, Duration hostTimeout) {
    // a closed port: on premises
    return appliance(ttl, hostTimeout, "http://127.0.0.1:" + TestPostgres.freePort());
  }

  TestAppliance appliance(Duration ttl, Duration hostTimeout, String metadataUrl) {
    toolsDir = sshd.userWritableDir().resolve("tools");
    var collectors =
        new Config.Collectors(
            Duration.ofSeconds(1),
            Duration.ofSeconds(2),
            ttl,
            1 << 20,
            metadataUrl,
            toolsDir.toString(),
            hostTimeout,
            8);
    // TLS on (the default): the collectors upload over https trusting only the appliance's CA
    appliance = new TestAppliance(postgres.newDatabase(), c -> c.withCollectors(collectors));
    return appliance;
  }

  TestAppliance appliance() {
    return appliance(Duration.ofDays(14), Duration.ofSeconds(30));
  }

  JsonNode call(String method, String path, String body, int expected) throws Exception {
    HttpResponse<String> r = appliance.admin(method, path, body);
    assertThat(r.statusCode()).as(method + " " + path + ": " + r.body()).isEqualTo(expected);
    return r.body().isEmpty() ? null : JSON.readTree(r.body());
  }

  long passwordCredential(String password) throws Exception {
    return call(
            "POST",
            "/api/v1/credentials",
            "{\"name\":\"pw"
                + System.nanoTime()
                + "\",\"kind\":\"ssh_password\","
                + "\"username\":\""
                + TestSshd.USER
                + "\",\"password\":\""
                + password
                + "\"}",
            201)
        .get("id")
        .asLong();
  }

  long target(String address, int port, long credentialId) throws Exception {
    return call(
            "POST",
            "/api/v1/targets",
            "{\"address\":\""
                + address
                + "\",\"port\":"
                + port
                + ",\"os_family\":\"unix\",\"credential_id\":"
                + credentialId
                + "}",
            201)
        .get("id")
        .asLong();
  }

  JsonNode runJob(String path, String body) throws Exception {
    long id = call("POST", path, body, 202).get("id").asLong();
    for (int i = 0; i < 600; i++) {
      JsonNode job = call("GET", path + "/" + id, null, 200);
      if (!job.get("state").asText().equals("running")) {
        return job;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("job " + id + " did not finish within 60 s");
  }

  JsonNode host(JsonNode job, long targetId) {
    for (JsonNode h : job.get("hosts")) {
      if (h.get("target_id").asLong() == targetId) {
        return h;
      }
    }
    throw new AssertionError("no result for target " + targetId + " in " + job);
  }

  JsonNode status(long targetId) throws Exception {
    return call("GET", "/api/v1/targets/" + targetId + "/status", null, 200);
  }

  List<Long> cpuTimestamps(int collectorId) throws Exception {
    JsonNode s =
        call(
            "GET",
            "/api/v1/collectors/" + collectorId + "/samples?metric=cpu.busy_pct&limit=100000",
            null,
            200);
    List<Long> out = new ArrayList<>();
    s.get("samples").forEach(n -> out.add(n.get("ts").asLong()));
    return out;
  }

  /** Polls (the collector runs on its own schedule) until the condition holds, up to 30 s. */
  List<Long> awaitSamples(int collectorId, Predicate<List<Long>> done) throws Exception {
    List<Long> ts = List.of();
    for (int i = 0; i < 150; i++) {
      ts = cpuTimestamps(collectorId);
      if (done.test(ts)) {
        return ts;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("samples did not arrive as expected; got " + ts);
  }

  boolean collectorRunning() {
    // the test user's own: another collector on this machine (a developer's) is not this one
    return TestSshd.runAsUser("pgrep -U \"$(id -u)\" -f '[c]ollector[.]sh' >/dev/null") == 0;
  }

  void awaitCollectorGone() throws Exception {
    for (int i = 0; i < 100 && collectorRunning(); i++) {
      Thread.sleep(200);
    }
    assertThat(collectorRunning()).as("collector still running").isFalse();
  }

  @Test
  void deployByPasswordStartsTheCollectorAndItsHelloAndSamplesAreStored() throws Exception {
    appliance();
    var logged =
        new ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent>();
    var root =
        (ch.qos.logback.classic.Logger)
            org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    var oldLevel = root.getLevel();
    root.setLevel(ch.qos.logback.classic.Level.DEBUG);
    logged.start();
    root.addAppender(logged);
    long t;
    JsonNode job;
    try {
      t = target("127.0.0.1", sshd.port(), passwordCredential(sshd.password()));
      job = runJob("/api/v1/deployments", "{\"target_ids\":[" + t + "]}");
    } finally {
      root.detachAppender(logged);
      root.setLevel(oldLevel);
    }
    assertThat(logged.list).isNotEmpty();
    assertThat(logged.list)
        .noneMatch(
            e ->
                e.getFormattedMessage().contains(sshd.password())
                    || (e.getThrowableProxy() != null
                        && String.valueOf(e.getThrowableProxy().getMessage())
                            .contains(sshd.password())));
    assertThat(call("GET", "/api/v1/credentials", null, 200).toString())
        .doesNotContain(sshd.password());

    assertThat(host(job, t).get("outcome").asText()).as(job.toString()).isEqualTo("started");
    JsonNode ops = call("GET", "/api/v1/netops?destination=127.0.0.1", null, 200).get("operations");
    assertThat(ops.toString())
        .as("the SSH connection is in the network operations log")
        .contains("\"protocol\":\"ssh\"")
        .contains("deploy collector")
        .contains(String.valueOf(sshd.port()));
    JsonNode st = status(t);
    assertThat(st.get("state").asText()).isEqualTo("running");
    int collector = st.get("collector_id").asInt();
    assertThat(awaitSamples(collector, ts -> ts.size() >= 2)).isNotEmpty();
    JsonNode c = call("GET", "/api/v1/collectors/" + collector, null, 200);
    assertThat(c.get("kind").asText()).isEqualTo("sh");
    assertThat(Files.exists(toolsDir.resolve("collector.pid"))).isTrue();
    assertThat(Files.getPosixFilePermissions(toolsDir.resolve("collector.sh")).toString())
        .as("the script holds the token")
        .doesNotContain("GROUP")
        .doesNotContain("OTHERS");
    // https: the collector trusts the appliance's CA from ca.pem and nothing else
    assertThat(appliance.baseUrl()).startsWith("https://");
    assertThat(Files.readString(toolsDir.resolve("ca.pem")).strip())
        .isEqualTo(appliance.app.tls().trustPem().strip())
        .startsWith("-----BEGIN CERTIFICATE-----");
    assertThat(Files.getPosixFilePermissions(toolsDir.resolve("ca.pem")).toString())
        .isEqualTo("[OWNER_READ, OWNER_WRITE]");
    assertThat(Files.readString(toolsDir.resolve("collector.state")))
        .contains("\ntls=verified\n")
        .contains("\ntls_error=\n");
    // the hello: inventory of this very host
    try (var conn = appliance.database.dataSource().getConnection();
        var rs =
            conn.createStatement()
                .executeQuery(
                    "SELECT hostname, cpu_count FROM host_inventory WHERE collector_id = "
                        + collector)) {
      assertThat(rs.next()).as("hello stored").isTrue();
      assertThat(rs.getString(1)).isEqualTo(InetAddress.getLocalHost().getHostName());
      assertThat(rs.getInt(2)).isEqualTo(Runtime.getRuntime().availableProcessors());
    }
  }

  /** One reading of the kernel's counters for a disk, and of its file system, at wall time t. */
  record Kernel(double t, long rio, long rsec, long wio, long wsec, long total, long free) {}

  /** The whole disk holding path (a partition's parent), from its device number via sysfs. */
  static String wholeDisk(Path path) throws Exception {
    long dev = (Long) Files.getAttribute(path, "unix:dev");
    long major = ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
    long minor = (dev & 0xff) | ((dev >>> 12) & ~0xffL);
    Path sys = Path.of("/sys/dev/block/" + major + ":" + minor);
    assertThat(Files.exists(sys))
        .as(path + " must be on a block device (device " + major + ":" + minor + ")")
        .isTrue();
    Path real = sys.toRealPath();
    if (Files.exists(real.resolve("partition"))) {
      real = real.getParent();
    }
    return real.getFileName().toString().replace('!', '/');
  }

  static String mountPoint(Path path) throws Exception {
    Path p = path.toRealPath();
    Object dev = Files.getAttribute(p, "unix:dev");
    while (p.getParent() != null && Files.getAttribute(p.getParent(), "unix:dev").equals(dev)) {
      p = p.getParent();
    }
    return p.toString();
  }

  static Kernel readKernel(String disk, java.nio.file.FileStore store) throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/diskstats"))) {
      String[] f = line.trim().split("\\s+", -1);
      if (f[2].equals(disk)) {
        return new Kernel(
            System.currentTimeMillis() / 1000.0,
            Long.parseLong(f[3]),
            Long.parseLong(f[5]),
            Long.parseLong(f[7]),
            Long.parseLong(f[9]),
            store.getTotalSpace(),
            store.getUnallocatedSpace());
      }
    }
    throw new AssertionError(disk + " not in /proc/diskstats");
  }

  static void dd(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("dd", "status=none"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out =
        new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(cmd + ": " + out).isZero();
  }

  java.util.SortedMap<Long, Double> series(int collectorId, String metric) throws Exception {
    JsonNode s =
        call(
            "GET",
            "/api/v1/collectors/" + collectorId + "/samples?metric=" + metric + "&limit=100000",
            null,
            200);
    java.util.SortedMap<Long, Double> out = new java.util.TreeMap<>();
    s.get("samples").forEach(n -> out.put(n.get("ts").asLong(), n.get("value").asDouble()));
    return out;
  }

  /**
   * Issue 13: per-disk rates of a deployed collector integrate to the kernel's own counters the
   * test reads around each sample, with real O_DIRECT I/O the test makes on that disk; per-volume
   * bytes are the file system's.
   */
  @Test
  void issue13PerDiskFiguresMatchTheKernelsCountersDuringRealIo() throws Exception {
    appliance();
    Path ioDir = sshd.userWritableDir();
    String disk = wholeDisk(ioDir);
    String mount = mountPoint(ioDir);
    var store = Files.getFileStore(ioDir);
    String did = DeviceIds.escape(disk);
    String mid = DeviceIds.escape(mount);
    Path data = ioDir.resolve("data");
    final int mib = 64;
    // written before the collector starts: overwriting it leaves the used space as it is
    dd("if=/dev/urandom", "of=" + data, "bs=1M", "count=" + mib, "conv=fsync");

    List<Kernel> watch = java.util.Collections.synchronizedList(new ArrayList<>());
    var stop = new java.util.concurrent.atomic.AtomicBoolean();
    Thread watcher =
        Thread.ofPlatform()
            .start(
                () -> {
                  while (!stop.get()) {
                    try {
                      watch.add(readKernel(disk, store));
                      Thread.sleep(50);
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                      return;
                    } catch (Exception e) {
                      throw new IllegalStateException(e);
                    }
                  }
                });
    try {
      long t = target("127.0.0.1", sshd.port(), passwordCredential(sshd.password()));
      runJob("/api/v1/deployments", "{\"target_ids\":[" + t + "]}");
      int collector = status(t).get("collector_id").asInt();
      awaitSamples(collector, ts -> ts.size() >= 2);
      Thread.sleep(2_500);
      double ioStart = System.currentTimeMillis() / 1000.0;
      // 4 MiB at a time, paced over 2 s each way, so that no one-second rate is a burst
      for (int i = 0; i < mib / 4; i++) {
        dd(
            "if=/dev/zero",
            "of=" + data,
            "bs=1M",
            "count=4",
            "seek=" + 4 * i,
            "oflag=direct",
            "conv=notrunc");
        Thread.sleep(125);
      }
      for (int i = 0; i < mib / 4; i++) {
        dd("if=" + data, "of=/dev/null", "bs=1M", "count=4", "skip=" + 4 * i, "iflag=direct");
        Thread.sleep(125);
      }
      double ioEnd = System.currentTimeMillis() / 1000.0;
      Thread.sleep(3_000);
      List<Long> all =
          awaitSamples(collector, ts -> !ts.isEmpty() && ts.get(ts.size() - 1) >= ioEnd + 2);
      // every sample's timestamp: cpu.count comes with each one
      List<Long> samples = new ArrayList<>(series(collector, "cpu.count").keySet());
      long first = samples.stream().filter(s -> s >= ioStart - 3).findFirst().orElseThrow();
      long last = samples.stream().filter(s -> s >= ioEnd + 1).findFirst().orElseThrow();
      while (System.currentTimeMillis() / 1000.0 < last + 2.5) {
        Thread.sleep(100);
      }
      stop.set(true);
      watcher.join();
      assertThat(all).isNotEmpty();

      List<Kernel> w = List.copyOf(watch);
      assertThat(w.get(0).t()).as("kernel read before the first sample").isLessThan((double) first);
      // a sample reads the counters after its second began and, here, within 2 s of it
      double slack = 2.0;
      Kernel k0lo = w.stream().filter(k -> k.t() <= first).reduce((a, b) -> b).orElseThrow();
      Kernel k0hi = w.stream().filter(k -> k.t() >= first + slack).findFirst().orElseThrow();
      Kernel k1lo = w.stream().filter(k -> k.t() <= last).reduce((a, b) -> b).orElseThrow();
      Kernel k1hi = w.stream().filter(k -> k.t() >= last + slack).findFirst().orElseThrow();
      record Check(String metric, java.util.function.ToLongFunction<Kernel> counter, long scale) {}
      for (Check c :
          List.of(
              new Check("write_bytes", Kernel::wsec, 512),
              new Check("read_bytes", Kernel::rsec, 512),
              new Check("write_ops", Kernel::wio, 1),
              new Check("read_ops", Kernel::rio, 1))) {
        String name = "disk." + did + "." + c.metric() + "_per_s";
        var rates = series(collector, name);
        double integral = 0;
        for (int i = 1; i < samples.size(); i++) {
          long ts = samples.get(i);
          if (ts > first && ts <= last) {
            integral += rates.getOrDefault(ts, 0.0) * (double) (ts - samples.get(i - 1));
          }
        }
        long lo = (c.counter().applyAsLong(k1lo) - c.counter().applyAsLong(k0hi)) * c.scale();
        long hi = (c.counter().applyAsLong(k1hi) - c.counter().applyAsLong(k0lo)) * c.scale();
        // whole-second intervals against the collector's own, which differ by its wake-up jitter
        double tol = 0.08 * hi + (c.scale() > 1 ? 2 << 20 : 8);
        assertThat(integral)
            .as("%s over %d..%d integrates to the kernel's delta %d..%d", name, first, last, lo, hi)
            .isBetween(lo - tol, hi + tol);
        if (c.scale() > 1) {
          assertThat(integral)
              .as("%s holds the test's own %d MiB", name, mib)
              .isGreaterThanOrEqualTo(0.9 * mib * (1 << 20));
        }
      }
      var capacity = series(collector, "fs." + mid + ".capacity_bytes");
      var used = series(collector, "fs." + mid + ".used_bytes");
      for (long ts : samples.subList(samples.indexOf(first), samples.indexOf(last) + 1)) {
        List<Kernel> around =
            w.stream().filter(k -> k.t() >= ts - 0.2 && k.t() <= ts + slack + 0.2).toList();
        assertThat(capacity.get(ts)).as("fs.%s.capacity_bytes at %d", mid, ts).isNotNull();
        assertThat(around.stream().anyMatch(k -> Math.abs(capacity.get(ts) - k.total()) < 1024))
            .as("capacity %s of %s is statvfs's", capacity.get(ts), mount)
            .isTrue();
        long minUsed = around.stream().mapToLong(k -> k.total() - k.free()).min().orElseThrow();
        long maxUsed = around.stream().mapToLong(k -> k.total() - k.free()).max().orElseThrow();
        // other processes allocate and free blocks between the test's reads 50 ms apart
        assertThat(used.get(ts))
            .as("used bytes of %s at %d", mount, ts)
            .isBetween(minUsed - 16.0 * (1 << 20), maxUsed + 16.0 * (1 << 20));
      }
      // the hello lists the disk with its size and the volume on it
      try (var conn = appliance.database.dataSource().getConnection();
          var rs =
              conn.createStatement()
                  .executeQuery(
                      "SELECT inventory FROM host_inventory WHERE collector_id = " + collector)) {
        assertThat(rs.next()).isTrue();
        JsonNode inv = JSON.readTree(rs.getString(1));
        long size =
            512
                * Long.parseLong(
                    Files.readString(Path.of("/sys/block/" + disk.replace('/', '!') + "/size"))
                        .strip());
        boolean listed = false;
        for (JsonNode d : inv.get("disks")) {
          listed |=
              d.get("id").asText().equals(did)
                  && d.get("name").asText().equals(disk)
                  && d.get("size_bytes").asLong() == size;
        }
        assertThat(listed).as("disk %s (%s, %d bytes) in %s", did, disk, size, inv).isTrue();
        JsonNode vol = null;
        for (JsonNode v : inv.get("volumes")) {
          if (v.get("mount").asText().equals(mount)) {
            vol = v;
          }
        }
        assertThat(vol).as("volume %s in %s", mount, inv.get("volumes")).isNotNull();
        assertThat(vol.get("id").asText()).isEqualTo(mid);
        assertThat(vol.get("disk").asText()).isEqualTo(did);
        assertThat(vol.get("capacity_bytes").asLong())
            .isCloseTo(store.getTotalSpace(), within(1024L));
      }
    } finally {
      stop.set(true);
      watcher.join();
      Files.deleteIfExists(data);
    }
  }

  @Test
  void deployByKeyWithPassphrase() throws Exception {
    appliance();
    String key = sshd.authorizeNewKey("secret phrase");
    String body =
        JSON.writeValueAsString(
            java.util.Map.of(
                "name",
                "key",
                "kind",
                "ssh_key",
                "username",
                TestSshd.USER,
                "private_key",
                key,
                "passphrase",
                "secret phrase"));
    long cred = call("POST", "/api/v1/credentials", body, 201).get("id").asLong();
    long t = target("127.0.0.1", sshd.port(), cred);

    JsonNode job = runJob("/api/v1/deployments", "{\"target_ids\":[" + t + "]}");

    assertThat(host(job, t).get("outcome").asText()).as(job.toString()).isEqualTo("started");
    awaitSamples(status(t).get("collector_id").asInt(), ts -> !ts.isEmpty());
    assertThat(call("GET", "/api/v1/credentials", null, 200).toString())
        .doesNotContain("PRIVATE KEY")
        .doesNotContain("secret phrase");
  }

  @Test
  void whileTheReceiverIsDownTheCollectorSpoolsAndEverySampleArrivesOnce() throws Exception {
    appliance();
    long t = target("127.0.0.1", sshd.port(), passwordCredential(sshd.password()));
    runJob("/api/v1/deployments", "{\"target_ids\":[" + t + "]}");
    int collector = status(t).get("collector_id").asInt();
    awaitSamples(collector, ts -> ts.size() >= 2);

    appliance.stopReceiver();
    long down = System.currentTimeMillis() / 1000;
    Thread.sleep(6_000);
    long up = System.currentTimeMillis() / 1000;
    appliance.startReceiver();

    List<Long> ts = awaitSamples(collector, l -> !l.isEmpty() && l.get(l.size() - 1) > up + 1);
    assertThat(ts).doesNotHaveDuplicates();
    List<Long> during = ts.stream().filter(x -> x >= down && x <= up).toList();
    assertThat(during.size())
        .as("samples taken while the receiver was down: " + ts)
        .isGreaterThanOrEqualTo(4);
    for (int i = 1; i < ts.size(); i++) {
      assertThat(ts.get(i) - ts.get(i - 1)).as("gap in " + ts).isLessThanOrEqualTo(3);
    }
  }

  @Test
  void aCollectorStopsAtItsTtlAndARescanRestartsItButLeavesARunningOneAlone() throws Exception {
    appliance(Duration.ofSeconds(6), Duration.ofSeconds(30));
    long t = target("127.0.0.1", sshd.port(), passwordCredential(sshd.password()));
    runJob("/api/v1/deployments", "{\"target_ids\":[" + t + "]}");
    int collector = status(t).get("collector_id").asInt();
    awaitSamples(collector, ts -> !ts.isEmpty());

    awaitCollectorGone();
    appliance.clock.advance(Duration.ofSeconds(10));
    assertThat(status(t).get("state").asText()).isEqualTo("expired");
    long restartedAt = System.currentTimeMillis() / 1000;

    JsonNode rescan = runJob("/api/v1/rescans", "{}");
    appliance.clock.advance(Duration.ofSeconds(-10));

    assertThat(host(rescan, t).get("outcome").asText())
        .as(rescan.toString())
        .isEqualTo("restarted");
    assertThat(status(t).get("collector_id").asInt()).as("same history").isEqualTo(collector);
    awaitSamples(collector, ts -> ts.stream().anyMatch(x -> x >= restartedAt));
    JsonNode again = runJob("/api/v1/rescans", "{}");
    assertThat(host(again, t).get("outcome").asText()).isEqualTo("already_running");
  }

  @Test
  void aCollectorThatExitsAtItsStartFailsTheHostWithWhatItsLogSays() throws Exception {
    // not http: the collector refuses its rendered values and exits before its pidfile
    appliance(
        Duration.ofDays(14), Duration.ofSeconds(30), "ftp://127.0.0.1:" + TestPostgres.freePort());
    long t = target("127.0.0.1", sshd.port(), passwordCredential(sshd.password()));

    JsonNode job = runJob("/api/v1/deployments", "{\"target_ids\":[" + t + "]}");

    JsonNode h = host(job, t);
    assertThat(h.get("outcome").asText()).as(h.toString()).isEqualTo("failed");
    assertThat(h.get("detail").asText())
        .contains("127.0.0.1:" + sshd.port() + ": the collector exited at its start; its log says:")
        .contains("invalid rendered parameters: METADATA_URL; exiting");
    assertThat(toolsDir.resolve("collector.pid")).doesNotExist();
  }

  @Test
  void aForcedRescanRedeploysARunningCollector() throws Exception {
    appliance();
    long t = target("127.0.0.1", sshd.port(), passwordCredential(sshd.password()));
    runJob("/api/v1/deployments", "{\"target_ids\":[" + t + "]}");

    JsonNode forced = runJob("/api/v1/rescans", "{\"force\":true}");

    assertThat(host(forced, t).get("outcome").asText()).isEqualTo("restarted");
    assertThat(status(t).get("state").asText()).isEqualTo("running");
  }

  @Test
  void whereSftpIsDisabledTheCollectorIsUploadedThroughAShell() throws Exception {
    appliance();
    try (TestSshd noSftp = new TestSshd(false)) {
      long t = target("127.0.0.1", noSftp.port(), passwordCredential(noSftp.password()));

      JsonNode job = runJob("/api/v1/deployments", "{\"target_ids\":[" + t + "]}");

      assertThat(host(job, t).get("outcome").asText()).as(job.toString()).isEqualTo("started");
      awaitSamples(status(t).get("collector_id").asInt(), ts -> !ts.isEmpty());
    } finally {
      // the user's password changed with the second sshd; the shared one must know it again
      sshd.close();
      sshd = new TestSshd(true);
    }
  }

  @Test
  void theCliAddsACredentialAndATargetDeploysAndShowsStatus() throws Exception {
    appliance();
    Path secret = Files.createTempFile("pw", ".txt");
    Files.writeString(secret, sshd.password() + "\n");
    String url = appliance.uri("").toString();
    Path ca = Files.createTempFile("ca", ".pem");
    Files.writeString(ca, appliance.app.tls().trustPem());
    String[] common = {"--url", url, "--token", TestAppliance.ADMIN_TOKEN, "--ca", ca.toString()};

    String cred =
        cli(
            "credentials",
            "add",
            "--name",
            "cli",
            "--kind",
            "ssh_password",
            "--username",
            TestSshd.USER,
            "--secret-file",
            secret.toString(),
            common[0],
            common[1],
            common[2],
            common[3],
            common[4],
            common[5]);
    long credId = JSON.readTree(cred).get("id").asLong();
    String target =
        cli(
            "targets",
            "add",
            "--address",
            "127.0.0.1",
            "--port",
            String.valueOf(sshd.port()),
            "--credential",
            String.valueOf(credId),
            common[0],
            common[1],
            common[2],
            common[3],
            common[4],
            common[5]);
    long t = JSON.readTree(target).get("id").asLong();
    String deploy =
        cli(
            "deploy",
            String.valueOf(t),
            common[0],
            common[1],
            common[2],
            common[3],
            common[4],
            common[5]);
    String status =
        cli(
            "targets",
            "status",
            String.valueOf(t),
            common[0],
            common[1],
            common[2],
            common[3],
            common[4],
            common[5]);

    assertThat(cred).doesNotContain(sshd.password());
    assertThat(deploy).contains("started").contains("1 of 1 host(s) done, 0 failed");
    // a line people read: whole seconds, not the nanoseconds of an Instant
    assertThat(deploy)
        .containsPattern("running until \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\\n");
    assertThat(JSON.readTree(status).get("state").asText()).isEqualTo("running");
    assertThat(JSON.readTree(status).get("ttl_left_seconds").asLong()).isGreaterThan(13 * 86_400L);
  }

  static String cli(String... args) {
    var out = new java.io.ByteArrayOutputStream();
    var old = System.out;
    System.setOut(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
    int rc;
    try {
      rc = new picocli.CommandLine(new io.perfmetrics.cli.Main()).execute(args);
    } finally {
      System.setOut(old);
    }
    String s = out.toString(java.nio.charset.StandardCharsets.UTF_8);
    assertThat(rc).as(String.join(" ", args) + " printed " + s).isZero();
    return s;
  }

  @Test
  void aRetiredCollectorGets410AndStops() throws Exception {
    appliance();
    long t = target("127.0.0.1", sshd.port(), passwordCredential(sshd.password()));
    runJob("/api/v1/deployments", "{\"target_ids\":[" + t + "]}");
    int collector = status(t).get("collector_id").asInt();
    awaitSamples(collector, ts -> !ts.isEmpty());

    call("DELETE", "/api/v1/collectors/" + collector, null, 204);

    awaitCollectorGone();
    assertThat(Files.exists(toolsDir.resolve("collector.pid"))).isFalse();
    // the way out for a host that is gone: retired, its collector no longer holds the target
    call("DELETE", "/api/v1/targets/" + t, null, 204);
  }

  @Test
  void undeployStopsTheCollectorAndRemovesTheToolsFolder() throws Exception {
    appliance();
    long t = target("127.0.0.1", sshd.port(), passwordCredential(sshd.password()));
    runJob("/api/v1/deployments", "{\"target_ids\":[" + t + "]}");
    int collector = status(t).get("collector_id").asInt();

    // removed now, the target would leave its collector running with nothing to stop it by
    JsonNode refused = call("DELETE", "/api/v1/targets/" + t, null, 409);
    assertThat(refused.get("detail").asText())
        .contains("target " + t + " still has collector " + collector)
        .contains("perfmetrics undeploy " + t)
        .contains("perfmetrics collectors retire " + collector);
    call("GET", "/api/v1/targets/" + t, null, 200);
    assertThat(collectorRunning()).isTrue();

    JsonNode job =
        runJob("/api/v1/deployments", "{\"action\":\"undeploy\",\"target_ids\":[" + t + "]}");

    assertThat(host(job, t).get("outcome").asText()).as(job.toString()).isEqualTo("removed");
    assertThat(collectorRunning()).isFalse();
    assertThat(Files.exists(toolsDir)).isFalse();
    assertThat(status(t).get("state").asText()).isEqualTo("removed");
    call("DELETE", "/api/v1/targets/" + t, null, 204);
  }

  @Test
  void aChangedHostKeyRefusesTheDeployUntilAnAdminAcceptsIt() throws Exception {
    appliance();
    long t = target("127.0.0.1", sshd.port(), passwordCredential(sshd.password()));
    runJob("/api/v1/deployments", "{\"target_ids\":[" + t + "]}");
    TestSshd.runAsUser("pkill -f '[c]ollector[.]sh'; true");

    sshd.stop();
    sshd.newHostKey();
    sshd.start();
    JsonNode refused = runJob("/api/v1/deployments", "{\"target_ids\":[" + t + "]}");

    assertThat(host(refused, t).get("outcome").asText()).isEqualTo("failed");
    assertThat(host(refused, t).get("detail").asText()).contains("host key").contains("changed");
    assertThat(status(t).get("state").asText()).isEqualTo("failed");
    call("POST", "/api/v1/targets/" + t + "/host-key/accept", null, 204);
    JsonNode accepted = runJob("/api/v1/deployments", "{\"target_ids\":[" + t + "]}");
    assertThat(host(accepted, t).get("outcome").asText())
        .as(accepted.toString())
        .isIn("started", "restarted");
  }

  @Test
  void aWrongPasswordAndAnUnresponsiveHostFailPerHostWithoutHoldingUpTheOthers() throws Exception {
    appliance(Duration.ofDays(14), Duration.ofSeconds(6));
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      // accepts connections and never says a word, like a host behind a black-holing firewall
      Thread.ofVirtual()
          .start(
              () -> {
                List<java.net.Socket> held = new ArrayList<>();
                try {
                  while (true) {
                    held.add(silent.accept());
                  }
                } catch (java.io.IOException e) {
                  held.forEach(
                      s -> {
                        try {
                          s.close();
                        } catch (java.io.IOException ignored) {
                          // closing
                        }
                      });
                }
              });
      long good = target("127.0.0.1", sshd.port(), passwordCredential(sshd.password()));
      long wrong = target("127.0.0.2", sshd.port(), passwordCredential("not-the-password"));
      long hanging =
          target("127.0.0.1", silent.getLocalPort(), passwordCredential(sshd.password()));

      JsonNode job = runJob("/api/v1/deployments", "{}");

      assertThat(host(job, good).get("outcome").asText()).as(job.toString()).isEqualTo("started");
      assertThat(host(job, wrong).get("outcome").asText()).isEqualTo("failed");
      assertThat(host(job, wrong).get("detail").asText())
          .contains("authentication failed")
          .contains("127.0.0.2");
      assertThat(host(job, hanging).get("outcome").asText()).isEqualTo("failed");
      assertThat(host(job, hanging).get("detail").asText())
          .containsAnyOf("within 6 s", "after 6 s");
      assertThat(java.time.Instant.parse(host(job, good).get("finished_at").asText()))
          .as("the good host did not wait for the hanging one")
          .isBefore(java.time.Instant.parse(host(job, hanging).get("finished_at").asText()));
      assertThat(job.get("failed").asInt()).isEqualTo(2);
    }
  }
}
