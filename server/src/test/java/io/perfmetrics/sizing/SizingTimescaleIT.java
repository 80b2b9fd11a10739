package io.perfmetrics.sizing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.perfmetrics.ingest.MintedCollector;
import io.perfmetrics.testing.TestAppliance;
import io.perfmetrics.testing.TimescalePglite;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The sizing migration, rollup and report where samples are a TimescaleDB hypertable. */
class SizingTimescaleIT {
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

  @Test
  void samplesInAHypertableAreRolledUpAndSized() throws Exception {
    assertThat(appliance.database.hasTimescale()).isTrue();
    MintedCollector m = appliance.app.collectors().mint("ts", "manual", null, Duration.ofDays(30));
    String hello =
        "{\"hostname\":\"ts1\",\"cpu\":{\"count\":4},\"cloud\":{\"provider\":\"aws\",\"document\":"
            + "{\"instanceType\":\"m7i.xlarge\",\"region\":\"us-east-1\"}}}";
    assertThat(appliance.post("/api/v1/hello", m.token(), "application/json", hello).statusCode())
        .isEqualTo(204);
    long now = appliance.clock.instant().getEpochSecond();
    long from = now - now % 60 - 8 * 3600;
    StringBuilder body = new StringBuilder();
    for (int i = 0; i < 480; i++) {
      body.append(from + i * 60)
          .append(",cpu.busy_pct,")
          .append(i % 100 < 95 ? 24.75 : 80)
          .append('\n')
          .append(from + i * 60)
          .append(",mem.used_bytes,2147483648\n");
    }
    assertThat(
            appliance
                .post("/api/v1/metrics", m.token(), "text/plain", body.toString())
                .statusCode())
        .isEqualTo(204);
    // a replay: stored once, rolled up once
    assertThat(
            appliance
                .post("/api/v1/metrics", m.token(), "text/plain", body.toString())
                .statusCode())
        .isEqualTo(204);

    appliance.clock.advance(Duration.ofHours(1));
    appliance.app.sizingRollup().runOnce();

    var r = appliance.admin("GET", "/api/v1/sizing/" + m.id(), null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode s = new ObjectMapper().readTree(r.body());
    assertThat(s.get("status").asText()).isEqualTo("sized");
    assertThat(s.get("confidence").get("samples_present").asLong()).isEqualTo(480);
    // 4 x 25% x 1.3 = 1.3 vCPU
    assertThat(s.get("demand").get("vcpu_needed").asDouble())
        .isEqualTo(1.3, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(s.get("current").get("type").asText()).isEqualTo("m7i.xlarge");
  }
}
