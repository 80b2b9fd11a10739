package io.perfmetrics.bench;

import io.perfmetrics.ingest.MintedCollector;
import io.perfmetrics.ingest.SampleBatch;
import io.perfmetrics.ingest.SampleCopy;
import io.perfmetrics.testing.TestAppliance;
import io.perfmetrics.testing.TestPostgres;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * scripts/bench-ingest: many simulated collectors POST 5-minute batches of 60-second samples (10
 * metrics) over real HTTP to the real appliance; in the same run the very same rows are COPYed
 * straight into the same (emptied) table with the same indexes. Prints samples/s of both, per run
 * and the median, and the ratio.
 */
public final class IngestBenchmark {
  static final String[] METRICS = {
    "cpu.busy_pct", "cpu.count", "load.1m", "mem.total_bytes", "mem.available_bytes",
    "mem.used_bytes", "disk.read_bytes_per_s", "disk.write_bytes_per_s", "net.rx_bytes_per_s",
        "net.tx_bytes_per_s"
  };
  static final int SAMPLES_PER_BATCH = 5; // 5 minutes of 60-second samples
  static final int BATCH_ROWS = SAMPLES_PER_BATCH * METRICS.length;

  public static void main(String[] args) throws Exception {
    Map<String, String> a = parse(args);
    int collectors = Integer.parseInt(a.getOrDefault("collectors", "500"));
    int batches = Integer.parseInt(a.getOrDefault("batches", "40"));
    int runs = Integer.parseInt(a.getOrDefault("runs", "5"));
    int warmupRuns = Integer.parseInt(a.getOrDefault("warmup-runs", "1"));
    long rowsPerRun = (long) collectors * batches * BATCH_ROWS;
    System.out.printf(
        "bench-ingest: %d collectors x %d POSTs of %d samples = %,d samples per run, %d runs%n",
        collectors, batches, BATCH_ROWS, rowsPerRun, runs);

    var d = io.perfmetrics.config.Config.Ingest.defaults();
    var ingest =
        new io.perfmetrics.config.Config.Ingest(
            d.maxBodyBytes(),
            Integer.parseInt(a.getOrDefault("batch-rows", String.valueOf(d.batchRows()))),
            java.time.Duration.ofMillis(
                Long.parseLong(
                    a.getOrDefault("batch-wait-ms", String.valueOf(d.batchWait().toMillis())))),
            d.queueRows(),
            d.writeTimeout(),
            Integer.parseInt(a.getOrDefault("writers", String.valueOf(d.writers()))));
    System.out.printf(
        "receiver: %d writer(s), groups of up to %,d rows, waiting up to %d ms for company%n",
        ingest.writers(), ingest.batchRows(), ingest.batchWait().toMillis());
    // the sizing rollup runs in the background as in production; --rollup-every-s=0 turns it off
    // (diagnosis)
    java.time.Duration rollupEvery =
        java.time.Duration.ofSeconds(Long.parseLong(a.getOrDefault("rollup-every-s", "15")));
    System.out.printf(
        "sizing rollup: %s%n",
        rollupEvery.isZero() ? "off" : "every " + rollupEvery.toSeconds() + " s");
    // TLS (the default) and plain HTTP, each against raw COPY in its own runs, in one invocation
    String tlsArg = a.getOrDefault("tls", "both");
    List<Boolean> modes =
        switch (tlsArg) {
          case "both" -> List.of(true, false);
          case "on" -> List.of(true);
          case "off" -> List.of(false);
          default -> throw new IllegalArgumentException("--tls must be both, on or off");
        };
    List<String> summary = new ArrayList<>();
    for (boolean tls : modes) {
      summary.add(
          measure(a, ingest, rollupEvery, tls, collectors, batches, runs, warmupRuns, rowsPerRun));
    }
    summary.forEach(System.out::println);
  }

  static String measure(
      java.util.Map<String, String> a,
      io.perfmetrics.config.Config.Ingest ingest,
      java.time.Duration rollupEvery,
      boolean tls,
      int collectors,
      int batches,
      int runs,
      int warmupRuns,
      long rowsPerRun)
      throws Exception {
    String label = tls ? "HTTPS (TLS, the default)" : "HTTP (plain, TLS off)";
    System.out.println("-- " + label);
    try (TestPostgres pg = new TestPostgres();
        TestAppliance app =
            new TestAppliance(
                pg.jdbcUrl(),
                c ->
                    (tls ? c : c.withTls(io.perfmetrics.config.Config.Tls.off()))
                        .withIngest(ingest),
                rollupEvery)) {
      if (a.containsKey("diagnose-async-commit")) {
        // diagnosis only: how much of the HTTP figure is waiting for WAL flushes?
        try (Connection c = app.database.dataSource().getConnection();
            Statement s = c.createStatement()) {
          s.execute("ALTER SYSTEM SET synchronous_commit = off");
          s.execute("SELECT pg_reload_conf()");
        }
      }
      List<MintedCollector> minted = new ArrayList<>();
      for (int i = 0; i < collectors; i++) {
        minted.add(
            app.app.collectors().mint("bench-" + i, "manual", null, java.time.Duration.ofDays(14)));
      }
      short[] metricIds = warmUp(app, minted);
      long base = app.clock.instant().getEpochSecond() - 20L * 86_400;
      base -= base % 60;

      // a receiver runs for days: its figure is the JIT-compiled one. Rounds of both sides first,
      // not counted (a cold JVM measured ratio 0.19-0.22 where the next runs gave 0.35-0.51)
      for (int r = 0; r < warmupRuns; r++) {
        truncate(app);
        double h = rowsPerRun / httpRun(app, minted, batches, base);
        truncate(app);
        double c = rowsPerRun / copyRun(app, minted, batches, base, metricIds);
        System.out.printf(
            "warm-up %d (not counted): HTTP %,.0f samples/s, raw COPY %,.0f samples/s, ratio %.2f%n",
            r + 1, h, c, h / c);
      }
      double[] http = new double[runs];
      double[] copy = new double[runs];
      for (int r = 0; r < runs; r++) {
        truncate(app);
        http[r] = rowsPerRun / httpRun(app, minted, batches, base);
        long stored = count(app);
        if (stored != rowsPerRun) {
          throw new IllegalStateException(
              "HTTP run stored " + stored + " rows, expected " + rowsPerRun);
        }
        truncate(app);
        copy[r] = rowsPerRun / copyRun(app, minted, batches, base, metricIds);
        System.out.printf(
            "run %d: %s %,.0f samples/s, raw COPY %,.0f samples/s, ratio %.2f%n",
            r + 1, label, http[r], copy[r], http[r] / copy[r]);
      }
      double h = median(http);
      double c = median(copy);
      double[] ratios = new double[runs];
      for (int r = 0; r < runs; r++) {
        ratios[r] = http[r] / copy[r];
      }
      // the goal is on the ratio within each run (both sides under the same load of this shared
      // machine), median of the runs; the ratio of the two medians pairs figures of different runs
      return String.format(
          java.util.Locale.ROOT,
          "bench-ingest median of %d runs: %s %,.0f samples/s; raw COPY baseline %,.0f samples/s;"
              + " ratio (median of the runs' ratios) %.2f, ratio of the medians %.2f"
              + " (goal: >= 150,000 samples/s and ratio >= 0.5)",
          runs,
          label,
          h,
          c,
          median(ratios),
          h / c);
    }
  }

  /**
   * One POST per collector so metric names are registered and tokens cached, as in steady state.
   */
  static short[] warmUp(TestAppliance app, List<MintedCollector> minted) throws Exception {
    long ts = app.clock.instant().getEpochSecond() - 40L * 86_400;
    StringBuilder b = new StringBuilder();
    for (String m : METRICS) {
      b.append(ts).append(',').append(m).append(",0\n");
    }
    for (MintedCollector c : minted) {
      int code = app.post("/api/v1/metrics", c.token(), "text/plain", b.toString()).statusCode();
      if (code != 204) {
        throw new IllegalStateException("warm-up POST answered " + code);
      }
    }
    short[] ids = new short[METRICS.length];
    try (Connection c = app.database.dataSource().getConnection();
        Statement s = c.createStatement()) {
      for (int i = 0; i < METRICS.length; i++) {
        try (var rs = s.executeQuery("SELECT id FROM metrics WHERE name = '" + METRICS[i] + "'")) {
          rs.next();
          ids[i] = rs.getShort(1);
        }
      }
    }
    return ids;
  }

  static double value(int collector, int batch, int sample, int metric) {
    return ((collector * 31 + batch * 17 + sample * 7 + metric * 3) % 10_000) / 100.0;
  }

  static long ts(long base, int batch, int sample) {
    return base + (batch * SAMPLES_PER_BATCH + sample) * 60L;
  }

  /**
   * Seconds taken by all collectors to POST their batches; each collector is a virtual thread with
   * a keep-alive connection.
   */
  static double httpRun(TestAppliance app, List<MintedCollector> minted, int batches, long base)
      throws Exception {
    int port = app.app.port();
    AtomicLong retries = new AtomicLong();
    // Bodies are rendered before the clock starts: on a real network the collectors build them
    // on their own hosts, so only sending them may cost this machine's two cores.
    List<byte[][]> requests = new ArrayList<>();
    for (int ci = 0; ci < minted.size(); ci++) {
      byte[] head =
          ("POST /api/v1/metrics HTTP/1.1\r\nHost: 127.0.0.1:"
                  + port
                  + "\r\nAuthorization: Bearer "
                  + minted.get(ci).token()
                  + "\r\nContent-Type: text/plain\r\nContent-Length: ")
              .getBytes(StandardCharsets.US_ASCII);
      byte[][] mine = new byte[batches][];
      StringBuilder body = new StringBuilder(2048);
      for (int b = 0; b < batches; b++) {
        body.setLength(0);
        for (int k = 0; k < SAMPLES_PER_BATCH; k++) {
          long t = ts(base, b, k);
          for (int mi = 0; mi < METRICS.length; mi++) {
            body.append(t)
                .append(',')
                .append(METRICS[mi])
                .append(',')
                .append(value(ci, b, k, mi))
                .append('\n');
          }
        }
        byte[] bytes = body.toString().getBytes(StandardCharsets.US_ASCII);
        byte[] length = (bytes.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] req = new byte[head.length + length.length + bytes.length];
        System.arraycopy(head, 0, req, 0, head.length);
        System.arraycopy(length, 0, req, head.length, length.length);
        System.arraycopy(bytes, 0, req, head.length + length.length, bytes.length);
        mine[b] = req;
      }
      requests.add(mine);
    }
    List<Thread> threads = new ArrayList<>();
    // connections are opened before the clock starts: the figure is about storing samples
    List<Socket> sockets = new ArrayList<>();
    for (int ci = 0; ci < minted.size(); ci++) {
      sockets.add(app.connect());
    }
    long start = System.nanoTime();
    for (int ci = 0; ci < minted.size(); ci++) {
      int collector = ci;
      byte[][] mine = requests.get(ci);
      Socket socket = sockets.get(ci);
      threads.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    try (Socket s = socket) {
                      s.setTcpNoDelay(true);
                      OutputStream out = s.getOutputStream();
                      InputStream in = new BufferedInputStream(s.getInputStream());
                      for (byte[] req : mine) {
                        while (true) {
                          out.write(req);
                          out.flush();
                          int status = readResponse(in);
                          if (status == 204) {
                            break;
                          }
                          if (status != 503) {
                            throw new IllegalStateException(
                                "collector " + collector + " got HTTP " + status);
                          }
                          retries.incrementAndGet();
                          Thread.sleep(100);
                        }
                      }
                    } catch (IOException | InterruptedException e) {
                      throw new IllegalStateException(e);
                    }
                  }));
    }
    for (Thread t : threads) {
      t.join();
    }
    double secs = (System.nanoTime() - start) / 1e9;
    if (retries.get() > 0) {
      System.out.printf("  (%d POSTs got 503 and were retried)%n", retries.get());
    }
    return secs;
  }

  /** Reads one HTTP/1.1 response, returns its status. */
  static int readResponse(InputStream in) throws IOException {
    String status = line(in);
    int code = Integer.parseInt(status.substring(9, 12));
    long length = 0;
    String h;
    while (!(h = line(in)).isEmpty()) {
      if (h.regionMatches(true, 0, "Content-Length:", 0, 15)) {
        length = Long.parseLong(h.substring(15).trim());
      }
    }
    in.skipNBytes(length);
    return code;
  }

  static String line(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    int c;
    while ((c = in.read()) != '\n') {
      if (c < 0) {
        throw new IOException("connection closed");
      }
      if (c != '\r') {
        sb.append((char) c);
      }
    }
    return sb.toString();
  }

  /**
   * Seconds taken to COPY the same rows on one connection, in COPYs as large as the receiver's
   * groups.
   */
  static double copyRun(
      TestAppliance app, List<MintedCollector> minted, int batches, long base, short[] metricIds)
      throws Exception {
    SampleCopy copy = new SampleCopy();
    // the receiver makes the landing table's hourly partitions before its COPY; so does the
    // baseline
    io.perfmetrics.ingest.LandingTable landing = new io.perfmetrics.ingest.LandingTable();
    int groupRows = 50_000;
    long start = System.nanoTime();
    try (Connection c = app.database.dataSource().getConnection()) {
      c.setAutoCommit(false);
      List<SampleBatch> group = new ArrayList<>();
      int rows = 0;
      for (int b = 0; b < batches; b++) {
        for (int ci = 0; ci < minted.size(); ci++) {
          long[] ts = new long[BATCH_ROWS];
          short[] ids = new short[BATCH_ROWS];
          double[] vals = new double[BATCH_ROWS];
          int i = 0;
          for (int k = 0; k < SAMPLES_PER_BATCH; k++) {
            for (int mi = 0; mi < METRICS.length; mi++, i++) {
              ts[i] = ts(base, b, k);
              ids[i] = metricIds[mi];
              vals[i] = value(ci, b, k, mi);
            }
          }
          group.add(new SampleBatch(minted.get(ci).id(), BATCH_ROWS, ts, ids, vals));
          rows += BATCH_ROWS;
          if (rows >= groupRows) {
            landing.prepare(c, group);
            copy.copy(c, "samples", group);
            c.commit();
            group.clear();
            rows = 0;
          }
        }
      }
      if (!group.isEmpty()) {
        landing.prepare(c, group);
        copy.copy(c, "samples", group);
        c.commit();
      }
    }
    return (System.nanoTime() - start) / 1e9;
  }

  static void truncate(TestAppliance app) throws Exception {
    try (Connection c = app.database.dataSource().getConnection();
        Statement s = c.createStatement()) {
      s.execute("TRUNCATE samples");
      s.execute("CHECKPOINT");
    }
  }

  static long count(TestAppliance app) throws Exception {
    try (Connection c = app.database.dataSource().getConnection();
        Statement s = c.createStatement();
        var rs = s.executeQuery("SELECT count(*) FROM samples")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  static Map<String, String> parse(String[] args) {
    Map<String, String> m = new java.util.HashMap<>();
    for (String s : args) {
      int eq = s.indexOf('=');
      if (!s.startsWith("--") || eq < 0) {
        throw new IllegalArgumentException(
            "arguments look like --collectors=500 --batches=40 --runs=5, got " + s);
      }
      m.put(s.substring(2, eq), s.substring(eq + 1));
    }
    return m;
  }
}
