package io.perfmetrics.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Ticker;
import io.perfmetrics.http.ApiException;
import io.perfmetrics.testing.MigratedDatabase;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** How the sizing, ports and dependencies APIs and pages find the host an admin names. */
class HostLookupIT {
  static MigratedDatabase database;
  static final ObjectMapper JSON = new ObjectMapper();
  static HostLookup hosts;
  static CollectorRegistry registry;
  static HelloService helloes;
  static int web1;
  static int twinA;
  static int twinB;
  static int labelled;
  static int numericName;

  @BeforeAll
  static void start() throws Exception {
    database = new MigratedDatabase();
    hosts = new HostLookup(database.dataSource());
    registry =
        new CollectorRegistry(database.dataSource(), Clock.systemUTC(), Ticker.systemTicker());
    helloes = new HelloService(database.dataSource(), JSON, Clock.systemUTC());
    web1 = collector("web1", "web1");
    twinA = collector(null, "twin");
    twinB = collector(null, "twin");
    labelled = collector("only-a-label", null);
    // a host whose hostname is another collector's id: the id wins
    numericName = collector(null, String.valueOf(web1));
  }

  @AfterAll
  static void stop() {
    if (database != null) {
      database.close();
    }
  }

  @Test
  void aHostIsNamedByItsIdItsHostnameOrItsLabelUntilItReportsOne() {
    assertThat(hosts.resolve(String.valueOf(twinA))).isEqualTo(twinA);
    assertThat(hosts.resolve("web1")).isEqualTo(web1);
    assertThat(hosts.resolve("only-a-label")).isEqualTo(labelled);
    assertThat(hosts.resolve(String.valueOf(web1))).isEqualTo(web1);
    assertThat(hosts.find(String.valueOf(web1))).containsExactly(web1);
    assertThat(numericName).isNotEqualTo(web1);
  }

  @Test
  void anAmbiguousHostnameAndAnUnknownOneSayWhy() {
    assertThat(hosts.find("twin")).containsExactly(twinA, twinB);
    assertThatThrownBy(() -> hosts.resolve("twin"))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.status()).isEqualTo(400);
              assertThat(e.detail())
                  .isEqualTo(
                      "hostname 'twin' names 2 hosts (collector ids ["
                          + twinA
                          + ", "
                          + twinB
                          + "]): use the collector id");
            });
    assertThatThrownBy(() -> hosts.resolve("db9"))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.status()).isEqualTo(404);
              assertThat(e.detail()).isEqualTo("no host with collector id or hostname 'db9'");
            });
  }

  /** A collector as a deploy mints it, and its hello when it has sent one. */
  private static int collector(String label, String hostname) throws Exception {
    int id = registry.mint(label, "sh", null, CollectorRegistry.DEFAULT_TTL).id();
    if (hostname != null) {
      byte[] hello = JSON.writeValueAsBytes(Map.of("hostname", hostname));
      helloes.store(id, hello, hello.length);
    }
    return id;
  }
}
