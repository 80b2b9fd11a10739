package io.perfmetrics.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.perfmetrics.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PacerTest {
  final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  final Pacer.Sleeper sleeper =
      t -> {
        if (t.isAfter(clock.instant())) {
          clock.advance(Duration.between(clock.instant(), t));
        }
      };

  @Test
  void operations_to_one_host_are_spaced_by_the_host_spacing() throws Exception {
    Pacer p = new Pacer(clock, sleeper, Duration.ofSeconds(16), Duration.ofMillis(100));
    List<Instant> t = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      t.add(p.turn("127.0.9.1"));
    }
    for (int i = 1; i < t.size(); i++) {
      assertThat(Duration.between(t.get(i - 1), t.get(i))).isEqualTo(Duration.ofSeconds(16));
    }
  }

  @Test
  void the_global_interval_spaces_operations_to_different_hosts() throws Exception {
    Pacer p = new Pacer(clock, sleeper, Duration.ofSeconds(16), Duration.ofSeconds(2));
    Instant a = p.turn("127.0.9.1");
    Instant b = p.turn("127.0.9.2");
    Instant c = p.turn("127.0.9.3");
    assertThat(Duration.between(a, b)).isEqualTo(Duration.ofSeconds(2));
    assertThat(Duration.between(b, c)).isEqualTo(Duration.ofSeconds(2));
    // the first host is ready again only 16 s after its last operation
    assertThat(p.turn("127.0.9.1")).isEqualTo(a.plusSeconds(16));
  }

  @Test
  void the_default_pacing_keeps_any_60_second_window_under_sfportscans_low_thresholds()
      throws Exception {
    Pacer p = new Pacer(clock, sleeper, Duration.ofSeconds(16), Duration.ofSeconds(16));
    List<Instant> t = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      t.add(p.turn("127.0.9." + (i % 7)));
    }
    for (Instant start : t) {
      long inWindow =
          t.stream().filter(x -> !x.isBefore(start) && !x.isAfter(start.plusSeconds(60))).count();
      assertThat(inWindow).isLessThanOrEqualTo(4);
    }
  }

  @Test
  void the_bound_is_the_larger_of_the_global_and_the_per_host_schedule() {
    assertThat(Pacer.bound(256, 3, 32, Duration.ofMillis(50), Duration.ofMillis(8)))
        .isEqualTo(Duration.ofMillis(8 * 767));
    assertThat(Pacer.bound(1, 8, 16, Duration.ofSeconds(16), Duration.ofMillis(1)))
        .isEqualTo(Duration.ofSeconds(16 * 7));
  }
}
