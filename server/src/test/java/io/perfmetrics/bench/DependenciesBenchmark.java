package io.perfmetrics.bench;

import io.perfmetrics.dependencies.DependencyService;
import io.perfmetrics.sizing.SizingQuery;
import io.perfmetrics.testing.TestAppliance;
import io.perfmetrics.testing.TestPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Random;

/**
 * scripts/bench-dependencies: a fleet's hourly connection rows (both sides of every edge, every
 * hour of the window an edge is active) are loaded into connection_hours of the real appliance's
 * database, and their weekly summary (connection_keys and connection_weeks, as the socket rollup
 * keeps them); then the dependency map and the move groups are timed cold (cache emptied) and
 * cached, and in the same run a naive SQL over the raw rows (a self-join pairing each client row
 * with the server's row of the same hour, grouped into edges) is timed as the baseline.
 *
 * <p>Fan-out: each host talks to 3-10 peers (a random draw), and each host also uses one or two of
 * a few shared services (hosts 0..19), which so have hundreds of clients. An edge is active in a
 * random 80% of the window's hours.
 */
public final class DependenciesBenchmark {
  public static void main(String[] args) throws Exception {
    Map<String, String> a = IngestBenchmark.parse(args);
    int hosts = Integer.parseInt(a.getOrDefault("hosts", "5000"));
    int days = Integer.parseInt(a.getOrDefault("days", "14"));
    int runs = Integer.parseInt(a.getOrDefault("runs", "3"));
    // --naive=off: no hourly rows and no baseline (a quick look at the map alone; the ratio needs
    // the baseline)
    boolean naiveOn = !a.getOrDefault("naive", "on").equals("off");
    int shared = Math.min(20, hosts / 10 + 1);
    try (TestPostgres pg = new TestPostgres();
        TestAppliance app =
            new TestAppliance(
                pg.jdbcUrl(),
                io.perfmetrics.config.Config.Ingest.defaults(),
                null,
                Duration.ZERO)) {
      long now = app.clock.instant().getEpochSecond();
      long hour0 = now - now % 3600 - days * 86_400L;
      try (Connection c = app.database.dataSource().getConnection();
          Statement s = c.createStatement()) {
        s.execute(
            "INSERT INTO collectors (label, token_hash, expires_at)"
                + " SELECT 'host-' || g, '\\x00'::bytea, now() + interval '30 days'"
                + " FROM generate_series(0, "
                + (hosts - 1)
                + ") g");
        s.execute(
            "INSERT INTO socket_hosts SELECT id, to_timestamp("
                + hour0
                + "), now(), 1 FROM collectors");
        s.execute("CREATE TABLE bench_edges (client int, server int, port int)");
        Random r = new Random(42);
        StringBuilder v = new StringBuilder();
        int edges = 0;
        for (int h = 0; h < hosts; h++) {
          int peers = 3 + r.nextInt(8);
          for (int p = 0; p < peers; p++) {
            int other = r.nextInt(hosts);
            if (other != h) {
              v.append(h)
                  .append(',')
                  .append(other)
                  .append(',')
                  .append(8000 + r.nextInt(100))
                  .append('\n');
              edges++;
            }
          }
          int uses = 1 + r.nextInt(2);
          for (int u = 0; u < uses; u++) {
            int svc = r.nextInt(shared);
            if (svc != h) {
              v.append(h).append(',').append(svc).append(",5432\n");
              edges++;
            }
          }
        }
        new org.postgresql.copy.CopyManager(c.unwrap(org.postgresql.core.BaseConnection.class))
            .copyIn(
                "COPY bench_edges FROM STDIN (FORMAT csv)", new java.io.StringReader(v.toString()));
        long t = System.nanoTime();
        s.execute(
            "CREATE TABLE bench_hosts AS SELECT substr(label, 6)::int AS g, id FROM collectors");
        s.execute("CREATE UNIQUE INDEX ON bench_hosts (g)");
        // Both sides of every edge as the socket rollup keeps them: each key once
        // (connection_keys), its hours of each UTC week as a bit string (connection_weeks), and
        // every
        // active hour as a row (connection_hours, which the naive baseline reads). An edge is
        // active in the hours its hash picks, the same hours on both sides; host i has the address
        // 10.<i/65536>.<i/256>.<i%256> + 1.
        String addr =
            "('10.' || ((%1$s + 1) / 65536) || '.' || (((%1$s + 1) / 256) %% 256) || '.' || ((%1$s + 1) %% 256))::inet";
        s.execute(
            "CREATE TABLE bench_sides AS SELECT e.client, e.server, e.port, d.direction, bh.id AS collector_id,"
                + " CASE WHEN d.direction = 'out' THEN "
                + addr.formatted("e.client")
                + " ELSE "
                + addr.formatted("e.server")
                + " END AS local_addr,"
                + " CASE WHEN d.direction = 'out' THEN 0 ELSE e.port END AS local_port,"
                + " CASE WHEN d.direction = 'out' THEN "
                + addr.formatted("e.server")
                + " ELSE "
                + addr.formatted("e.client")
                + " END AS remote_addr,"
                + " CASE WHEN d.direction = 'out' THEN e.port ELSE 0 END AS remote_port,"
                + " CASE WHEN d.direction = 'out' THEN 'java' ELSE 'postgres' END AS process"
                + " FROM (SELECT DISTINCT client, server, port FROM bench_edges) e"
                + " CROSS JOIN (VALUES ('out'), ('in')) d(direction)"
                + " JOIN bench_hosts bh ON bh.g = CASE WHEN d.direction = 'out' THEN e.client ELSE e.server END");
        long lastHour = now - now % 3600 - 3600;
        s.execute(
            "CREATE TABLE bench_days AS SELECT b.*, day.d AS day, (SELECT coalesce(bit_or(1 << h), 0)"
                + "   FROM generate_series(0, 23) h"
                + "   WHERE extract(epoch FROM day.d::timestamp)::bigint + h * 3600 BETWEEN "
                + hour0
                + " AND "
                + lastHour
                + "   AND hashint4(b.client * 7919 + b.server * 104729 + b.port"
                + "     + (extract(epoch FROM day.d::timestamp)::bigint / 3600 + h)::int) % 10 < 8) AS hours"
                + " FROM bench_sides b CROSS JOIN (SELECT g::date FROM generate_series((to_timestamp("
                + hour0
                + ") AT TIME ZONE 'UTC')::date::timestamp, (to_timestamp("
                + lastHour
                + ") AT TIME ZONE 'UTC')::date::timestamp, interval '1 day') g) day(d)");
        s.execute(
            "INSERT INTO connection_keys (collector_id, direction, proto, local_addr, local_port,"
                + " remote_addr, remote_port, username, process, last_day)"
                + " SELECT collector_id, direction, 'tcp', local_addr, local_port, remote_addr, remote_port,"
                + " 'app', process, max(day) FROM bench_days WHERE hours <> 0"
                + " GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9");
        // each day's mask placed at its day of the week, as V17 converts connection_days
        s.execute(
            "INSERT INTO connection_weeks SELECT date_trunc('week', b.day)::date, k.id,"
                + " bit_or((repeat('0', 144) || b.hours::bit(24)::text)::bit(168)"
                + "   << ((extract(isodow FROM b.day)::int - 1) * 24)),"
                + " min(b.day::timestamp AT TIME ZONE 'UTC'),"
                + " max((b.day + interval '23 hours 55 minutes') AT TIME ZONE 'UTC'), 3"
                + " FROM bench_days b JOIN connection_keys k USING (collector_id, direction, local_addr,"
                + " local_port, remote_addr, remote_port, process) WHERE b.hours <> 0 GROUP BY 1, 2");
        if (naiveOn)
          s.execute(
              "INSERT INTO connection_hours SELECT b.collector_id, t.hour, b.direction, 'tcp',"
                  + " b.local_addr, b.local_port, b.remote_addr, b.remote_port, 'app', b.process, '',"
                  + " t.hour, t.hour + interval '55 minutes', 12, 24, 3"
                  + " FROM bench_days b CROSS JOIN generate_series(0, 23) h"
                  + " CROSS JOIN LATERAL (SELECT (b.day + make_interval(hours => h)) AT TIME ZONE 'UTC' AS hour) t"
                  + " WHERE b.hours & (1 << h) <> 0");
        s.execute("DROP TABLE bench_days");
        s.execute("DROP TABLE bench_sides");
        s.execute("ANALYZE connection_hours");
        s.execute("ANALYZE connection_weeks");
        s.execute("ANALYZE connection_keys");
        long rows;
        long dayRows;
        try (ResultSet rs =
            s.executeQuery(
                "SELECT (SELECT count(*) FROM connection_hours), (SELECT count(*) FROM connection_weeks)")) {
          rs.next();
          rows = rs.getLong(1);
          dayRows = rs.getLong(2);
        }
        System.out.printf(
            "bench-dependencies: %d hosts, %d drawn edges (%d shared services), %d days: %,d hourly"
                + " rows (%,d weekly summary rows) loaded in %.0f s%n",
            hosts, edges, shared, days, rows, dayRows, (System.nanoTime() - t) / 1e9);
      }
      DependencyService deps = app.app.dependencies();
      SizingQuery q = SizingQuery.defaults();
      double[] cold = new double[runs];
      double[] cached = new double[runs];
      double[] naive = new double[runs];
      int nEdges = 0;
      int nGroups = 0;
      int naiveEdges = 0;
      for (int i = 0; i < runs; i++) {
        deps.invalidate();
        long t = System.nanoTime();
        nEdges = deps.map(days, DependencyService.Filter.NONE).edges().size();
        double mapMs = (System.nanoTime() - t) / 1e6;
        nGroups = deps.groups(days, 1, false, q).groups().size();
        cold[i] = (System.nanoTime() - t) / 1e6;
        t = System.nanoTime();
        deps.map(days, DependencyService.Filter.NONE);
        deps.groups(days, 1, false, q);
        cached[i] = (System.nanoTime() - t) / 1e6;
        t = System.nanoTime();
        naiveEdges = naiveOn ? naive(app, hour0) : 0;
        naive[i] = (System.nanoTime() - t) / 1e6;
        System.out.printf(
            "run %d: map+groups cold %.0f ms (map %.0f ms, then groups with their sizing %.0f ms),"
                + " cached %.2f ms; naive SQL %.0f ms; ratio naive/cold %.1f%n",
            i + 1, cold[i], mapMs, cold[i] - mapMs, cached[i], naive[i], naive[i] / cold[i]);
      }
      double c = IngestBenchmark.median(cold);
      double k = IngestBenchmark.median(cached);
      double n = IngestBenchmark.median(naive);
      System.out.printf(
          "bench-dependencies, median of %d: %d edges, %d groups; map+groups cold %.0f ms (goal < 2000),"
              + " cached %.2f ms (goal < 50); naive SQL over the raw rows %.0f ms (%d host-to-host"
              + " edges); ratio naive/cold %.1f%n",
          runs, nEdges, nGroups, c, k, n, naiveEdges, n / c);
    }
  }

  /**
   * The straightforward query: pair every client row with the server's row of the same hour
   * (addresses crossed, same port) and group the pairs into edges.
   */
  static int naive(TestAppliance app, long hour0) throws Exception {
    String sql =
        "SELECT count(*) FROM (SELECT o.collector_id, i.collector_id, o.remote_port, min(o.first_seen),"
            + " max(o.last_seen), count(DISTINCT o.hour), array_agg(DISTINCT o.process), array_agg(DISTINCT i.process)"
            + " FROM connection_hours o JOIN connection_hours i ON i.direction = 'in' AND i.hour = o.hour"
            + " AND i.local_addr = o.remote_addr AND i.local_port = o.remote_port AND i.remote_addr = o.local_addr"
            + " WHERE o.direction = 'out' AND o.hour >= to_timestamp(?) GROUP BY 1, 2, 3) e";
    try (Connection c = app.database.dataSource().getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setLong(1, hour0);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }
}
