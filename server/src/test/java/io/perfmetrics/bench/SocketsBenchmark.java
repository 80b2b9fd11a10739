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

  /** Bytes of one rendered snapshot body (220 rows), measured: 14-16 KB. */
  private static final long BODY_BYTES_ESTIMATE = 15_000;

  public static void main(String[] args) throws Exception {
    Map<String, String> a = IngestBenchmark.parse(args);
    int hosts = Integer.parseInt(a.getOrDefault("hosts", "1000"));
    double days = Double.parseDouble(a.getOrDefault("days", "14"));
    int snapshots =
        a.containsKey("snapshots")
            ? Integer.parseInt(a.get("snapshots"))
            : (int) Math.round(days * 86_400 / SNAPSHOT_S);
    // 250 uploads in flight: 1,000 hosts uploading every 5 min with some seconds each under load;
    // 32-64 clients in a closed loop measured the answer's latency more than the receiver's rate
    int clients = Integer.parseInt(a.getOrDefault("clients", "250"));
    int runs = Integer.parseInt(a.getOrDefault("runs", "3"));
    int auditRuns = Integer.parseInt(a.getOrDefault("audit-runs", "5"));
    // --warmup-rounds=0 for the runs as measured before 2026-11-29 13:00 UTC; 2 (the default
    // until 16:00 UTC) left the JIT compiling through the measured runs, whose receiver CPU per
    // row fell run after run
    int warmupRounds = Integer.parseInt(a.getOrDefault("warmup-rounds", "8"));
    // --state-days=14: before the audit, the hourly state of that many days before the ingest
    // slice is generated in the database (see loadState); --state-connections=false leaves out
    // the connection hours (the audit does not read them)
    int stateDays = Integer.parseInt(a.getOrDefault("state-days", "0"));
    boolean stateConnections = Boolean.parseBoolean(a.getOrDefault("state-connections", "true"));
    long rowsPerRun = (long) hosts * snapshots * (LISTENERS + CONNECTIONS);
    // every body is rendered before the clock starts (~15 KB a snapshot), and the COPY baseline
    // holds the run's rows parsed: refuse a scale the heap cannot hold instead of failing midway
    long renderedBytes = (long) hosts * snapshots * BODY_BYTES_ESTIMATE;
    if (renderedBytes > Runtime.getRuntime().maxMemory() / 4) {
      System.err.printf(
          "bench-sockets: %,d hosts x %,d snapshots would render ~%,d MB of request bodies before"
              + " the clock starts, more than a quarter of this JVM's heap (%,d MB); run a slice"
              + " with --snapshots=N (the ratio is a rate per row: every request of a slice does"
              + " the same work as one of the 14 days)%n",
          hosts, snapshots, renderedBytes >> 20, Runtime.getRuntime().maxMemory() >> 20);
      System.exit(2);
    }
    System.out.printf(
        "bench-sockets: %d hosts x %d snapshots (%.2f days at 5 min) x %d rows = %,d rows per run,"
            + " %d HTTP clients, %d runs after %d unmeasured warm-up rounds%n",
        hosts,
        snapshots,
        snapshots * SNAPSHOT_S / 86_400.0,
        LISTENERS + CONNECTIONS,
        rowsPerRun,
        clients,
        runs,
        warmupRounds);
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
      Cpu cpu = new Cpu(app);
      // A run is 2,000 requests at 1,000 x 2: too few for the JIT to finish compiling the request
      // path, so without these rounds every run paid compilations a running appliance has long
      // done (C2 threads were the JVM's largest CPU user in a JFR profile of the runs). Unmeasured
      // and then emptied; the COPY baseline gets the same.
      for (int w = 0; w < warmupRounds; w++) {
        int n = Math.min(snapshots, 2);
        long at = base - (w + 2) * 86_400L;
        copyRun(app, minted, n, at);
        truncate(app);
        httpRun(app, minted, n, at, clients, cpu, new Cpu.Reading[2]);
        truncate(app);
      }

      double[] http = new double[runs];
      double[] copy = new double[runs];
      for (int r = 0; r < runs; r++) {
        // the baseline first, so that the audit below reads what the last HTTP run stored
        truncate(app);
        Cpu.Reading c0 = cpu.read();
        copy[r] = rowsPerRun / copyRun(app, minted, snapshots, base);
        Cpu.Reading c1 = cpu.read();
        truncate(app);
        Cpu.Reading h0 = cpu.read();
        CLIENT_CPU_NS.set(0);
        Cpu.Reading[] window = new Cpu.Reading[2];
        http[r] = rowsPerRun / httpRun(app, minted, snapshots, base, clients, cpu, window);
        Cpu.Reading h1 = cpu.read();
        double perM = 1e6 / rowsPerRun;
        System.out.printf(
            "  CPU s per million rows: HTTP run: appliance JVM %.2f (of it the load generator's"
                + " client threads %.2f), PostgreSQL %.2f; COPY run: JVM %.2f, PostgreSQL %.2f%n",
            (h1.jvmS() - h0.jvmS()) * perM,
            CLIENT_CPU_NS.get() / 1e9 * perM,
            (h1.postgresS() - h0.postgresS()) * perM,
            (c1.jvmS() - c0.jvmS()) * perM,
            (c1.postgresS() - c0.postgresS()) * perM);
        // The figure above also counts what the run does before its clock starts (rendering the
        // bodies, the clients' TLS handshakes); this one is the timed window only, and without
        // the load generator's threads it is what the receiver spent (with the JVM's JIT and GC)
        double windowJvm = (window[1].jvmS() - window[0].jvmS()) * perM;
        System.out.printf(
            "  CPU s per million rows within the HTTP run's clock: JVM %.2f, of it the receiver"
                + " (JVM minus the load generator's client threads) %.2f; PostgreSQL %.2f%n",
            windowJvm,
            windowJvm - CLIENT_CPU_NS.get() / 1e9 * perM,
            (window[1].postgresS() - window[0].postgresS()) * perM);
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

      if (stateDays > 0) {
        loadState(app, minted, base, stateDays, stateConnections);
      }
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

  static final AtomicLong CLIENT_CPU_NS = new AtomicLong();

  /**
   * The full scale without 890 M rows through the receiver (hours here): the hourly rows of
   * {@code days} days before the ingest slice, for every host, with the very keys its snapshots
   * carry (20 listeners, 200 connection rows, 12 snapshots an hour), generated by SQL
   * (generate_series) straight into listener_hours and connection_hours, a day a statement; then
   * the listener summary and socket_hosts from them with the rollup's upsert rules, merged with
   * what the ingest slice left. What the audit then reads is what 14 days of uploads and rollups
   * would have left; how it got there is not the receiver, and the output says so.
   */
  static void loadState(
      TestAppliance app, List<MintedCollector> minted, long base, int days, boolean connections)
      throws Exception {
    long start = base - (long) days * 86_400;
    start -= start % 3600;
    long end = base - base % 3600; // the slice's first hour stays the slice's
    System.out.printf(
        "loading %d days of hourly socket state for %d hosts, GENERATED IN SQL (not through the"
            + " receiver, not by the rollup): %,d listener hours%s%n",
        days,
        minted.size(),
        (long) minted.size() * ((end - start) / 3600) * LISTENERS,
        connections
            ? String.format(
                ", %,d connection hours",
                (long) minted.size() * ((end - start) / 3600) * CONNECTIONS)
            : ", connection hours left out (--state-connections=false; the audit does not read them)");
    String ports = java.util.Arrays.toString(PORTS).replace('[', '{').replace(']', '}');
    String hosts =
        " FROM unnest(?::int[]) WITH ORDINALITY AS m(id, n) CROSS JOIN LATERAL (SELECT (m.n - 1)::int AS h) x,"
            + " generate_series(?::timestamptz, ?::timestamptz - interval '1 hour', interval '1 hour') AS hr";
    String local = "('10.' || (x.h >> 8 & 255) || '.' || (x.h & 255) || '.5')";
    String listenerSql =
        "INSERT INTO listener_hours (collector_id, hour, proto, local_addr, local_port, username, process, service,"
            + " first_seen, last_seen, snapshots)"
            + " SELECT m.id, hr, CASE WHEN i % 5 = 4 THEN 'udp' ELSE 'tcp' END,"
            + " (CASE i % 3 WHEN 0 THEN '0.0.0.0' WHEN 1 THEN '127.0.0.1' ELSE "
            + local
            + " END)::inet, ('"
            + ports
            + "'::int[])[i + 1], 'svc' || i, 'daemon-' || i, '', hr, hr + interval '55 minutes', 12"
            + hosts
            + ", generate_series(0, 19) AS i";
    String peer = "((x.h * 7 + i * 13) % 1000)";
    String connectionSql =
        "INSERT INTO connection_hours (collector_id, hour, direction, proto, local_addr, local_port, remote_addr,"
            + " remote_port, username, process, service, first_seen, last_seen, snapshots, connections, max_connections)"
            + " SELECT m.id, hr, CASE WHEN i % 4 = 0 THEN 'in' ELSE 'out' END, 'tcp', "
            + local
            + "::inet, CASE WHEN i % 4 = 0 THEN ('"
            + ports
            + "'::int[])[i % 20 + 1] ELSE 0 END,"
            + " ('10.' || ("
            + peer
            + " >> 8 & 255) || '.' || ("
            + peer
            + " & 255) || '.' || (5 + i % 50))::inet,"
            + " CASE WHEN i % 4 = 0 THEN 0 ELSE ('"
            + ports
            + "'::int[])[i % 20 + 1] END,"
            + " CASE WHEN i % 4 = 0 THEN 'svc' || (i % 20) ELSE 'app' END,"
            + " CASE WHEN i % 4 = 0 THEN 'daemon-' || (i % 20) ELSE 'java' END, '',"
            + " hr, hr + interval '55 minutes', 12, 12 * (1 + (x.h + i) % 9), 1 + (x.h + i) % 9"
            + hosts
            + ", generate_series(0, 199) AS i";
    Integer[] ids = minted.stream().map(MintedCollector::id).toArray(Integer[]::new);
    long t0 = System.nanoTime();
    try (Connection c = app.database.dataSource().getConnection()) {
      c.setAutoCommit(true);
      for (long day = start; day < end; day += 86_400) {
        long to = Math.min(day + 86_400, end);
        long d0 = System.nanoTime();
        for (String sql :
            connections ? List.of(listenerSql, connectionSql) : List.of(listenerSql)) {
          try (var ps = c.prepareStatement(sql)) {
            ps.setArray(1, c.createArrayOf("int4", ids));
            ps.setTimestamp(2, new java.sql.Timestamp(day * 1000));
            ps.setTimestamp(3, new java.sql.Timestamp(to * 1000));
            ps.executeUpdate();
          }
        }
        System.out.printf(
            "  %s: %.1f s%n", java.time.Instant.ofEpochSecond(day), (System.nanoTime() - d0) / 1e9);
      }
      try (Statement s = c.createStatement()) {
        s.execute(
            "INSERT INTO listeners (collector_id, proto, local_addr, local_port, username, process, service,"
                + " first_seen, last_seen, snapshots)"
                + " SELECT collector_id, proto, local_addr, local_port, username, process, service,"
                + " min(first_seen), max(last_seen), sum(snapshots) FROM listener_hours"
                + " WHERE hour < to_timestamp("
                + end
                + ") GROUP BY 1, 2, 3, 4, 5, 6, 7"
                + " ON CONFLICT (collector_id, proto, local_addr, local_port, username, process, service) DO UPDATE SET"
                + " first_seen = least(listeners.first_seen, excluded.first_seen),"
                + " last_seen = greatest(listeners.last_seen, excluded.last_seen),"
                + " snapshots = listeners.snapshots + excluded.snapshots");
        s.execute(
            "INSERT INTO socket_hosts (collector_id, first_snapshot, last_snapshot, snapshots)"
                + " SELECT collector_id, min(first_seen), max(last_seen), count(DISTINCT hour) * 12 FROM listener_hours"
                + " WHERE hour < to_timestamp("
                + end
                + ") GROUP BY 1"
                + " ON CONFLICT (collector_id) DO UPDATE SET"
                + " first_snapshot = least(socket_hosts.first_snapshot, excluded.first_snapshot),"
                + " last_snapshot = greatest(socket_hosts.last_snapshot, excluded.last_snapshot),"
                + " snapshots = socket_hosts.snapshots + excluded.snapshots");
        s.execute("VACUUM ANALYZE listeners");
        s.execute("ANALYZE socket_hosts");
      }
    }
    System.out.printf(
        "  state loaded in %.0f s: %,d listener rows, %,d listener-hour rows, %,d connection-hour rows%n",
        (System.nanoTime() - t0) / 1e9,
        count(app, "SELECT count(*) FROM listeners"),
        count(app, "SELECT count(*) FROM listener_hours"),
        count(app, "SELECT count(*) FROM connection_hours"));
  }

  /**
   * CPU time of this JVM (appliance and load generator) and of the PostgreSQL cluster (postmaster,
   * its live backends and the reaped ones), from /proc: who spends what in each run.
   */
  static final class Cpu {
    record Reading(double jvmS, double postgresS) {}

    private final long postmaster;

    Cpu(TestAppliance app) throws Exception {
      String dir;
      try (Connection c = app.database.dataSource().getConnection();
          Statement s = c.createStatement();
          var rs = s.executeQuery("SHOW data_directory")) {
        rs.next();
        dir = rs.getString(1);
      }
      postmaster =
          Long.parseLong(
              java.nio.file.Files.readAllLines(java.nio.file.Path.of(dir, "postmaster.pid"))
                  .get(0)
                  .trim());
    }

    Reading read() throws IOException {
      var os =
          (com.sun.management.OperatingSystemMXBean)
              java.lang.management.ManagementFactory.getOperatingSystemMXBean();
      long ticks = 0;
      try (var procs = java.nio.file.Files.list(java.nio.file.Path.of("/proc"))) {
        for (java.nio.file.Path p : (Iterable<java.nio.file.Path>) procs::iterator) {
          String name = p.getFileName().toString();
          if (!name.chars().allMatch(Character::isDigit)) {
            continue;
          }
          String[] f;
          try {
            String stat = java.nio.file.Files.readString(p.resolve("stat"));
            // fields after the command, which may hold spaces: state is field 3
            f = stat.substring(stat.lastIndexOf(')') + 2).split(" ", -1);
          } catch (IOException | RuntimeException e) {
            continue; // gone meanwhile
          }
          long pid = Long.parseLong(name);
          long ppid = Long.parseLong(f[1]);
          if (pid == postmaster || ppid == postmaster) {
            // utime, stime, and for the postmaster its reaped children's cutime, cstime
            ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
            if (pid == postmaster) {
              ticks += Long.parseLong(f[13]) + Long.parseLong(f[14]);
            }
          }
        }
      }
      return new Reading(os.getProcessCpuTime() / 1e9, ticks / 100.0);
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
      TestAppliance app,
      List<MintedCollector> minted,
      int snapshots,
      long base,
      int clients,
      Cpu cpu,
      Cpu.Reading[] window)
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
      sockets.add(app.connect());
    }
    List<Thread> threads = new ArrayList<>();
    window[0] = cpu.read();
    long start = System.nanoTime();
    for (int i = 0; i < clients; i++) {
      int client = i;
      Socket socket = sockets.get(i);
      // platform threads, so their CPU time can be counted apart from the appliance's
      threads.add(
          Thread.ofPlatform()
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
                      CLIENT_CPU_NS.addAndGet(
                          java.lang.management.ManagementFactory.getThreadMXBean()
                              .getCurrentThreadCpuTime());
                    } catch (IOException | InterruptedException e) {
                      throw new IllegalStateException(e);
                    }
                  }));
    }
    for (Thread t : threads) {
      t.join();
    }
    double secs = (System.nanoTime() - start) / 1e9;
    window[1] = cpu.read();
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
