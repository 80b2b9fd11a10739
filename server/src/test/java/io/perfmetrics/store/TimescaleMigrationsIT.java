package io.perfmetrics.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.perfmetrics.ingest.MintedCollector;
import io.perfmetrics.testing.TestAppliance;
import io.perfmetrics.testing.TimescalePglite;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The migration set where TimescaleDB exists: samples become a compressed, retained hypertable. */
class TimescaleMigrationsIT {
  static TimescalePglite timescale;
  static TestAppliance appliance;

  @BeforeAll
  static void start() {
    timescale = new TimescalePglite();
    // migrates on the way up
    appliance = new TestAppliance(timescale.jdbcUrl());
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

  static List<String> column(String sql) throws Exception {
    try (Connection c = appliance.database.dataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      List<String> out = new ArrayList<>();
      while (rs.next()) {
        out.add(rs.getString(1));
      }
      return out;
    }
  }

  @Test
  void samplesIsAHypertableWithCompressionAndRetentionAndNoBrinIndex() throws Exception {
    assertThat(appliance.database.hasTimescale()).isTrue();
    assertThat(column("SELECT hypertable_name FROM timescaledb_information.hypertables"))
        .contains("samples");
    assertThat(
            column(
                "SELECT compression_enabled::text FROM timescaledb_information.hypertables"
                    + " WHERE hypertable_name = 'samples'"))
        .containsExactly("true");
    assertThat(
            column(
                "SELECT proc_name FROM timescaledb_information.jobs WHERE hypertable_name = 'samples'"))
        .contains("policy_compression", "policy_retention");
    assertThat(column("SELECT indexname FROM pg_indexes WHERE tablename = 'samples'"))
        .doesNotContain("samples_ts_brin");
  }

  @Test
  void migratingAgainIsANoOp() {
    assertThat(appliance.database.migrate().migrationsExecuted).isZero();
  }

  @Test
  void theReceiverStoresIntoTheHypertableAndAReplayStoresOnce() throws Exception {
    MintedCollector c =
        appliance.app.collectors().mint("ts", "manual", null, java.time.Duration.ofDays(1));
    long t = appliance.clock.instant().getEpochSecond() - 3 * 86_400L;
    StringBuilder body = new StringBuilder();
    for (int i = 0; i < 5; i++) {
      // three days apart from each other's chunks: several chunks are written
      body.append(t + i * 43_200L).append(",cpu.busy_pct,").append(i).append('\n');
    }

    assertThat(
            appliance
                .post("/api/v1/metrics", c.token(), "text/plain", body.toString())
                .statusCode())
        .isEqualTo(204);
    assertThat(
            appliance
                .post("/api/v1/metrics", c.token(), "text/plain", body.toString())
                .statusCode())
        .isEqualTo(204);

    assertThat(column("SELECT count(*) FROM samples WHERE collector_id = " + c.id()))
        .containsExactly("5");
    assertThat(
            Integer.parseInt(
                column(
                        "SELECT count(*) FROM timescaledb_information.chunks"
                            + " WHERE hypertable_name = 'samples'")
                    .get(0)))
        .isGreaterThanOrEqualTo(2);
  }
}
