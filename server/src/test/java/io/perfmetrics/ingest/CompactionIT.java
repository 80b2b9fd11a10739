package io.perfmetrics.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.perfmetrics.config.RetentionSettings;
import io.perfmetrics.sizing.Rollup;
import io.perfmetrics.store.Retention;
import io.perfmetrics.testing.TestAppliance;
import io.perfmetrics.testing.TestPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 17: ended hours move into {@code samples_hour} (one row per collector and hour) with the
 * sizing rollup, and every reader answers the same, bit-exact, before and after; replays, late
 * samples, a database restart in the middle of a compaction and a receiver outage lose and
 * duplicate nothing; retention drops what is older and nothing newer.
 */
class CompactionIT {
  private final ObjectMapper json = new ObjectMapper();
  private TestPostgres postgres;
  private TestAppliance appliance;

  @BeforeEach
  void start() {
    postgres = new TestPostgres();
    appliance = new TestAppliance(postgres.jdbcUrl(), c -> c, Duration.ZERO);
  }

  @AfterEach
  void stop() {
    if (appliance != null) {
      appliance.close();
    }
    if (postgres != null) {
      postgres.close();
    }
  }

  static final double[] EXTREMES = {
    0.0,
    -0.0,
    1.0,
    -1.0,
    42.5,
    -273.15,
    0.1 + 0.2,
    1.0 / 3,
    Math.PI,
    -Math.E,
    Double.MAX_VALUE,
    -Double.MAX_VALUE,
    Double.MIN_VALUE,
    Double.MIN_NORMAL,
    1e300,
    -1e-300,
    9_007_199_254_740_993.0,
    123456789.123456789,
    4.2e15,
    99.99,
    1e-9,
    12345.678901,
    18_446_744_073_709_551_615.0,
    0.000123
  };

  @Test
  void everySampleReadsBackBitExactAfterCompactionAndNaNIsRefusedAtTheDoor() throws Exception {
    MintedCollector m = mint();
    long hour = hourAgo(5);
    StringBuilder body = new StringBuilder();
    Map<String, Double> sent = new LinkedHashMap<>();
    for (int i = 0; i < EXTREMES.length; i++) {
      long ts = hour + i * 61 + (i % 3);
      body.append(ts).append(",cpu.busy_pct,").append(EXTREMES[i]).append('\n');
      body.append(ts).append(",mem.used_bytes,").append(i * 1_048_576L + 7).append('\n');
      sent.put(ts + " cpu.busy_pct", EXTREMES[i]);
      sent.put(ts + " mem.used_bytes", (double) (i * 1_048_576L + 7));
    }
    assertThat(post(m, body.toString())).isEqualTo(204);
    assertThat(post(m, (hour + 1) + ",cpu.busy_pct,NaN\n")).isEqualTo(400);
    assertThat(post(m, (hour + 1) + ",cpu.busy_pct,Infinity\n")).isEqualTo(400);

    List<JsonNode> before = samples(m, hour, hour + 3600);
    assertBitExact(before, sent);
    compact();
    assertThat(count("SELECT count(*) FROM samples")).as("landing table after compaction").isZero();
    assertThat(count("SELECT count(*) FROM samples_hour"))
        .as("one row per collector and hour")
        .isEqualTo(1);
    assertThat(count("SELECT n FROM samples_hour")).isEqualTo(2L * EXTREMES.length);
    List<JsonNode> after = samples(m, hour, hour + 3600);
    assertBitExact(after, sent);
    assertThat(after).isEqualTo(before);
    // and the reader's own API, not only JSON
    var direct =
        new SampleReader(appliance.database.dataSource())
            .read(
                m.id(),
                "cpu.busy_pct",
                Instant.ofEpochSecond(hour),
                Instant.ofEpochSecond(hour + 3600),
                1000);
    assertThat(direct).hasSize(EXTREMES.length);
    for (int i = 0; i < EXTREMES.length; i++) {
      assertThat(Double.doubleToRawLongBits(direct.get(i).value()))
          .as("value " + EXTREMES[i])
          .isEqualTo(Double.doubleToRawLongBits(EXTREMES[i]));
    }
  }

  @Test
  void replaysBeforeAndAfterCompactionAndLateSamplesAreStoredOnceWithTheFirstValue()
      throws Exception {
    MintedCollector m = mint();
    long hour = hourAgo(4);
    String first = series(hour, 0, 50, 10.0);
    assertThat(post(m, first)).isEqualTo(204);
    assertThat(post(m, series(hour, 0, 50, 99.0))).as("replay before compaction").isEqualTo(204);
    compact();
    assertThat(post(m, series(hour, 0, 50, 77.0))).as("replay after compaction").isEqualTo(204);
    // before the next compaction the replay sits in the landing table: still answered once
    assertThat(samples(m, hour, hour + 3600)).hasSize(50);
    assertThat(post(m, series(hour, 50, 60, 10.0)))
        .as("late samples of the compacted hour")
        .isEqualTo(204);
    compact();

    List<JsonNode> all = samples(m, hour, hour + 3600);
    assertThat(all).hasSize(60);
    for (int i = 0; i < 60; i++) {
      assertThat(all.get(i).get("ts").asLong()).isEqualTo(hour + i * 60L);
      assertThat(all.get(i).get("value").asDouble()).isEqualTo(10.0 + i * 0.25);
    }
    assertThat(count("SELECT count(*) FROM samples")).isZero();
    assertThat(count("SELECT n FROM samples_hour WHERE collector_id = " + m.id())).isEqualTo(60);
    assertThat(count("SELECT sum(h.n) FROM sizing_hourly h WHERE collector_id = " + m.id()))
        .isEqualTo(60);
    assertThat(count("SELECT sum(d.n) FROM sizing_daily d WHERE collector_id = " + m.id()))
        .isEqualTo(60);
  }

  @Test
  void aDatabaseRestartInTheMiddleOfACompactionAndAReceiverOutageLoseAndDuplicateNothing()
      throws Exception {
    MintedCollector m = mint();
    long hour = hourAgo(6);
    // an earlier hour of the same week first, so that the partition exists and the compaction
    // below reaches its read of samples_hour, where the lock holds it
    assertThat(post(m, series(hour - 3600, 0, 60, 1.0))).isEqualTo(204);
    compact();
    assertThat(post(m, series(hour, 0, 60, 5.0))).isEqualTo(204);
    appliance.clock.advance(Rollup.QUIET.plusSeconds(1));

    Connection blocker = appliance.database.dataSource().getConnection();
    blocker.setAutoCommit(false);
    try (Statement s = blocker.createStatement()) {
      s.execute("LOCK TABLE samples_hour IN ACCESS EXCLUSIVE MODE");
    }
    var rollup = appliance.app.sizingRollup();
    var result = new java.util.concurrent.CompletableFuture<Object>();
    Thread t =
        Thread.ofPlatform()
            .start(
                () -> {
                  try {
                    result.complete(rollup.runOnce());
                  } catch (RuntimeException e) {
                    result.complete(e);
                  }
                });
    waitForLockWait();
    postgres.stop();
    t.join(60_000);
    assertThat(result.get())
        .as("the interrupted compaction failed")
        .isInstanceOf(RuntimeException.class);
    try {
      blocker.close();
    } catch (Exception e) {
      // its server is gone
    }
    // the receiver answers 503 while the database is down; the collector keeps its spool
    assertThat(post(m, series(hour + 3600, 0, 10, 3.0))).isEqualTo(503);
    postgres.start();
    waitForDatabase();
    assertThat(post(m, series(hour + 3600, 0, 10, 3.0))).as("the spool, sent again").isEqualTo(204);
    compact();
    appliance.clock.advance(Duration.ofHours(1));
    compact();

    assertThat(samples(m, hour - 3600, hour + 7200)).hasSize(130);
    assertThat(count("SELECT count(*) FROM samples")).isZero();
    assertThat(count("SELECT sum(n) FROM samples_hour WHERE collector_id = " + m.id()))
        .isEqualTo(130);
    assertThat(count("SELECT sum(n) FROM sizing_hourly WHERE collector_id = " + m.id()))
        .isEqualTo(130);
    List<JsonNode> hourSamples = samples(m, hour, hour + 3600);
    for (int i = 0; i < 60; i++) {
      assertThat(hourSamples.get(i).get("value").asDouble()).isEqualTo(5.0 + i * 0.25);
    }
  }

  @Test
  void sizingChartsAndExportsAnswerTheSameFromCompactedHours() throws Exception {
    MintedCollector m = mint();
    appliance.post(
        "/api/v1/hello",
        m.token(),
        "application/json",
        "{\"hostname\":\"c1\",\"os\":{\"family\":\"linux\"},\"cpu\":{\"count\":4},\"memory_bytes\":8589934592}");
    long start = hourAgo(30);
    StringBuilder body = new StringBuilder();
    for (long ts = start; ts < start + 28 * 3600; ts += 60) {
      long i = (ts - start) / 60;
      body.append(ts).append(",cpu.busy_pct,").append((i * 37 % 1000) / 10.0).append('\n');
      body.append(ts).append(",mem.used_bytes,").append(2_000_000_000L + i * 12_345).append('\n');
    }
    assertThat(post(m, body.toString())).isEqualTo(204);
    List<JsonNode> rawBefore = samples(m, start, start + 28 * 3600);
    compact();
    String report = appliance.admin("GET", "/api/v1/sizing/" + m.id(), null).body();
    String csv = appliance.admin("GET", "/api/v1/sizing?format=csv", null).body();
    assertThat(report).contains("cpu");
    // every hour computed again, now from the compacted rows alone
    try (Connection c = appliance.database.dataSource().getConnection();
        Statement s = c.createStatement()) {
      s.execute(
          "INSERT INTO sizing_dirty (collector_id, hour, marked_at) SELECT collector_id, hour, now() - interval '1 day'"
              + " FROM samples_hour GROUP BY 1, 2");
    }
    assertThat(appliance.app.sizingRollup().runOnce()).isGreaterThanOrEqualTo(28);
    assertThat(appliance.admin("GET", "/api/v1/sizing/" + m.id(), null).body()).isEqualTo(report);
    assertThat(appliance.admin("GET", "/api/v1/sizing?format=csv", null).body()).isEqualTo(csv);
    assertThat(samples(m, start, start + 28 * 3600)).isEqualTo(rawBefore);
  }

  @Test
  void retentionDropsWhatIsOlderAndNothingNewer() throws Exception {
    MintedCollector m = mint();
    long now = appliance.clock.instant().getEpochSecond();
    long old = now - now % 3600 - 10 * 86_400;
    long recent = now - now % 3600 - 86_400;
    assertThat(post(m, series(old, 0, 60, 1.0) + series(recent, 0, 60, 2.0))).isEqualTo(204);
    compact();
    assertThat(samples(m, old, recent + 3600)).hasSize(120);

    // 88 days on, with 90 days' retention: the old week is past it, the recent one is not
    appliance.clock.advance(Duration.ofDays(88));
    var result =
        new Retention(
                appliance.database.dataSource(), new RetentionSettings(90, 95), appliance.clock)
            .runOnce();
    assertThat(result.droppedPartitions())
        .isNotEmpty()
        .allMatch(p -> p.startsWith("samples_hour_p"));
    List<JsonNode> left = samples(m, old, recent + 3600);
    assertThat(left).hasSize(60).allMatch(s -> s.get("ts").asLong() >= recent);
    assertThat(count("SELECT count(*) FROM sizing_hourly")).as("rollups kept longer").isEqualTo(2);

    // a replay of the dropped hour is not brought back, and its rollup is not overwritten with less
    assertThat(post(m, series(old, 0, 5, 1.0))).isEqualTo(204);
    compact();
    assertThat(samples(m, old, recent + 3600)).hasSize(60);
    assertThat(count("SELECT count(*) FROM samples")).isZero();
    assertThat(count("SELECT n FROM sizing_hourly WHERE hour = to_timestamp(" + old + ")"))
        .isEqualTo(60);

    // past the rollups' retention too
    appliance.clock.advance(Duration.ofDays(60));
    new Retention(appliance.database.dataSource(), new RetentionSettings(90, 95), appliance.clock)
        .runOnce();
    assertThat(count("SELECT count(*) FROM sizing_hourly")).isZero();
    assertThat(count("SELECT count(*) FROM sizing_daily")).isZero();
  }

  @Test
  void compactedHoursLeaveTheLandingTableWholeAndALateSampleMakesItsHourAgain() throws Exception {
    // the test compacts twice, each time QUIET later: its current hour must not end meanwhile
    appliance.clock.awayFromTheHourEnd(Rollup.QUIET.multipliedBy(3));
    MintedCollector m = mint();
    long old = hourAgo(3);
    long current = hourAgo(0);
    assertThat(post(m, series(old, 0, 60, 1.0) + series(old + 3600, 0, 60, 2.0))).isEqualTo(204);
    assertThat(post(m, series(current, 0, 1, 3.0))).isEqualTo(204);
    assertThat(landingPartitions()).hasSize(3);

    compact();

    // the ended hours' partitions are gone, files and all; the current hour stays for its samples
    assertThat(landingPartitions()).containsExactly("samples_p" + current / 3600);
    assertThat(count("SELECT count(*) FROM samples")).isEqualTo(1);
    assertThat(samples(m, old, old + 7200)).hasSize(120);

    // a late sample for a dropped hour: the writer makes the partition again, the compactor merges
    assertThat(post(m, (old + 30) + ",cpu.busy_pct,7.5\n")).isEqualTo(204);
    assertThat(landingPartitions()).contains("samples_p" + old / 3600);
    compact();
    assertThat(landingPartitions()).containsExactly("samples_p" + current / 3600);
    assertThat(samples(m, old, old + 3600)).hasSize(61);
    assertThat(count("SELECT n FROM samples_hour WHERE hour = to_timestamp(" + old + ")"))
        .isEqualTo(61);
  }

  private List<String> landingPartitions() throws Exception {
    List<String> names = new ArrayList<>();
    try (Connection c = appliance.database.dataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT relid::regclass::text FROM pg_partition_tree('samples') WHERE isleaf ORDER BY 1")) {
      while (rs.next()) {
        names.add(rs.getString(1));
      }
    }
    return names;
  }

  @Test
  void rowsOfThePerMetricLayoutReadTheSameAndMoveIntoSamplesHourWithTheirHourMarked()
      throws Exception {
    MintedCollector m = mint();
    long hour = hourAgo(8);
    // two series as the compactor wrote them before V13: one row per (collector, metric, hour)
    long[] ts = new long[60];
    double[] cpu = new double[60];
    double[] mem = new double[60];
    for (int i = 0; i < 60; i++) {
      ts[i] = hour + i * 60L + (i % 7 == 3 ? 1 : 0);
      cpu[i] = EXTREMES[i % EXTREMES.length];
      mem[i] = 2_000_000_000L + i * 4096L;
    }
    // a late sample of the same hour in the landing table, and one already in samples_hour
    assertThat(post(m, (hour + 30) + ",cpu.busy_pct,7.5\n" + hour + ",cpu.busy_pct,99\n"))
        .isEqualTo(204);
    try (Connection c = appliance.database.dataSource().getConnection();
        Statement s = c.createStatement()) {
      io.perfmetrics.store.Partitions.samplesCompact().ensure(c, List.of(hour));
      s.execute("INSERT INTO metrics (name) VALUES ('mem.used_bytes') ON CONFLICT DO NOTHING");
      try (var ps =
          c.prepareStatement(
              "INSERT INTO samples_compact (collector_id, metric_id, hour, n, data)"
                  + " SELECT ?, id, to_timestamp(?), 60, ? FROM metrics WHERE name = ?")) {
        for (var e : Map.of("cpu.busy_pct", cpu, "mem.used_bytes", mem).entrySet()) {
          ps.setInt(1, m.id());
          ps.setLong(2, hour);
          ps.setBytes(3, SeriesCodec.encode(ts, e.getValue(), 60));
          ps.setString(4, e.getKey());
          assertThat(ps.executeUpdate()).isEqualTo(1);
        }
      }
      // what V13 does for the rows it finds
      s.execute(
          "INSERT INTO sizing_dirty (collector_id, hour) SELECT DISTINCT collector_id, hour FROM samples_compact"
              + " ON CONFLICT DO NOTHING");
    }
    Map<String, Double> expected = new LinkedHashMap<>();
    for (int i = 0; i < 60; i++) {
      expected.put(ts[i] + " cpu.busy_pct", cpu[i]);
      expected.put(ts[i] + " mem.used_bytes", mem[i]);
    }
    // the late sample at hour + 30 is new; the one at hour is a replay: the compacted value wins
    expected.put((hour + 30) + " cpu.busy_pct", 7.5);
    List<JsonNode> before = samples(m, hour, hour + 3600);
    assertBitExact(before, expected);

    compact();

    assertThat(count("SELECT count(*) FROM samples_compact")).as("old layout emptied").isZero();
    assertThat(count("SELECT count(*) FROM samples")).isZero();
    assertThat(count("SELECT n FROM samples_hour WHERE collector_id = " + m.id())).isEqualTo(121);
    assertThat(
            count(
                "SELECT count(*) FROM pg_inherits i JOIN pg_attribute a ON a.attrelid = i.inhrelid"
                    + " WHERE i.inhparent = 'samples_hour'::regclass AND a.attname = 'data' AND a.attstorage <> 'm'"))
        .as("partitions keep the hour rows in the heap (STORAGE MAIN, V13)")
        .isZero();
    assertThat(
            count(
                "SELECT count(*) FROM pg_inherits i WHERE i.inhparent = 'samples_hour'::regclass"))
        .isPositive();
    List<JsonNode> after = samples(m, hour, hour + 3600);
    assertBitExact(after, expected);
    assertThat(after).isEqualTo(before);
    assertThat(
            count(
                "SELECT n FROM sizing_hourly h JOIN metrics m ON m.id = h.metric_id"
                    + " WHERE m.name = 'cpu.busy_pct' AND collector_id = "
                    + m.id()))
        .as("the hour rolled up from the merged series")
        .isEqualTo(61);
  }

  // ---- helpers

  private MintedCollector mint() {
    return appliance.app.collectors().mint("c", "manual", null, Duration.ofDays(400));
  }

  private long hourAgo(int hours) {
    long now = appliance.clock.instant().getEpochSecond();
    return now - now % 3600 - hours * 3600L;
  }

  /** Samples i in [from, to) of cpu.busy_pct at hour + i * 60, value base + i / 4. */
  private static String series(long hour, int from, int to, double base) {
    StringBuilder b = new StringBuilder();
    for (int i = from; i < to; i++) {
      b.append(hour + i * 60L).append(",cpu.busy_pct,").append(base + i * 0.25).append('\n');
    }
    return b.toString();
  }

  private int post(MintedCollector m, String body) {
    if (body.isEmpty()) {
      return 400;
    }
    return appliance.post("/api/v1/metrics", m.token(), "text/plain", body).statusCode();
  }

  private void compact() {
    appliance.clock.advance(Rollup.QUIET.plusSeconds(1));
    appliance.app.sizingRollup().runOnce();
  }

  private List<JsonNode> samples(MintedCollector m, long from, long to) throws Exception {
    var r =
        appliance.admin(
            "GET",
            "/api/v1/collectors/"
                + m.id()
                + "/samples?from="
                + from
                + "&to="
                + to
                + "&limit=100000",
            null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    List<JsonNode> out = new ArrayList<>();
    json.readTree(r.body()).get("samples").forEach(out::add);
    return out;
  }

  private static void assertBitExact(List<JsonNode> got, Map<String, Double> sent) {
    assertThat(got).hasSize(sent.size());
    for (JsonNode s : got) {
      Double expected = sent.get(s.get("ts").asLong() + " " + s.get("metric").asText());
      assertThat(expected).as(s.toString()).isNotNull();
      assertThat(Double.doubleToRawLongBits(Double.parseDouble(s.get("value").asText())))
          .as(s + " sent " + expected)
          .isEqualTo(Double.doubleToRawLongBits(expected));
    }
  }

  private long count(String sql) throws Exception {
    try (Connection c = appliance.database.dataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private void waitForLockWait() throws Exception {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (System.nanoTime() < deadline) {
      if (count(
              "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%FROM samples_hour%'")
          > 0) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("the compaction never reached its read of samples_hour");
  }

  private void waitForDatabase() throws Exception {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (!appliance.database.isReachable()) {
      assertThat(System.nanoTime()).isLessThan(deadline);
      Thread.sleep(200);
    }
  }
}
