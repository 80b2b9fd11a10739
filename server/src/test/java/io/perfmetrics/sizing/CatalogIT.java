package io.perfmetrics.sizing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.perfmetrics.config.Config;
import io.perfmetrics.ingest.MintedCollector;
import io.perfmetrics.testing.TempDirs;
import io.perfmetrics.testing.TestAppliance;
import io.perfmetrics.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The shipped catalog's coverage, and an operator's catalog replaced while the appliance runs. */
class CatalogIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static TestPostgres postgres;
  static TestAppliance appliance;
  static Path dir;
  static Path file;
  static int host;

  static String catalog(String type, double price) {
    return "# operator catalog\n"
        + Catalog.HEADER
        + "\n"
        + "aws,us-east-1,"
        + type
        + ",x,general,4,16,x86_64,10Gbps,"
        + price
        + ",,,\n"
        + "aws,us-east-1,tiny,x,general,1,1,x86_64,10Gbps,0.001,,,\n";
  }

  @BeforeAll
  static void start() throws Exception {
    postgres = new TestPostgres();
    dir = Files.createTempDirectory("perfmetrics-catalog-");
    file = dir.resolve("catalog.csv");
    Files.writeString(file, catalog("first.xlarge", 0.5));
    appliance = new TestAppliance(postgres.jdbcUrl(), Config.Ingest.defaults(), file);
    MintedCollector m = appliance.app.collectors().mint("h", "manual", null, Duration.ofDays(30));
    long now = appliance.clock.instant().getEpochSecond();
    long from = now - now % 60 - 12 * 3600;
    StringBuilder body = new StringBuilder();
    for (int i = 0; i < 720; i++) {
      body.append(from + i * 60)
          .append(",cpu.busy_pct,50\n")
          .append(from + i * 60)
          .append(",mem.used_bytes,4294967296\n");
    }
    String hello =
        "{\"hostname\":\"h\",\"cpu\":{\"count\":4},\"cloud\":{\"provider\":\"aws\",\"document\":{\"instanceType\":\"first.xlarge\",\"region\":\"us-east-1\"}}}";
    assertThat(appliance.post("/api/v1/hello", m.token(), "application/json", hello).statusCode())
        .isEqualTo(204);
    assertThat(
            appliance
                .post("/api/v1/metrics", m.token(), "text/plain", body.toString())
                .statusCode())
        .isEqualTo(204);
    appliance.clock.advance(Duration.ofHours(1));
    appliance.app.sizingRollup().runOnce();
    host = m.id();
  }

  @AfterAll
  static void stop() {
    if (appliance != null) {
      appliance.close();
    }
    if (postgres != null) {
      postgres.close();
    }
    TempDirs.delete(dir);
  }

  JsonNode report() throws Exception {
    var r = appliance.admin("GET", "/api/v1/sizing/" + host, null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  @Test
  void aReplacedCatalogFileIsUsedWithoutRestartOnceTheCheckIntervalHasPassed() throws Exception {
    assertThat(report().get("recommended").get("type").asText()).isEqualTo("first.xlarge");

    Files.writeString(file, catalog("second.xlarge", 0.25));
    Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() + 60_000));
    // within the check interval the loaded catalog (and the cached report) stay
    assertThat(report().get("recommended").get("type").asText()).isEqualTo("first.xlarge");

    appliance.clock.advance(Duration.ofSeconds(11));
    JsonNode after = report();
    assertThat(after.get("recommended").get("type").asText()).isEqualTo("second.xlarge");
    assertThat(after.get("recommended").get("monthly").asDouble()).isEqualTo(182.5);
    // the current type is gone from the new catalog: said so, no savings invented
    assertThat(after.get("notes").toString())
        .contains("current type first.xlarge is not in the catalog");

    // a broken file is refused; the last good catalog stays
    Files.writeString(file, "provider,region\nnonsense\n");
    Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() + 120_000));
    appliance.clock.advance(Duration.ofSeconds(11));
    assertThat(report().get("recommended").get("type").asText()).isEqualTo("second.xlarge");
  }

  @Test
  void theShippedCatalogCoversThreeProvidersThreeRegionsEachAndTheFourCategories() {
    Catalog c = CatalogSource.builtIn();
    assertThat(c.size()).isGreaterThanOrEqualTo(150);
    for (String provider : new String[] {"aws", "azure", "gcp"}) {
      Set<String> regions = new HashSet<>();
      Set<String> categories = new HashSet<>();
      for (InstanceType t : c.types()) {
        if (t.provider().equals(provider)) {
          regions.add(t.region());
          categories.add(t.category());
          assertThat(t.linuxHour()).as(t.type()).isPositive();
          assertThat(t.vcpu()).as(t.type()).isPositive();
        }
      }
      assertThat(regions).as(provider).hasSizeGreaterThanOrEqualTo(3);
      assertThat(categories).as(provider).contains("general", "compute", "memory", "burstable");
    }
  }
}
