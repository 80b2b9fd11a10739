package io.perfmetrics.bench;

import io.perfmetrics.ingest.MintedCollector;
import io.perfmetrics.ingest.SampleBatch;
import io.perfmetrics.ingest.SampleCopy;
import io.perfmetrics.sizing.Rollup;
import io.perfmetrics.testing.TestAppliance;
import io.perfmetrics.testing.TestPostgres;
import io.perfmetrics.testing.TimescalePglite;
import java.io.BufferedInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * scripts/bench-storage: N hosts x D days x the 16 metrics collector.sh sends, every 60 s, through
 * the real receiver into a fresh embedded PostgreSQL; then the compactor (the sizing rollup) moves
 * the ended hours into samples_hour. Prints bytes per stored sample (tables and indexes), the
 * ingest rate against raw COPY of the same rows into the same landing table (same run, median of
 * runs), the compactor's throughput, and the same bytes per sample on TimescaleDB (PGlite) with its
 * compression run explicitly (PGlite has no background workers for the policy).
 */
public final class StorageBenchmark {
  /**
   * What collector.sh sends (templates/collector.sh, sample_*), with value shapes like its output.
   */
  static final String[] METRICS = {
    "cpu.busy_pct",
    "cpu.count",
    "load.1m",
    "mem.total_bytes",
    "mem.available_bytes",
    "mem.used_bytes",
    "swap.total_bytes",
    "swap.used_bytes",
    "disk.read_bytes_per_s",
    "disk.write_bytes_per_s",
    "disk.read_ops_per_s",
    "disk.write_ops_per_s",
    "fs.capacity_bytes",
    "fs.used_bytes",
    "net.rx_bytes_per_s",
    "net.tx_bytes_per_s"
  };

  static final int PER_POST = 5;

  /**
   * The compact tables, every partition with its indexes and TOAST: samples_hour (V13) and what is
   * left of the per-metric samples_compact (V9; empty on a fresh database).
   */
  static final String COMPACT_BYTES =
      "SELECT (SELECT coalesce(sum(pg_total_relation_size(relid)), 0) FROM pg_partition_tree('samples_hour'))"
          + " + (SELECT coalesce(sum(pg_total_relation_size(relid)), 0) FROM pg_partition_tree('samples_compact'))";

  /** The landing table, every partition with its indexes. */
  static final String LANDING_BYTES =
      "SELECT coalesce(sum(pg_total_relation_size(relid)), 0) FROM pg_partition_tree('samples')"; // 5 minutes of samples per upload, as the collector

  public static void main(String[] args) throws Exception {
    Map<String, String> a = IngestBenchmark.parse(args);
    int hosts = Integer.parseInt(a.getOrDefault("hosts", "200"));
    int days = Integer.parseInt(a.getOrDefault("days", "14"));
    int runs = Integer.parseInt(a.getOrDefault("runs", "3"));
    int ratioHosts =
        Integer.parseInt(a.getOrDefault("ratio-hosts", String.valueOf(Math.min(hosts, 200))));
    int tsHosts = Integer.parseInt(a.getOrDefault("timescale-hosts", "10"));
    System.out.printf(
        "bench-storage: %d hosts x %d days x %d metrics every 60 s = %,d samples%n",
        hosts, days, METRICS.length, (long) hosts * days * 1440 * METRICS.length);

    try (TestPostgres pg = new TestPostgres();
        TestAppliance app = new TestAppliance(pg.jdbcUrl(), c -> c, Duration.ZERO)) {
      List<MintedCollector> minted = new ArrayList<>();
      for (int i = 0; i < Math.max(hosts, ratioHosts); i++) {
        minted.add(app.app.collectors().mint("bench-" + i, "manual", null, Duration.ofDays(400)));
      }
      short[] ids = metricIds(app, minted.getFirst());
      long now = app.clock.instant().getEpochSecond();
      long start = now - now % 86_400 - (days + 1) * 86_400L;

      // 1. ingest ratio: one hour of ratio-hosts through HTTP vs COPY into the same landing table
      double[] http = new double[runs];
      double[] copy = new double[runs];
      long ratioBase = start - 30 * 86_400L;
      long ratioRows = (long) ratioHosts * 60 * METRICS.length;
      // one run for the JIT first, not counted
      send(app, minted.subList(0, ratioHosts), ratioBase - 86_400, 60);
      for (int r = 0; r < runs; r++) {
        clear(app);
        http[r] = ratioRows / send(app, minted.subList(0, ratioHosts), ratioBase, 60);
        clear(app);
        copy[r] = ratioRows / copyRows(app, minted.subList(0, ratioHosts), ids, ratioBase, 60);
        System.out.printf(
            "  ingest run %d: HTTP %,.0f samples/s, raw COPY %,.0f samples/s, ratio %.2f%n",
            r + 1, http[r], copy[r], http[r] / copy[r]);
      }
      clear(app);
      // the goal is on each run's own ratio (both sides under the same load), median of the runs
      double[] ratios = new double[runs];
      for (int r = 0; r < runs; r++) {
        ratios[r] = http[r] / copy[r];
      }
      double ratio = IngestBenchmark.median(ratios);

      // 2. the whole load through the receiver in steps of a few hours, each compacted after it
      // as the rollup does behind the receiver in production (there: every ended hour), so the
      // landing table holds what it holds in steady state, not 14 days at once
      int stepMinutes = Integer.parseInt(a.getOrDefault("step-hours", "3")) * 60;
      long total = (long) hosts * days * 1440 * METRICS.length;
      List<long[]> states = new ArrayList<>(java.util.Collections.nCopies(hosts, (long[]) null));
      double loadS = 0;
      double compactS = 0;
      long landing = 0;
      for (int k0 = 0; k0 < days * 1440; k0 += stepMinutes) {
        loadS +=
            send(
                app,
                minted.subList(0, hosts),
                start + k0 * 60L,
                Math.min(stepMinutes, days * 1440 - k0),
                states);
        landing = Math.max(landing, size(app, LANDING_BYTES));
        app.clock.advance(Rollup.QUIET.plusSeconds(1));
        long t0 = System.nanoTime();
        app.app.sizingRollup().runOnce();
        compactS += (System.nanoTime() - t0) / 1e9;
      }
      System.out.printf(
          "loaded %,d samples through the receiver in %.0f s (%,.0f samples/s), compacted in %.0f s%n",
          total, loadS, total / loadS, compactS);
      sql(app, "ANALYZE");
      long stored =
          size(app, "SELECT count(*) FROM samples")
              + size(app, "SELECT coalesce(sum(n), 0) FROM samples_hour");
      if (stored != total) {
        throw new IllegalStateException("stored " + stored + " samples, sent " + total);
      }
      long compact = size(app, COMPACT_BYTES);
      long heap =
          size(
              app,
              "SELECT coalesce(sum(pg_table_size(relid) - coalesce(pg_total_relation_size(NULLIF(c.reltoastrelid, 0)), 0)), 0)"
                  + " FROM pg_partition_tree('samples_hour') t JOIN pg_class c ON c.oid = t.relid");
      long indexes =
          size(
              app,
              "SELECT coalesce(sum(pg_indexes_size(relid)), 0) FROM pg_partition_tree('samples_hour')");
      long left = size(app, LANDING_BYTES);
      long rollups =
          size(
                  app,
                  "SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree('sizing_hourly')")
              + size(
                  app,
                  "SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree('sizing_daily')");
      double perSample = (double) (compact + left) / total;
      double compactRate = total / compactS;
      double hostsPerHour = compactRate * 3600 / (60.0 * METRICS.length);

      // 3. TimescaleDB on PGlite, both layouts on the same rows: its own compression
      // (compress_chunk
      // run explicitly, on the 1-day chunks of V2 where it does best), then the compact layout
      // (the rollup moves the hours and drops the landing hypertable's 1-hour chunks, as in V11)
      double tsBefore;
      double tsAfter;
      double tsCompressS;
      double tsCompact;
      double tsCompactS;
      long tsLeft;
      long tsTotal = (long) tsHosts * days * 1440 * METRICS.length;
      if (tsHosts == 0) {
        tsBefore = tsAfter = tsCompressS = tsCompact = tsCompactS = Double.NaN;
        tsLeft = 0;
      } else
        try (TimescalePglite ts = new TimescalePglite();
            TestAppliance tapp = new TestAppliance(ts.jdbcUrl(), c -> c, Duration.ZERO)) {
          List<MintedCollector> tminted = new ArrayList<>();
          for (int i = 0; i < tsHosts; i++) {
            tminted.add(
                tapp.app.collectors().mint("bench-" + i, "manual", null, Duration.ofDays(400)));
          }
          short[] tids = metricIds(tapp, tminted.getFirst());
          sql(tapp, "SELECT set_chunk_time_interval('samples', INTERVAL '1 day')");
          copyRows(tapp, tminted, tids, start, days * 1440);
          tsBefore = (double) size(tapp, "SELECT hypertable_size('samples')") / tsTotal;
          long c0 = System.nanoTime();
          sql(tapp, "SELECT count(compress_chunk(c, true)) FROM show_chunks('samples') c");
          tsCompressS = (System.nanoTime() - c0) / 1e9;
          tsAfter = (double) size(tapp, "SELECT hypertable_size('samples')") / tsTotal;
          long tsStored = size(tapp, "SELECT count(*) FROM samples");
          if (tsStored != tsTotal) {
            throw new IllegalStateException(
                "TimescaleDB holds " + tsStored + " samples, sent " + tsTotal);
          }

          sql(tapp, "TRUNCATE samples");
          sql(tapp, "SELECT set_chunk_time_interval('samples', INTERVAL '1 hour')");
          copyRows(tapp, tminted, tids, start, days * 1440);
          // copyRows bypasses the receiver: mark the hours as its uploads would have
          sql(
              tapp,
              "INSERT INTO sizing_dirty (collector_id, hour, marked_at) SELECT DISTINCT collector_id,"
                  + " to_timestamp(floor(extract(epoch FROM ts) / 3600) * 3600), to_timestamp("
                  + (tapp.clock.instant().getEpochSecond() - 3600)
                  + ") FROM samples");
          long k0 = System.nanoTime();
          tapp.app.sizingRollup().runOnce();
          tsCompactS = (System.nanoTime() - k0) / 1e9;
          long tsCompacted = size(tapp, "SELECT coalesce(sum(n), 0) FROM samples_hour");
          if (tsCompacted != tsTotal) {
            throw new IllegalStateException(
                "TimescaleDB compacted " + tsCompacted + " samples, sent " + tsTotal);
          }
          tsLeft = size(tapp, "SELECT coalesce(hypertable_size('samples'), 0)");
          tsCompact = (double) (size(tapp, COMPACT_BYTES) + tsLeft) / tsTotal;
        }
      System.out.println();
      System.out.printf(
          "PostgreSQL, landing table at its largest: %,d bytes (%d hosts x %d h before a compaction)%n",
          landing, hosts, stepMinutes / 60);
      System.out.printf(
          "PostgreSQL, after compaction (samples_hour + landing table, tables + indexes): %.2f bytes/sample  (goal <= 8)  %s%n",
          perSample, perSample <= 8 ? "MET" : "MISSED");
      System.out.printf(
          "  samples_hour %,d bytes (%.2f bytes/sample), landing table left %,d bytes, rollups %,d bytes%n",
          compact, (double) compact / total, left, rollups);
      System.out.printf(
          "  samples_hour: heap %,d bytes, primary key %,d bytes, TOAST and the rest %,d bytes%n",
          heap, indexes, compact - heap - indexes);
      System.out.printf(
          "TimescaleDB (PGlite, %d hosts), uncompressed:        %.1f bytes/sample%n",
          tsHosts, tsBefore);
      System.out.printf(
          "TimescaleDB (PGlite, %d hosts), its own compression:  %.2f bytes/sample; compress_chunk took %.1f s%n",
          tsHosts, tsAfter, tsCompressS);
      System.out.printf(
          "TimescaleDB (PGlite, %d hosts), compact layout:      %.2f bytes/sample  (goal <= 4)  %s;"
              + " compacted in %.1f s, landing hypertable left %,d bytes%n",
          tsHosts, tsCompact, tsCompact <= 4 ? "MET" : "MISSED", tsCompactS, tsLeft);
      System.out.printf(
          "ingest: HTTPS (TLS, the default) %,.0f vs raw COPY %,.0f samples/s (medians of %d), ratio (median of the"
              + " runs' ratios) %.2f  (goal >= 0.5)  %s; ratio of the medians %.2f%n",
          IngestBenchmark.median(http),
          IngestBenchmark.median(copy),
          runs,
          ratio,
          ratio >= 0.5 ? "MET" : "MISSED",
          IngestBenchmark.median(http) / IngestBenchmark.median(copy));
      System.out.printf(
          "compactor: %,d samples in %.1f s = %,.0f samples/s = %,.0f hosts' samples per hour"
              + " (goal >= 10,000)  %s%n",
          total, compactS, compactRate, hostsPerHour, hostsPerHour >= 10_000 ? "MET" : "MISSED");
      double gbPer1000 = perSample * 1000.0 * 14 * 1440 * METRICS.length / 1e9;
      double tsGbPer1000 = Math.min(tsAfter, tsCompact) * 1000.0 * 14 * 1440 * METRICS.length / 1e9;
      System.out.printf(
          "disk per 1,000 hosts x 14 days (samples only): PostgreSQL %.2f GB, TimescaleDB %.2f GB%n",
          gbPer1000, tsGbPer1000);
    }
  }

  /**
   * A value like collector.sh prints it for metric m of host h at minute k. Shaped like a quiet
   * server's: CPU with one decimal and noise, memory drifting in 4 KiB pages, disks idle most
   * minutes (byte rates in 4 KiB blocks when not), network noisy, totals constant. White noise on
   * every metric would be the worst case for any encoding and is not what hosts send.
   */
  static String value(SplittableRandom rnd, long[] state, int m, int h, long k) {
    long gib = 1L << 30;
    return switch (METRICS[m]) {
      case "cpu.busy_pct" ->
          String.valueOf(
              Math.round((20 + 15 * Math.sin(k / 240.0 + h) + rnd.nextDouble() * 10) * 10) / 10.0);
      case "cpu.count" -> String.valueOf(2 + h % 15);
      case "load.1m" ->
          String.valueOf(Math.round((1 + Math.sin(k / 300.0 + h)) * 100 + rnd.nextInt(20)) / 100.0);
      case "mem.total_bytes" -> String.valueOf((4 + h % 60) * gib);
      case "mem.available_bytes" -> String.valueOf((4 + h % 60) * gib - walk(rnd, state, 0, gib));
      case "mem.used_bytes" -> String.valueOf(walk(rnd, state, 0, gib) - 12_288);
      case "swap.total_bytes" -> String.valueOf(2 * gib);
      case "swap.used_bytes" -> String.valueOf((h % 5) * 4096 * 100L);
      case "disk.read_bytes_per_s", "disk.write_bytes_per_s" ->
          String.valueOf(rnd.nextInt(10) < 6 ? 0 : rnd.nextLong(512) * 4096 / 60);
      case "disk.read_ops_per_s", "disk.write_ops_per_s" ->
          String.valueOf(rnd.nextInt(10) < 6 ? 0 : rnd.nextInt(40));
      case "net.rx_bytes_per_s", "net.tx_bytes_per_s" -> String.valueOf(200 + rnd.nextLong(50_000));
      case "fs.capacity_bytes" -> String.valueOf(100 * gib);
      case "fs.used_bytes" -> String.valueOf(40 * gib + k / 10 * 4096);
      default -> "0";
    };
  }

  /** Memory in use: a random walk in 4 KiB pages, the same for used and available in one minute. */
  private static long walk(SplittableRandom rnd, long[] state, int i, long gib) {
    if (state[1] != state[2]) {
      state[2] = state[1];
      state[i] =
          Math.max(
              gib / 4,
              Math.min(
                  3 * gib, (state[i] == 0 ? gib : state[i]) + (rnd.nextLong(8192) - 4096) * 4096));
    }
    return state[i];
  }

  /**
   * Seconds to POST minutes [0, minutes) of every host from base, 5 minutes a POST, one keep-alive
   * connection each.
   */
  static double send(TestAppliance app, List<MintedCollector> minted, long base, int minutes)
      throws Exception {
    return send(
        app,
        minted,
        base,
        minutes,
        new java.util.ArrayList<>(java.util.Collections.nCopies(minted.size(), (long[]) null)));
  }

  /**
   * Client connections (-Dbench.connections): a fleet uploads on many connections at once, which is
   * what fills the receiver's group commits; measured 22,553 samples/s on 8, 52,393 on 64.
   */
  static final int CONNECTIONS = Integer.getInteger("bench.connections", 128);

  static double send(
      TestAppliance app, List<MintedCollector> minted, long base, int minutes, List<long[]> states)
      throws Exception {
    for (int i = 0; i < states.size(); i++) {
      if (states.get(i) == null) {
        states.set(i, new long[3]);
      }
    }
    int port = app.app.port();
    // Every request is built before the clock starts (head and body in one array), so the time
    // is the receiver's, not the load generator's formatting of numbers.
    List<List<byte[]>> perConnection = new ArrayList<>();
    for (int i = 0; i < CONNECTIONS; i++) {
      perConnection.add(new ArrayList<>());
    }
    StringBuilder body = new StringBuilder(4096);
    int next = 0;
    SplittableRandom[] rnds = new SplittableRandom[minted.size()];
    for (int h = 0; h < minted.size(); h++) {
      rnds[h] = new SplittableRandom(h * 1_000_003L + base);
    }
    for (int k0 = 0; k0 < minutes; k0 += PER_POST) {
      for (int h = 0; h < minted.size(); h++) {
        long[] state = states.get(h);
        body.setLength(0);
        for (int k = k0; k < Math.min(minutes, k0 + PER_POST); k++) {
          long ts = base + k * 60L + (k % 7 == 3 ? 1 : 0); // a collector's clock ticks unevenly
          state[1] = k + 1;
          for (int m = 0; m < METRICS.length; m++) {
            body.append(ts)
                .append(',')
                .append(METRICS[m])
                .append(',')
                .append(value(rnds[h], state, m, h, k))
                .append('\n');
          }
        }
        byte[] b = body.toString().getBytes(StandardCharsets.US_ASCII);
        byte[] head =
            ("POST /api/v1/metrics HTTP/1.1\r\nHost: 127.0.0.1:"
                    + port
                    + "\r\nAuthorization: Bearer "
                    + minted.get(h).token()
                    + "\r\nContent-Type: text/plain\r\nContent-Length: "
                    + b.length
                    + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] request = java.util.Arrays.copyOf(head, head.length + b.length);
        System.arraycopy(b, 0, request, head.length, b.length);
        perConnection.get(next++ % CONNECTIONS).add(request);
      }
    }
    List<Socket> sockets = new ArrayList<>();
    for (int i = 0; i < CONNECTIONS; i++) {
      Socket socket = app.connect();
      socket.setTcpNoDelay(true);
      sockets.add(socket);
    }
    List<Thread> threads = new ArrayList<>();
    long t0 = System.nanoTime();
    for (int i = 0; i < CONNECTIONS; i++) {
      Socket socket = sockets.get(i);
      List<byte[]> requests = perConnection.get(i);
      threads.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    try (Socket s = socket) {
                      OutputStream out = s.getOutputStream();
                      InputStream in = new BufferedInputStream(s.getInputStream());
                      for (byte[] request : requests) {
                        while (true) {
                          out.write(request);
                          out.flush();
                          int status = IngestBenchmark.readResponse(in);
                          if (status == 204) {
                            break;
                          }
                          if (status != 503) {
                            throw new IllegalStateException("got HTTP " + status);
                          }
                          Thread.sleep(100);
                        }
                      }
                    } catch (Exception e) {
                      throw new IllegalStateException(e);
                    }
                  }));
    }
    for (Thread t : threads) {
      t.join();
    }
    return (System.nanoTime() - t0) / 1e9;
  }

  /** Seconds to COPY the same rows send() posts, in groups as large as the receiver's. */
  static double copyRows(
      TestAppliance app, List<MintedCollector> minted, short[] ids, long base, int minutes)
      throws Exception {
    SampleCopy copy = new SampleCopy();
    // the receiver makes the landing table's hourly partitions before its COPY; so does the
    // baseline
    io.perfmetrics.ingest.LandingTable landing = new io.perfmetrics.ingest.LandingTable();
    long t0 = System.nanoTime();
    try (Connection c = app.database.dataSource().getConnection()) {
      c.setAutoCommit(false);
      List<SampleBatch> group = new ArrayList<>();
      int rows = 0;
      SplittableRandom[] rnd = new SplittableRandom[minted.size()];
      long[][] state = new long[minted.size()][3];
      for (int h = 0; h < minted.size(); h++) {
        rnd[h] = new SplittableRandom(h * 1_000_003L + base);
      }
      for (int k0 = 0; k0 < minutes; k0 += PER_POST) {
        for (int h = 0; h < minted.size(); h++) {
          int n = (Math.min(minutes, k0 + PER_POST) - k0) * METRICS.length;
          long[] ts = new long[n];
          short[] mids = new short[n];
          double[] vals = new double[n];
          int i = 0;
          for (int k = k0; k < Math.min(minutes, k0 + PER_POST); k++) {
            state[h][1] = k + 1;
            for (int m = 0; m < METRICS.length; m++, i++) {
              ts[i] = base + k * 60L + (k % 7 == 3 ? 1 : 0);
              mids[i] = ids[m];
              vals[i] = Double.parseDouble(value(rnd[h], state[h], m, h, k));
            }
          }
          group.add(new SampleBatch(minted.get(h).id(), n, ts, mids, vals));
          rows += n;
          if (rows >= 50_000) {
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
    return (System.nanoTime() - t0) / 1e9;
  }

  static short[] metricIds(TestAppliance app, MintedCollector any) throws Exception {
    StringBuilder b = new StringBuilder();
    long ts = app.clock.instant().getEpochSecond() - 500L * 86_400;
    for (String m : METRICS) {
      b.append(ts).append(',').append(m).append(",0\n");
    }
    int code = app.post("/api/v1/metrics", any.token(), "text/plain", b.toString()).statusCode();
    if (code != 204) {
      throw new IllegalStateException("warm-up POST answered " + code);
    }
    sql(app, "DELETE FROM samples"); // the warm-up sample is no part of the figures
    sql(app, "DELETE FROM sizing_dirty");
    short[] ids = new short[METRICS.length];
    for (int i = 0; i < METRICS.length; i++) {
      ids[i] = (short) size(app, "SELECT id FROM metrics WHERE name = '" + METRICS[i] + "'");
    }
    return ids;
  }

  static void clear(TestAppliance app) throws Exception {
    sql(app, "TRUNCATE samples");
    sql(app, "DELETE FROM sizing_dirty");
    sql(app, "CHECKPOINT");
  }

  static void sql(TestAppliance app, String sql) throws Exception {
    try (Connection c = app.database.dataSource().getConnection();
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  static long size(TestAppliance app, String sql) throws Exception {
    try (Connection c = app.database.dataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
