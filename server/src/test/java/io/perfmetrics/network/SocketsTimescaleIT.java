package io.perfmetrics.network;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.perfmetrics.ingest.MintedCollector;
import io.perfmetrics.testing.TestAppliance;
import io.perfmetrics.testing.TimescalePglite;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * V7 where TimescaleDB exists (TimescaleDB on PGlite): hypertables with retention, and the receiver
 * and audit on them.
 */
class SocketsTimescaleIT {
  static TimescalePglite timescale;
  static TestAppliance appliance;

  @BeforeAll
  static void start() {
    timescale = new TimescalePglite();
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
  void socketTablesAreHypertablesWithTheSamplesRetentionAndNoBrinIndex() throws Exception {
    assertThat(appliance.database.hasTimescale()).isTrue();
    assertThat(column("SELECT hypertable_name FROM timescaledb_information.hypertables"))
        .contains("socket_snapshots", "listener_hours", "connection_hours");
    for (String t : List.of("socket_snapshots", "listener_hours", "connection_hours")) {
      assertThat(
              column(
                  "SELECT config->>'drop_after' FROM timescaledb_information.jobs WHERE hypertable_name = '"
                      + t
                      + "' AND proc_name = 'policy_retention'"))
          .as(t)
          .containsExactly("400 days");
      assertThat(
              column(
                  "SELECT indexname FROM pg_indexes WHERE tablename = '"
                      + t
                      + "' AND indexname LIKE '%brin'"))
          .as(t)
          .isEmpty();
    }
  }

  @Test
  void theReceiverStoresIntoTheHypertablesAReplayChangesNothingAndTheAuditReadsThem()
      throws Exception {
    MintedCollector c =
        appliance.app.collectors().mint("ts-host", "manual", null, java.time.Duration.ofDays(1));
    long now = appliance.clock.instant().getEpochSecond();
    StringBuilder body = new StringBuilder();
    // in ended hours (the rollup leaves the current one), days apart: several chunks
    for (long t : new long[] {now - 3 * 86_400L, now - 86_400L, now - 7_200L}) {
      body.append(t)
          .append(",snapshot,proc,1,1,0\n")
          .append(t)
          .append(",listen,tcp,::,9200,elastic,java,\n")
          .append(t)
          .append(",conn,in,tcp,2001:db8::5,9200,2001:db8::9,0,elastic,java,,3\n");
    }

    HttpResponse<String> first =
        appliance.post("/api/v1/sockets", c.token(), "text/plain", body.toString());
    HttpResponse<String> replay =
        appliance.post("/api/v1/sockets", c.token(), "text/plain", body.toString());

    assertThat(first.statusCode()).as(first.body()).isEqualTo(204);
    assertThat(replay.statusCode()).isEqualTo(204);
    appliance.app.socketStore().rollup(appliance.clock.instant());
    assertThat(column("SELECT count(*) FROM listener_hours WHERE collector_id = " + c.id()))
        .containsExactly("3");
    assertThat(
            column("SELECT sum(connections) FROM connection_hours WHERE collector_id = " + c.id()))
        .containsExactly("9");
    assertThat(column("SELECT snapshots FROM listeners WHERE collector_id = " + c.id()))
        .containsExactly("3");
    HttpResponse<String> audit = appliance.admin("GET", "/api/v1/ports/" + c.id(), null);
    JsonNode l = new ObjectMapper().readTree(audit.body()).get("listeners").get(0);
    assertThat(l.get("local_addr").asText()).isEqualTo("::");
    assertThat(l.get("findings").get(0).get("reason").asText()).contains("Elasticsearch");
  }
}
