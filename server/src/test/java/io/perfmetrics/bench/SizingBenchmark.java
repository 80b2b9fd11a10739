package io.perfmetrics.bench;

import io.perfmetrics.ingest.SampleBatch;
import io.perfmetrics.ingest.SampleCopy;
import io.perfmetrics.sizing.DirtyHours;
import io.perfmetrics.testing.TestAppliance;
import io.perfmetrics.testing.TestPostgres;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * scripts/bench-sizing: loads hosts x days of 60-second samples of the metrics sizing reads
 * straight into the database with COPY, marking the hours the way the receiver does (same
 * transaction, same code); rolls them up with the production rollup; then times the full fleet
 * report through the real API cold (a query not cached yet) and cached, and, in the same run, the
 * naive query: percentile_cont over the raw samples of the same window.
 */
public final class SizingBenchmark {
  static final String[] METRICS = {
    "cpu.busy_pct",
    "mem.used_bytes",
    "disk.read_bytes_per_s",
    "disk.write_bytes_per_s",
    "net.rx_bytes_per_s",
    "net.tx_bytes_per_s"
  };
  static final String[][] CLOUDS = {
    {"aws", "us-east-1", "m7i.2xlarge"},
    {"azure", "westeurope", "Standard_D8s_v5"},
    {"gcp", "us-central1", "n2-standard-8"}
  };

  /** With disks: the regions the disk catalog prices, so every host's disks are sized. */
  static final String[][] CLOUDS_WITH_DISKS = {
    {"aws", "us-east-1", "m7i.2xlarge"},
    {"azure", "eastus", "Standard_D8s_v5"},
    {"gcp", "us-central1", "n2-standard-8"}
  };

  /** Disk ids of the collector contract; host h has 2 + h % 3 of them, one volume on each. */
  static final String[] DISKS = {"sda", "sdb", "sdc", "sdd"};

  static final String[] VOLUMES = {"_2f", "_2fdata", "_2fvar", "_2flogs"};

  /** Per disk: the four I/O series, then its volume's used and capacity bytes. */
  static final String[] DISK_FIELDS = {
    "read_bytes_per_s", "write_bytes_per_s", "read_ops_per_s", "write_ops_per_s"
  };

  static final String[] VOLUME_FIELDS = {"used_bytes", "capacity_bytes"};

  static final int PER_DISK = DISK_FIELDS.length + VOLUME_FIELDS.length;

  static int disksOf(int host, boolean disks) {
    return disks ? 2 + host % 3 : 0;
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> a = IngestBenchmark.parse(args);
    // --keep=DIR: the database stays in DIR after the run (with what the run measured), so that
    // --reuse=DIR can time the reports again on the same data without the hour-long load
    String keep = a.get("keep");
    String reuse = a.get("reuse");
    java.util.Properties kept = new java.util.Properties();
    Path dir = reuse != null ? Path.of(reuse) : keep != null ? Path.of(keep) : null;
    if (reuse != null) {
      Path file = dir.resolve(KEPT);
      if (!Files.exists(file)) {
        throw new IllegalArgumentException(
            "--reuse=" + reuse + ": no " + KEPT + " there (not a database left by --keep)");
      }
      try (var in = Files.newBufferedReader(file)) {
        kept.load(in);
      }
      for (String k : List.of("hosts", "days", "disks")) {
        if (a.containsKey(k) && !a.get(k).equals(kept.getProperty(k))) {
          throw new IllegalArgumentException(
              "--" + k + "=" + a.get(k) + " but the kept database has " + kept.getProperty(k));
        }
        a.put(k, kept.getProperty(k));
      }
    } else if (keep != null && Files.exists(dir.resolve(KEPT))) {
      throw new IllegalArgumentException(
          "--keep=" + keep + " holds a kept database already: --reuse it, or delete it first");
    }
    int hosts = Integer.parseInt(a.getOrDefault("hosts", "1000"));
    int days = Integer.parseInt(a.getOrDefault("days", "14"));
    int runs = Integer.parseInt(a.getOrDefault("runs", "5"));
    int naiveRuns = Integer.parseInt(a.getOrDefault("naive-runs", "3"));
    // --disks=off: the totals only, as before per-disk metrics (issue 13)
    boolean disks = !"off".equals(a.getOrDefault("disks", "on"));
    long perMetric = (long) hosts * days * 1440;
    long diskSeries = 0;
    for (int h = 0; h < hosts; h++) {
      diskSeries += (long) disksOf(h, disks) * PER_DISK;
    }
    long rows = perMetric * METRICS.length + diskSeries * days * 1440;
    System.out.printf(
        "bench-sizing: %,d hosts x %d days of 60-second samples = %,d rows per metric, %d metrics"
            + " per host%s (%,d rows)%n",
        hosts,
        days,
        perMetric,
        METRICS.length,
        disks
            ? String.format(
                " + 2-4 disks each (%d series per disk and its volume, %,d disk series)",
                PER_DISK, diskSeries)
            : "",
        rows);
    String[][] clouds = disks ? CLOUDS_WITH_DISKS : CLOUDS;

    try (TestPostgres pg = dir == null ? new TestPostgres() : TestPostgres.kept(dir);
        // no background rollup: the benchmark runs it after the load, to time it on its own
        TestAppliance app =
            new TestAppliance(
                pg.jdbcUrl(),
                io.perfmetrics.config.Config.Ingest.defaults(),
                null,
                java.time.Duration.ZERO)) {
      short[] ids = new short[METRICS.length];
      // per disk slot: its four I/O ids, then its volume's two
      short[] diskIds = new short[DISKS.length * PER_DISK];
      int firstId = 0;
      try (Connection c = app.database.dataSource().getConnection();
          Statement s = c.createStatement()) {
        for (int i = 0; i < METRICS.length; i++) {
          ids[i] = metric(s, METRICS[i]);
        }
        for (int d = 0; d < DISKS.length; d++) {
          for (int f = 0; f < DISK_FIELDS.length; f++) {
            diskIds[d * PER_DISK + f] = metric(s, "disk." + DISKS[d] + "." + DISK_FIELDS[f]);
          }
          for (int f = 0; f < VOLUME_FIELDS.length; f++) {
            diskIds[d * PER_DISK + DISK_FIELDS.length + f] =
                metric(s, "fs." + VOLUMES[d] + "." + VOLUME_FIELDS[f]);
          }
        }
        firstId = reuse != null ? 0 : fleet(c, s, hosts, clouds, disks);
      }
      int first = firstId;
      double[] naive;
      long now;
      if (reuse != null) {
        now = Long.parseLong(kept.getProperty("now"));
        naive =
            java.util.Arrays.stream(kept.getProperty("naive").split(","))
                .mapToDouble(Double::parseDouble)
                .toArray();
        System.out.printf(
            "reusing the database %s loaded and rolled up by a --keep run at %s; its naive runs: %s ms%n",
            dir, java.time.Instant.ofEpochSecond(now), kept.getProperty("naive"));
        // the clock of that run's reports: its load's now, past the rollup's quiet time
        app.clock.advance(
            java.time.Duration.ofSeconds(now - app.clock.instant().getEpochSecond())
                .plus(io.perfmetrics.sizing.Rollup.QUIET.plusSeconds(1)));
      } else {
        now = app.clock.instant().getEpochSecond();
        naive = loadAndRollUp(app, first, hosts, days, rows, naiveRuns, ids, diskIds, disks);
      }
      if (keep != null) {
        kept.setProperty("now", Long.toString(now));
        kept.setProperty("hosts", Integer.toString(hosts));
        kept.setProperty("days", Integer.toString(days));
        kept.setProperty("disks", disks ? "on" : "off");
        kept.setProperty(
            "naive",
            String.join(
                ",",
                java.util.Arrays.stream(naive).mapToObj(x -> String.format("%.0f", x)).toList()));
        try (var out = Files.newBufferedWriter(dir.resolve(KEPT))) {
          kept.store(out, "bench-sizing --keep: the run that loaded this database");
        }
      }
      reports(app, runs, Integer.parseInt(a.getOrDefault("warmup", "0")), naive);
    }
  }

  static final String KEPT = "bench-sizing.properties";

  /** The collectors and their inventory; returns the first collector id. */
  static int fleet(Connection c, Statement s, int hosts, String[][] clouds, boolean disks)
      throws java.sql.SQLException {
    int firstId;
    try (ResultSet rs =
        s.executeQuery(
            "INSERT INTO collectors (label, token_hash, expires_at) SELECT 'bench-' || g, '\\x00'::bytea, now() + interval '30 days'"
                + " FROM generate_series(1, "
                + hosts
                + ") g RETURNING id")) {
      rs.next();
      firstId = rs.getInt(1);
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO host_inventory (collector_id, hostname, os_family, cpu_count, memory_bytes, cloud_provider, region,"
                + " instance_type, inventory) VALUES (?, ?, 'linux', 8, 34359738368, ?, ?, ?, ?::jsonb)")) {
      for (int h = 0; h < hosts; h++) {
        String[] cloud = clouds[h % clouds.length];
        ps.setInt(1, firstId + h);
        ps.setString(2, "bench-host-" + h);
        ps.setString(3, cloud[0]);
        ps.setString(4, cloud[1]);
        ps.setString(5, cloud[2]);
        ps.setString(6, inventory(disksOf(h, disks)));
        ps.addBatch();
      }
      ps.executeBatch();
    }
    return firstId;
  }

  /**
   * COPYs the samples, times the naive baseline over them, then the rollup; returns the naive runs'
   * times (ms).
   */
  static double[] loadAndRollUp(
      TestAppliance app,
      int firstId,
      int hosts,
      int days,
      long rows,
      int naiveRuns,
      short[] ids,
      short[] diskIds,
      boolean disks)
      throws Exception {
    long now = app.clock.instant().getEpochSecond();
    long end = now - now % 3600;
    long start = end - days * 86_400L;
    double load = time(() -> load(app, firstId, hosts, start, end, ids, diskIds, disks));
    System.out.printf(
        "load: %,d rows COPYed with their hour marks in %.1f s (%,.0f rows/s)%n",
        rows, load, rows / load);
    double vacuum = time(() -> sql(app, "VACUUM ANALYZE samples"));
    System.out.printf("vacuum analyze samples: %.1f s%n", vacuum);
    // the baseline reads the raw rows, so it runs before the rollup moves them into
    // samples_compact
    long firstDay = Math.floorDiv(now, 86_400L) - 14 + 1;
    double[] naive = new double[naiveRuns];
    for (int r = 0; r < naiveRuns; r++) {
      short[] all = disks ? concat(ids, diskIds) : ids;
      naive[r] = time(() -> naive(app, firstDay * 86_400L, all)) * 1000;
      System.out.printf("naive run %d: %,.0f ms%n", r + 1, naive[r]);
    }
    // the rollup takes hours that have been quiet for a while: let that time pass
    app.clock.advance(io.perfmetrics.sizing.Rollup.QUIET.plusSeconds(1));
    long[] rolled = new long[1];
    double rollup = time(() -> rolled[0] = app.app.sizingRollup().runOnce());
    sql(app, "VACUUM ANALYZE sizing_daily");
    sql(app, "VACUUM ANALYZE sizing_hourly");
    System.out.printf(
        "rollup: %,d host-hours rolled up (and their days merged) in %.1f s; %s%n",
        rolled[0], rollup, sizes(app));

    return naive;
  }

  /**
   * @param warmup unmeasured reports first (percentiles the runs do not ask for), so that the runs
   *     time a report the cache has not seen on a JVM that has compiled the code, as on an
   *     appliance that has served reports before; 0: the first run pays for the JIT
   */
  static void reports(TestAppliance app, int runs, int warmup, double[] naive) throws Exception {
    for (int w = 0; w < warmup; w++) {
      String path = "/api/v1/sizing?percentile=" + (90 + w * 0.001);
      double t = time(() -> get(app, path)) * 1000;
      System.out.printf("warm-up %d (not counted): report %,.0f ms%n", w + 1, t);
    }
    double[] cold = new double[runs];
    double[] cached = new double[runs];
    for (int r = 0; r < runs; r++) {
      // a percentile no earlier request asked for: a key the cache has not seen
      String path = "/api/v1/sizing?percentile=" + (95 + r * 0.001);
      cold[r] = time(() -> get(app, path)) * 1000;
      double[] hits = new double[5];
      for (int k = 0; k < hits.length; k++) {
        hits[k] = time(() -> get(app, path)) * 1000;
      }
      cached[r] = IngestBenchmark.median(hits);
      System.out.printf(
          "run %d: report cold %,.0f ms, cached %.1f ms%n", r + 1, cold[r], cached[r]);
    }
    double c = IngestBenchmark.median(cold);
    double h = IngestBenchmark.median(cached);
    double n = IngestBenchmark.median(naive);
    HttpResponse<String> body = get(app, "/api/v1/sizing");
    System.out.printf(
        "bench-sizing medians: report cold %,.0f ms (goal < 2,000), cached %.1f ms (goal < 50), naive percentile_cont"
            + " %,.0f ms; naive / cold = %.1fx (goal >= 20x), naive / cached = %,.0fx; report body %,d bytes%n",
        c, h, n, n / c, n / h, body.body().length());
  }

  static short metric(Statement s, String name) throws java.sql.SQLException {
    try (ResultSet rs =
        s.executeQuery(
            "INSERT INTO metrics (name) VALUES ('"
                + name
                + "') ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id")) {
      rs.next();
      return rs.getShort(1);
    }
  }

  static short[] concat(short[] a, short[] b) {
    short[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /** The hello's disks and volumes, as the collector contract has them. */
  static String inventory(int disks) {
    StringBuilder d = new StringBuilder();
    StringBuilder v = new StringBuilder();
    for (int i = 0; i < disks; i++) {
      String sep = i == 0 ? "" : ",";
      d.append(sep)
          .append("{\"id\":\"")
          .append(DISKS[i])
          .append("\",\"name\":\"")
          .append(DISKS[i])
          .append("\",\"size_bytes\":")
          .append(500L << 30)
          .append('}');
      v.append(sep)
          .append("{\"id\":\"")
          .append(VOLUMES[i])
          .append("\",\"mount\":\"")
          .append(VOLUMES[i].replace("_2f", "/"))
          .append("\",\"capacity_bytes\":")
          .append(500L << 30)
          .append(",\"disk\":\"")
          .append(DISKS[i])
          .append("\"}");
    }
    return "{\"disks\":[" + d + "],\"volumes\":[" + v + "]}";
  }

  interface Step {
    void run() throws Exception;
  }

  static double time(Step s) throws Exception {
    long t = System.nanoTime();
    s.run();
    return (System.nanoTime() - t) / 1e9;
  }

  static HttpResponse<String> get(TestAppliance app, String path) {
    HttpResponse<String> r = app.admin("GET", path, null);
    if (r.statusCode() != 200) {
      throw new IllegalStateException(path + " answered " + r.statusCode() + ": " + r.body());
    }
    return r;
  }

  static void sql(TestAppliance app, String sql) throws Exception {
    try (Connection c = app.database.dataSource().getConnection();
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  static String sizes(TestAppliance app) throws Exception {
    try (Connection c = app.database.dataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                // partitioned tables hold nothing themselves: sum their partitions
                "SELECT pg_size_pretty("
                    + total("samples")
                    + "), pg_size_pretty("
                    + total("sizing_hourly")
                    + "), pg_size_pretty("
                    + total("sizing_daily")
                    + "), (SELECT count(*) FROM sizing_daily),"
                    + " pg_size_pretty("
                    + total("samples_hour")
                    + ")")) {
      rs.next();
      return "samples_hour (compacted) "
          + rs.getString(5)
          + ", samples (landing) "
          + rs.getString(1)
          + ", sizing_hourly "
          + rs.getString(2)
          + ", sizing_daily "
          + rs.getString(3)
          + " ("
          + rs.getLong(4)
          + " rows)";
    }
  }

  private static String total(String table) {
    return "(SELECT coalesce(sum(pg_total_relation_size(relid)), 0) FROM pg_partition_tree('"
        + table
        + "'))";
  }

  /** Percentiles per host and metric over raw samples: what a report without rollups has to ask. */
  static void naive(TestAppliance app, long from, short[] ids) throws Exception {
    StringBuilder in = new StringBuilder();
    for (short id : ids) {
      in.append(in.isEmpty() ? "" : ",").append(id);
    }
    try (Connection c = app.database.dataSource().getConnection();
        Statement s = c.createStatement()) {
      s.execute("SET max_parallel_workers_per_gather = 2");
      try (ResultSet rs =
          s.executeQuery(
              "SELECT collector_id, metric_id, percentile_cont(0.95) WITHIN GROUP (ORDER BY value), count(*) FROM samples"
                  + " WHERE ts >= to_timestamp("
                  + from
                  + ") AND metric_id IN ("
                  + in
                  + ") GROUP BY collector_id, metric_id")) {
        int rows = 0;
        while (rs.next()) {
          rows++;
        }
        if (rows == 0) {
          throw new IllegalStateException("naive query found nothing");
        }
      }
    }
  }

  /**
   * Rows in time order, 2 hours of all hosts per COPY, hour marks in the same transaction (as the
   * receiver).
   */
  static void load(
      TestAppliance app,
      int firstId,
      int hosts,
      long start,
      long end,
      short[] ids,
      short[] diskIds,
      boolean disks)
      throws Exception {
    SampleCopy copy = new SampleCopy();
    // the receiver makes the landing table's hourly partitions before its COPY; so does the
    // baseline
    io.perfmetrics.ingest.LandingTable landing = new io.perfmetrics.ingest.LandingTable();
    DirtyHours marks = new DirtyHours(app.clock);
    try (Connection c = app.database.dataSource().getConnection()) {
      c.setAutoCommit(false);
      List<SampleBatch> group = new ArrayList<>();
      for (long hour = start; hour < end; hour += 3600) {
        for (int h = 0; h < hosts; h++) {
          int perDisk = disksOf(h, disks) * PER_DISK;
          int n = 60 * (ids.length + perDisk);
          long[] ts = new long[n];
          short[] mid = new short[n];
          double[] v = new double[n];
          int i = 0;
          for (int m = 0; m < 60; m++) {
            long t = hour + m * 60L;
            for (int k = 0; k < ids.length; k++, i++) {
              ts[i] = t;
              mid[i] = ids[k];
              v[i] = value(h, t, k);
            }
            for (int k = 0; k < perDisk; k++, i++) {
              ts[i] = t;
              mid[i] = diskIds[k];
              v[i] = diskValue(h, t, start, k);
            }
          }
          group.add(new SampleBatch(firstId + h, n, ts, mid, v));
        }
        if (((hour - start) / 3600) % 2 == 1 || hour + 3600 >= end) {
          landing.prepare(c, group);
          copy.copy(c, "samples", group);
          marks.run(c, group);
          c.commit();
          group.clear();
        }
      }
    }
  }

  /**
   * Per-disk series k (disk k / PER_DISK, field k % PER_DISK): I/O with the daily cycle and noise
   * of the totals; used space growing on every other volume (a trend to find), flat on the rest.
   */
  static double diskValue(int host, long t, long start, int k) {
    int disk = k / PER_DISK;
    int field = k % PER_DISK;
    double base = value(host, t, 10 + k);
    return switch (field) {
      case 0, 1 -> base / (1 + disk);
      case 2, 3 -> base / 16_384 / (1 + disk);
      case 4 ->
          (20 + 10 * disk + ((host + disk) % 2 == 0 ? (t - start) / 86_400.0 : 0)) * (1L << 30);
      default -> 500.0 * (1L << 30);
    };
  }

  /** Deterministic, host-specific, with a daily cycle and noise. */
  static double value(int host, long t, int metric) {
    long x =
        (host * 0x9E3779B97F4A7C15L) ^ (t * 0xBF58476D1CE4E5B9L) ^ (metric * 0x94D049BB133111EBL);
    x ^= x >>> 31;
    x *= 0xD6E8FEB86659FD39L;
    x ^= x >>> 28;
    double noise = (x >>> 11) / (double) (1L << 53);
    double cycle = 0.5 + 0.5 * Math.sin((t % 86_400) / 86_400.0 * 2 * Math.PI);
    double scale = 1 + host % 7;
    return switch (metric) {
      case 0 -> Math.min(100, 5 + scale * 6 * cycle + 20 * noise);
      case 1 -> (2 + scale * 2 + noise) * 1024 * 1024 * 1024;
      case 2, 3 -> scale * 1e6 * (0.2 + cycle) * (0.5 + noise);
      default -> scale * 5e6 * (0.2 + cycle) * (0.5 + noise);
    };
  }
}
