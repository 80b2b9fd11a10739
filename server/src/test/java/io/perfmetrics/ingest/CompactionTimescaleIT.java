package io.perfmetrics.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.perfmetrics.sizing.Rollup;
import io.perfmetrics.testing.TestAppliance;
import io.perfmetrics.testing.TimescalePglite;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 17 on TimescaleDB (PGlite): the compact layout is used there too; ended hours move into
 * {@code samples_hour}, their 1-hour chunks of the landing hypertable are dropped, and every sample
 * reads back bit-exact, a late one and a replay included.
 */
class CompactionTimescaleIT {
  private final ObjectMapper json = new ObjectMapper();
  static TimescalePglite timescale;
  static TestAppliance appliance;

  @BeforeAll
  static void start() {
    timescale = new TimescalePglite();
    appliance = new TestAppliance(timescale.jdbcUrl(), c -> c, Duration.ZERO);
  }

  @AfterAll
  static void stop() {
    if (appliance != null) {
      appliance.close();
    }
    if (timescale != null) {
      timescale.close();
    }
  }

  @Test
  void endedHoursAreCompactedTheirChunksDroppedAndReadBackBitExact() throws Exception {
    // the test compacts twice, each time QUIET later: its current hour must not end meanwhile
    appliance.clock.awayFromTheHourEnd(Rollup.QUIET.multipliedBy(3));
    MintedCollector m = appliance.app.collectors().mint("ts", "manual", null, Duration.ofDays(30));
    long now = appliance.clock.instant().getEpochSecond();
    long old = now - now % 3600 - 3 * 3600;
    long current = now - now % 3600;
    StringBuilder body = new StringBuilder();
    for (int i = 0; i < CompactionIT.EXTREMES.length; i++) {
      body.append(old + i * 61).append(",cpu.busy_pct,").append(CompactionIT.EXTREMES[i]);
      body.append('\n');
    }
    body.append(current).append(",cpu.busy_pct,5\n");
    assertThat(post(m, body.toString())).isEqualTo(204);
    assertThat(post(m, body.toString())).as("replay").isEqualTo(204);
    assertThat(count("SELECT count(*) FROM timescaledb_information.chunks")).isEqualTo(2);

    compact();

    assertThat(count("SELECT count(*) FROM samples")).as("only the current hour").isEqualTo(1);
    assertThat(count("SELECT count(*) FROM timescaledb_information.chunks"))
        .as("the compacted hour's chunk is dropped")
        .isEqualTo(1);
    assertThat(count("SELECT n FROM samples_hour")).isEqualTo(CompactionIT.EXTREMES.length);
    assertBitExact(samples(m, old, old + 3600));

    assertThat(post(m, (old + 30) + ",cpu.busy_pct,7.5\n" + old + ",cpu.busy_pct,8\n"))
        .as("a late sample and a replay for the compacted hour")
        .isEqualTo(204);
    compact();
    assertThat(count("SELECT count(*) FROM timescaledb_information.chunks")).isEqualTo(1);
    List<JsonNode> after = samples(m, old, old + 3600);
    assertThat(after).hasSize(CompactionIT.EXTREMES.length + 1);
    after.removeIf(s -> s.get("ts").asLong() == old + 30);
    assertBitExact(after);
  }

  private static void assertBitExact(List<JsonNode> got) {
    assertThat(got).hasSize(CompactionIT.EXTREMES.length);
    for (int i = 0; i < got.size(); i++) {
      assertThat(Double.doubleToRawLongBits(Double.parseDouble(got.get(i).get("value").asText())))
          .as(got.get(i).toString())
          .isEqualTo(Double.doubleToRawLongBits(CompactionIT.EXTREMES[i]));
    }
  }

  private static int post(MintedCollector m, String body) {
    return appliance.post("/api/v1/metrics", m.token(), "text/plain", body).statusCode();
  }

  private static void compact() {
    appliance.clock.advance(Rollup.QUIET.plusSeconds(1));
    appliance.app.sizingRollup().runOnce();
  }

  private List<JsonNode> samples(MintedCollector m, long from, long to) throws Exception {
    var r =
        appliance.admin(
            "GET",
            "/api/v1/collectors/" + m.id() + "/samples?from=" + from + "&to=" + to + "&limit=1000",
            null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    List<JsonNode> out = new ArrayList<>();
    json.readTree(r.body()).get("samples").forEach(out::add);
    return out;
  }

  private static long count(String sql) throws Exception {
    try (Connection c = appliance.database.dataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
