package io.perfmetrics.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Ticker;
import io.perfmetrics.targets.TargetStore;
import io.perfmetrics.testing.MigratedDatabase;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The collector a deploy installs: one per target, renewed by each redeploy, against PostgreSQL.
 */
class CollectorRegistryIT {
  static MigratedDatabase database;
  static CollectorRegistry registry;
  static TargetStore targets;

  @BeforeAll
  static void start() throws Exception {
    database = new MigratedDatabase();
    registry =
        new CollectorRegistry(database.dataSource(), Clock.systemUTC(), Ticker.systemTicker());
    targets = new TargetStore(database.dataSource(), Clock.systemUTC());
  }

  @AfterAll
  static void stop() {
    if (database != null) {
      database.close();
    }
  }

  @Test
  void aRedeployRenewsTheTargetsCollectorWithAFreshTokenAndKeepsItsId() {
    long target = targets.create("127.0.0.71", 22, "unix", null).id();
    long other = targets.create("127.0.0.72", 22, "unix", null).id();

    MintedCollector first = registry.forDeploy(target, "127.0.0.71", "sh", Duration.ofDays(14));
    MintedCollector elsewhere = registry.forDeploy(other, "127.0.0.72", "sh", Duration.ofDays(14));
    assertThat(registry.forTarget(target).orElseThrow().id()).isEqualTo(first.id());
    assertThat(elsewhere.id()).isNotEqualTo(first.id());
    assertThat(registry.authenticate(CollectorToken.parse(first.token())))
        .isEqualTo(new CollectorAuth.Accepted(first.id()));

    // retired in between, as an undeploy does: the redeploy brings the same collector back
    assertThat(registry.retire(first.id())).isTrue();
    MintedCollector again = registry.forDeploy(target, "renamed", "sh", Duration.ofDays(7));

    assertThat(again.id()).as("one history per host").isEqualTo(first.id());
    assertThat(again.token()).isNotEqualTo(first.token());
    assertThat(again.expiresAt()).isBefore(first.expiresAt());
    assertThat(registry.authenticate(CollectorToken.parse(first.token())))
        .as("the old token stops working at once")
        .isInstanceOf(CollectorAuth.Unknown.class);
    assertThat(registry.authenticate(CollectorToken.parse(again.token())))
        .isEqualTo(new CollectorAuth.Accepted(first.id()));
    CollectorRecord kept = registry.forTarget(target).orElseThrow();
    assertThat(kept.label()).as("a renewed collector keeps its label").isEqualTo("127.0.0.71");
    assertThat(kept.status()).isEqualTo("active");
    assertThat(kept.retiredAt()).isNull();
    assertThat(registry.forTarget(other).orElseThrow().id()).isEqualTo(elsewhere.id());
  }
}
