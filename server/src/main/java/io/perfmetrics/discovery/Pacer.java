package io.perfmetrics.discovery;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * Spaces the operations the appliance sends: at least {@code hostSpacing} between two operations to
 * the same address, and at least {@code globalInterval} between any two. A caller asks for a turn
 * just before it sends; the instant returned is the operation's time for the log, so the spacing
 * holds for the logged times exactly.
 */
public final class Pacer {
  /** Waits until an instant of the pacer's clock; tests advance a fake clock instead. */
  public interface Sleeper {
    void sleepUntil(Instant t) throws InterruptedException;

    static Sleeper real(Clock clock) {
      return t -> {
        long ms = Duration.between(clock.instant(), t).toMillis();
        if (ms > 0) {
          Thread.sleep(ms);
        }
      };
    }
  }

  private final Clock clock;
  private final Sleeper sleeper;
  private final Duration hostSpacing;
  private final Duration globalInterval;
  private final Map<String, Instant> hostNext = new HashMap<>();
  private Instant globalNext = Instant.MIN;

  public Pacer(Clock clock, Sleeper sleeper, Duration hostSpacing, Duration globalInterval) {
    this.clock = clock;
    this.sleeper = sleeper;
    this.hostSpacing = hostSpacing;
    this.globalInterval = globalInterval;
  }

  /** Blocks until {@code host} may be sent an operation; returns the operation's time. */
  public Instant turn(String host) throws InterruptedException {
    while (true) {
      Instant ready;
      synchronized (this) {
        Instant now = clock.instant();
        ready = later(globalNext, hostNext.getOrDefault(host, Instant.MIN));
        if (!now.isBefore(ready)) {
          globalNext = now.plus(globalInterval);
          hostNext.put(host, now.plus(hostSpacing));
          return now;
        }
      }
      sleeper.sleepUntil(ready);
    }
  }

  /** Forgets a host that is done, once its spacing has passed (keeps the map small). */
  public synchronized void done(String host) {
    Instant next = hostNext.get(host);
    if (next != null && !clock.instant().isBefore(next)) {
      hostNext.remove(host);
    }
  }

  public Duration hostSpacing() {
    return hostSpacing;
  }

  public Duration globalInterval() {
    return globalInterval;
  }

  /**
   * The least time {@code hosts} addresses of {@code opsPerHost} operations each can take: the
   * global rate and the per-host spacing each bound it, with {@code concurrency} hosts at a time.
   */
  public static Duration bound(
      int hosts, int opsPerHost, int concurrency, Duration hostSpacing, Duration globalInterval) {
    if (hosts == 0 || opsPerHost == 0) {
      return Duration.ZERO;
    }
    long ops = (long) hosts * opsPerHost;
    Duration global = globalInterval.multipliedBy(ops - 1);
    long waves = ((long) hosts + concurrency - 1) / concurrency;
    Duration perHost = hostSpacing.multipliedBy((long) (opsPerHost - 1) * waves);
    return global.compareTo(perHost) >= 0 ? global : perHost;
  }

  private static Instant later(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }
}
