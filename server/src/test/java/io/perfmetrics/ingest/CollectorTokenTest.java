package io.perfmetrics.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CollectorTokenTest {
  static final String SECRET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ";

  @Test
  void roundTripsThroughTheBearerHeader() {
    CollectorToken t = new CollectorToken(42, SECRET);

    CollectorToken back = CollectorToken.fromAuthorization("Bearer " + t.value());

    assertThat(back).isEqualTo(t);
    assertThat(CollectorToken.fromAuthorization("bearer " + t.value())).isEqualTo(t);
  }

  @Test
  void refusesAnythingElse() {
    assertThat(CollectorToken.fromAuthorization(null)).isNull();
    assertThat(CollectorToken.fromAuthorization("Basic dXNlcjpwYXNz")).isNull();
    assertThat(CollectorToken.parse("pm1.." + SECRET)).isNull();
    assertThat(CollectorToken.parse("pm1.x1." + SECRET)).isNull();
    assertThat(CollectorToken.parse("pm1.0." + SECRET)).isNull();
    assertThat(CollectorToken.parse("pm1.99999999999." + SECRET)).isNull();
    assertThat(CollectorToken.parse("pm1.5.short")).isNull();
    assertThat(CollectorToken.parse("pm2.5." + SECRET)).isNull();
  }

  @Test
  void neverPrintsTheSecret() {
    assertThat(new CollectorToken(1, SECRET).toString()).doesNotContain(SECRET);
    assertThat(new MintedCollector(1, "pm1.1." + SECRET, null).toString()).doesNotContain(SECRET);
  }
}
