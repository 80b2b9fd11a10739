package io.perfmetrics.bench;

import io.perfmetrics.ingest.MintedCollector;
import io.perfmetrics.network.PortAudit;
import io.perfmetrics.network.SocketCopy;
import io.perfmetrics.network.SocketsParser;
import io.perfmetrics.testing.TestAppliance;
import io.perfmetrics.testing.TestPostgres;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * scripts/bench-sockets: hosts POST one socket snapshot per request (as a collector uploading every
 * 5 minutes does) over real HTTP to the real appliance; in the same run the same rows, parsed
 * before the clock starts, are COPYed straight into the same (emptied) table with the same indexes
 * by the receiver's own {@link SocketCopy}, in 50,000-row COPYs (no HTTP, no parsing, no replay
 * key): the cheapest way PostgreSQL can take them, as bench-ingest does for samples. Then the fleet
 * port audit, cold (cache emptied) and cached.
 *
 * <p>Each host has 20 listeners and 200 connection rows; listeners are the same in every snapshot,
 * connection keys too (a steady host), their counts vary.
 */
public final class SocketsBenchmark {
  static final int LISTENERS = 20;
  static final int CONNECTIONS = 200;
  static final int SNAPSHOT_S = 300;
  static final int[] PORTS = {
    22, 25, 53, 80, 111, 123, 443, 631, 3306, 5432, 6379, 8080, 8443, 9090, 9100, 9200, 11211,
    27017, 5900, 2049
  };

  public static void main(String[] args) throws Exception {
    Map<String, String> a = IngestBenchmark.parse(args);
    int hosts = Integer.parseInt(a.getOrDefault("hosts", "1000"));
    double days = Double.parseDouble(a.getOrDefault("days", "14"));
    int snapshots =
        a.containsKey("snapshots")
            ? Integer.parseInt(a.get("snapshots"))
            : (int) Math.round(days * 86_400 / SNAPSHOT_S);
    int clients = Integer.parseInt(a.getOrDefault("clients", "32"));
    int runs = Integer.parseInt(a.getOrDefault("runs", "3"));
    int auditRuns = Integer.parseInt(a.getOrDefault("audit-runs", "5"));
    long rowsPerRun = (long) hosts * snapshots * (LISTENERS + CONNECTIONS);
    System.out.printf(
        "bench-sockets: %d hosts x %d snapshots (%.2f days at 5 min) x %d rows = %,d rows per run,"
            + " %d HTTP clients, %d runs%n",
        hosts,
        snapshots,
        snapshots * SNAPSHOT_S / 86_400.0,
        LISTENERS + CONNECTIONS,
        rowsPerRun,
        clients,
        runs);
    try (TestPostgres pg = new TestPostgres();
        TestAppliance app =
            new TestAppliance(
                pg.jdbcUrl(),
                io.perfmetrics.config.Config.Ingest.defaults(),
                null,
                java.time.Duration.ZERO)) {
      List<MintedCollector> minted = new ArrayList<>();
      for (int i = 0; i < hosts; i++) {
        minted.add(
            app.app.collectors().mint("host-" + i, "manual", null, java.time.Duration.ofDays(30)));
      }
      long base = app.clock.instant().getEpochSecond() - (long) snapshots * SNAPSHOT_S - 3600;
      base -= base % SNAPSHOT_S;
      warmUp(app, minted, base - 86_400);

      double[] http = new double[runs];
      double[] copy = new double[runs];
      for (int r = 0; r < runs; r++) {
        // the baseline first, so that the audit below reads what the last HTTP run stored
        truncate(app);
        copy[r] = rowsPerRun / copyRun(app, minted, snapshots, base);
        truncate(app);
        http[r] = rowsPerRun / httpRun(app, minted, snapshots, base, clients);
        long stored =
            count(app, "SELECT sum(listener_rows + connection_rows) FROM socket_snapshots");
        long landed = count(app, "SELECT count(*) FROM socket_rows");
        if (stored != rowsPerRun || landed != rowsPerRun) {
          throw new IllegalStateException(
              "HTTP run stored snapshots of "
                  + stored
                  + " rows and "
                  + landed
                  + " socket_rows, expected "
                  + rowsPerRun);
        }
        long t0 = System.nanoTime();
        long moved = app.app.socketStore().rollup(app.clock.instant());
        double rollupS = (System.nanoTime() - t0) / 1e9;
        System.out.printf(
            "  rollup of the run into hourly rows (background work, not in the HTTP figure): %,d rows in %.1f s,"
                + " %,.0f rows/s%n",
            moved, rollupS, moved / rollupS);
        System.out.printf(
            "run %d: HTTP %,.0f rows/s, raw COPY %,.0f rows/s, ratio %.2f%n",
            r + 1, http[r], copy[r], http[r] / copy[r]);
      }
      double h = IngestBenchmark.median(http);
      double c = IngestBenchmark.median(copy);
      System.out.printf(
          "bench-sockets ingest, median of %d runs: HTTP %,.0f rows/s; raw COPY baseline %,.0f rows/s;"
              + " ratio %.2f (goal >= 0.5)%n",
          runs, h, c, h / c);
      System.out.printf(
          "stored: %,d listener rows, %,d listener-hour rows, %,d connection-hour rows%n",
          count(app, "SELECT count(*) FROM listeners"),
          count(app, "SELECT count(*) FROM listener_hours"),
          count(app, "SELECT count(*) FROM connection_hours"));

      PortAudit audit = app.app.portAudit();
      double[] cold = new double[auditRuns];
      double[] cached = new double[auditRuns];
      int listeners = 0;
      for (int r = 0; r < auditRuns; r++) {
        audit.invalidate();
        long t0 = System.nanoTime();
        listeners = audit.fleet(PortAudit.Filter.NONE, 0, 500).total();
        cold[r] = (System.nanoTime() - t0) / 1e6;
        long t1 = System.nanoTime();
        audit.fleet(PortAudit.Filter.NONE, 0, 500);
        cached[r] = (System.nanoTime() - t1) / 1e6;
      }
      // the same through HTTP, as a client sees it (cached, JSON of the first page)
      double[] viaHttp = new double[auditRuns];
      for (int r = 0; r < auditRuns; r++) {
        long t0 = System.nanoTime();
        int code = app.admin("GET", "/api/v1/ports", null).statusCode();
        viaHttp[r] = (System.nanoTime() - t0) / 1e6;
        if (code != 200) {
          throw new IllegalStateException("GET /api/v1/ports answered " + code);
        }
      }
      System.out.printf(
          "bench-sockets fleet port audit of %,d listeners on %d hosts, median of %d: cold %.1f ms"
              + " (goal < 2000), cached %.3f ms (goal < 50); GET /api/v1/ports (cached, first page) %.1f ms%n",
          listeners,
          hosts,
          auditRuns,
          IngestBenchmark.median(cold),
          IngestBenchmark.median(cached),
          IngestBenchmark.median(viaHttp));
    }
  }

  /** The snapshot of host h at index k, as the collector would send it. */
  static String body(int h, int k, long base) {
    long ts = base + (long) k * SNAPSHOT_S;
    String local = "10." + (h >> 8 & 255) + "." + (h & 255) + ".5";
    StringBuilder b = new StringBuilder(16_384);
    b.append(ts)
        .append(",snapshot,proc,")
        .append(LISTENERS)
        .append(',')
        .append(CONNECTIONS)
        .append(",0\n");
    for (int i = 0; i < LISTENERS; i++) {
      int port = PORTS[i];
      b.append(ts)
          .append(",listen,")
          .append(i % 5 == 4 ? "udp" : "tcp")
          .append(',')
          .append(i % 3 == 0 ? "0.0.0.0" : i % 3 == 1 ? "127.0.0.1" : local)
          .append(',')
          .append(port)
          .append(",svc")
          .append(i)
          .append(",daemon-")
          .append(i)
          .append(",\n");
    }
    for (int i = 0; i < CONNECTIONS; i++) {
      int peer = (h * 7 + i * 13) % 1000;
      String remote = "10." + (peer >> 8 & 255) + "." + (peer & 255) + "." + (5 + i % 50);
      int count = 1 + (h + i + k) % 9;
      if (i % 4 == 0) {
        b.append(ts)
            .append(",conn,in,tcp,")
            .append(local)
            .append(',')
            .append(PORTS[i % LISTENERS])
            .append(',')
            .append(remote)
            .append(",0,svc")
            .append(i % LISTENERS)
            .append(",daemon-")
            .append(i % LISTENERS)
            .append(",,")
            .append(count)
            .append('\n');
      } else {
        b.append(ts)
            .append(",conn,out,tcp,")
            .append(local)
            .append(",0,")
            .append(remote)
            .append(',')
            .append(PORTS[i % LISTENERS])
            .append(",app,java,,")
            .append(count)
            .append('\n');
      }
    }
    return b.toString();
  }

  /**
   * Seconds for all hosts to POST all snapshots; clients each own a share of the hosts and a
   * keep-alive connection.
   */
  static double httpRun(
      TestAppliance app, List<MintedCollector> minted, int snapshots, long base, int clients)
      throws Exception {
    int port = app.app.port();
    AtomicLong retries = new AtomicLong();
    // bodies are rendered before the clock starts: collectors build them on their own hosts
    byte[][][] requests = new byte[minted.size()][snapshots][];
    for (int h = 0; h < minted.size(); h++) {
      byte[] head =
          ("POST /api/v1/sockets HTTP/1.1\r\nHost: 127.0.0.1:"
                  + port
                  + "\r\nAuthorization: Bearer "
                  + minted.get(h).token()
                  + "\r\nContent-Type: text/plain\r\nContent-Length: ")
              .getBytes(StandardCharsets.US_ASCII);
      for (int k = 0; k < snapshots; k++) {
        byte[] bytes = body(h, k, base).getBytes(StandardCharsets.US_ASCII);
        byte[] length = (bytes.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] req = new byte[head.length + length.length + bytes.length];
        System.arraycopy(head, 0, req, 0, head.length);
        System.arraycopy(length, 0, req, head.length, length.length);
        System.arraycopy(bytes, 0, req, head.length + length.length, bytes.length);
        requests[h][k] = req;
      }
    }
    List<Socket> sockets = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      sockets.add(new Socket(InetAddress.getLoopbackAddress(), port));
    }
    List<Thread> threads = new ArrayList<>();
    long start = System.nanoTime();
    for (int i = 0; i < clients; i++) {
      int client = i;
      Socket socket = sockets.get(i);
      threads.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    try (Socket s = socket) {
                      s.setTcpNoDelay(true);
                      OutputStream out = s.getOutputStream();
                      InputStream in = new BufferedInputStream(s.getInputStream());
                      // in time order: every host's snapshot k before anyone's k + 1, as uploads
                      // arrive
                      for (int k = 0; k < snapshots; k++) {
                        for (int h = client; h < requests.length; h += clients) {
                          while (true) {
                            out.write(requests[h][k]);
                            out.flush();
                            int status = IngestBenchmark.readResponse(in);
                            if (status == 204) {
                              break;
                            }
                            if (status != 503) {
                              throw new IllegalStateException("host " + h + " got HTTP " + status);
                            }
                            retries.incrementAndGet();
                            Thread.sleep(100);
                          }
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

  /**
   * One snapshot per host, a day before the runs, then emptied: tokens are cached and the
   * receiver's code compiled, as in steady state (bench-ingest warms up the same way).
   */
  static void warmUp(TestAppliance app, List<MintedCollector> minted, long ts) throws Exception {
    for (int h = 0; h < minted.size(); h++) {
      int code =
          app.post("/api/v1/sockets", minted.get(h).token(), "text/plain", body(h, 0, ts))
              .statusCode();
      if (code != 204) {
        throw new IllegalStateException("warm-up POST answered " + code);
      }
    }
    truncate(app);
  }

  /**
   * Seconds to COPY the same rows into socket_rows on one connection, ~50,000 rows a COPY and a
   * commit.
   */
  static double copyRun(TestAppliance app, List<MintedCollector> minted, int snapshots, long base)
      throws Exception {
    // parsed before the clock starts: the baseline is what PostgreSQL takes, not our parser
    SocketsParser parser = new SocketsParser(app.clock);
    List<List<SocketCopy.Upload>> groups = new ArrayList<>();
    List<SocketCopy.Upload> group = new ArrayList<>();
    int rows = 0;
    for (int k = 0; k < snapshots; k++) {
      for (int h = 0; h < minted.size(); h++) {
        byte[] bytes = body(h, k, base).getBytes(StandardCharsets.US_ASCII);
        group.add(new SocketCopy.Upload(minted.get(h).id(), parser.parse(bytes, bytes.length)));
        rows += LISTENERS + CONNECTIONS;
        if (rows >= 50_000) {
          groups.add(group);
          group = new ArrayList<>();
          rows = 0;
        }
      }
    }
    if (!group.isEmpty()) {
      groups.add(group);
    }
    SocketCopy copy = new SocketCopy();
    long start = System.nanoTime();
    try (Connection c = app.database.dataSource().getConnection()) {
      c.setAutoCommit(false);
      for (List<SocketCopy.Upload> g : groups) {
        copy.copy(c, "socket_rows", g, SocketCopy.Include.ALL);
        c.commit();
      }
    }
    return (System.nanoTime() - start) / 1e9;
  }

  static void truncate(TestAppliance app) throws Exception {
    try (Connection c = app.database.dataSource().getConnection();
        Statement s = c.createStatement()) {
      s.execute(
          "TRUNCATE socket_rows, socket_snapshots, listener_hours, connection_hours, listeners, socket_hosts");
      s.execute("CHECKPOINT");
    }
  }

  static long count(TestAppliance app, String sql) throws Exception {
    try (Connection c = app.database.dataSource().getConnection();
        Statement s = c.createStatement();
        var rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
