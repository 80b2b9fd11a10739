package io.perfmetrics.sizing;

import static org.assertj.core.api.Assertions.assertThat;

import io.perfmetrics.config.Config;
import io.perfmetrics.ingest.MintedCollector;
import io.perfmetrics.testing.TestAppliance;
import io.perfmetrics.testing.TestPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * When the rollup takes an hour: once it has ended and been quiet; again when late samples arrive.
 */
class RollupIT {
  static TestPostgres postgres;
  static TestAppliance appliance;

  @BeforeAll
  static void start() {
    postgres = new TestPostgres();
    appliance =
        new TestAppliance(postgres.jdbcUrl(), Config.Ingest.defaults(), null, Duration.ZERO);
  }

  @AfterAll
  static void stop() {
    if (appliance != null) {
      appliance.close();
    }
    if (postgres != null) {
      postgres.close();
    }
  }

  static long count(String sql) throws Exception {
    try (Connection c = appliance.database.dataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  void anEndedHourIsRolledUpOnceQuietAndAgainWhenLateSamplesArrive() throws Exception {
    MintedCollector m = appliance.app.collectors().mint("r", "manual", null, Duration.ofDays(30));
    long now = appliance.clock.instant().getEpochSecond();
    long hour = now - now % 3600 - 5 * 3600;
    StringBuilder first = new StringBuilder();
    for (int i = 0; i < 50; i++) {
      first.append(hour + i * 60).append(",cpu.busy_pct,").append(i).append('\n');
    }
    assertThat(
            appliance
                .post("/api/v1/metrics", m.token(), "text/plain", first.toString())
                .statusCode())
        .isEqualTo(204);
    String rolled = "SELECT coalesce(sum(n), 0) FROM sizing_hourly WHERE collector_id = " + m.id();

    // just marked: not quiet yet
    assertThat(appliance.app.sizingRollup().runOnce()).isZero();
    assertThat(count(rolled)).isZero();

    appliance.clock.advance(Rollup.QUIET.plusSeconds(1));
    assertThat(appliance.app.sizingRollup().runOnce()).isEqualTo(1);
    assertThat(count(rolled)).isEqualTo(50);
    assertThat(count("SELECT n FROM sizing_daily WHERE collector_id = " + m.id())).isEqualTo(50);

    // the last ten minutes straggle in (with a replay of the first): the hour is computed again,
    // whole
    String late =
        first + "" + (hour + 3000) + ",cpu.busy_pct,50\n" + (hour + 3540) + ",cpu.busy_pct,59\n";
    assertThat(appliance.post("/api/v1/metrics", m.token(), "text/plain", late).statusCode())
        .isEqualTo(204);
    assertThat(count("SELECT count(*) FROM sizing_dirty")).as("marked again").isEqualTo(1);
    appliance.clock.advance(Rollup.QUIET.plusSeconds(1));
    assertThat(appliance.app.sizingRollup().runOnce()).isEqualTo(1);
    assertThat(count(rolled)).isEqualTo(52);
    assertThat(count("SELECT max FROM sizing_hourly WHERE collector_id = " + m.id())).isEqualTo(59);
    assertThat(count("SELECT count(*) FROM sizing_dirty")).isZero();
    assertThat(count("SELECT count(*) FROM sizing_dirty_day")).isZero();
  }
}
