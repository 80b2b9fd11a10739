package io.perfmetrics.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.perfmetrics.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LoginLimiterTest {
  final MutableClock ticker = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  final LoginLimiter limiter = new LoginLimiter(ticker, 3, 5, Duration.ofMinutes(15));

  @Test
  void aUserIsBlockedAfterTheAllowedFailuresUntilTheWindowEnds() {
    for (int i = 0; i < 3; i++) {
      assertThat(limiter.blocked("admin", "127.0.9.1")).isEmpty();
      limiter.failed("admin", "127.0.9.1");
      ticker.advance(Duration.ofMinutes(1));
    }

    assertThat(limiter.blocked("admin", "127.0.9.2"))
        .as("per user, from any address")
        .contains(Duration.ofMinutes(12));
    ticker.advance(Duration.ofMinutes(11).plusSeconds(59));
    assertThat(limiter.blocked("admin", "127.0.9.2")).contains(Duration.ofSeconds(1));
    ticker.advance(Duration.ofSeconds(1));
    assertThat(limiter.blocked("admin", "127.0.9.2")).isEmpty();
  }

  @Test
  void usernamesAreCountedWithoutRegardToCase() {
    limiter.failed("Admin", "a");
    limiter.failed("ADMIN ", "b");
    limiter.failed("admin", "c");

    assertThat(limiter.blocked("admin", "d")).isPresent();
  }

  @Test
  void anAddressIsBlockedAfterItsFailuresWhateverTheUsernames() {
    for (int i = 0; i < 5; i++) {
      limiter.failed("user" + i, "127.0.9.9");
    }

    assertThat(limiter.blocked("someone-else", "127.0.9.9")).isPresent();
    assertThat(limiter.blocked("someone-else", "127.0.9.8")).isEmpty();
  }

  @Test
  void aSuccessForgetsTheFailuresOfThatUserAndAddress() {
    limiter.failed("admin", "127.0.9.1");
    limiter.failed("admin", "127.0.9.1");
    limiter.succeeded("admin", "127.0.9.1");
    limiter.failed("admin", "127.0.9.1");
    limiter.failed("admin", "127.0.9.1");

    assertThat(limiter.blocked("admin", "127.0.9.1")).isEmpty();
  }

  @Test
  void retryAfterIsRoundedUpToWholeSeconds() {
    assertThat(LoginLimiter.retryAfterSeconds(Duration.ofMillis(1))).isEqualTo(1);
    assertThat(LoginLimiter.retryAfterSeconds(Duration.ofMillis(1001))).isEqualTo(2);
    assertThat(LoginLimiter.retryAfterSeconds(Duration.ofMinutes(15))).isEqualTo(900);
  }
}
