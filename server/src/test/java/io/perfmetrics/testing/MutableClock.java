package io.perfmetrics.testing;

import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A clock (and Caffeine ticker) that tests move by hand, so TTLs are tested without sleeping. */
public final class MutableClock extends Clock implements Ticker {
  private volatile Instant now;

  public MutableClock(Instant start) {
    this.now = start;
  }

  public static MutableClock systemNow() {
    return new MutableClock(Instant.now());
  }

  public void advance(Duration d) {
    now = now.plus(d);
  }

  /**
   * Moves the clock a minute into the next hour when less than {@code needed} is left of this one,
   * so that a test's "current hour" stays current while the test advances the clock by up to that
   * much (a test that started at 09:59 otherwise saw its current hour end).
   */
  public void awayFromTheHourEnd(Duration needed) {
    long left = 3600 - now.getEpochSecond() % 3600;
    if (left <= needed.getSeconds()) {
      advance(Duration.ofSeconds(left + 60));
    }
  }

  @Override
  public Instant instant() {
    return now;
  }

  @Override
  public long read() {
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }
}
