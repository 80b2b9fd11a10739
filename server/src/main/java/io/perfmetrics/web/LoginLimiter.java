package io.perfmetrics.web;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * Failed logins counted per username and per client address within a fixed window that starts at
 * the first failure. At the limit every attempt for that key (right password or not) is refused
 * until the window ends. In memory, per appliance; time comes from the injected ticker.
 */
public final class LoginLimiter {
  /** Failures of one key since {@code firstNanos}. */
  private static final class Window {
    final long firstNanos;
    int failures;

    Window(long firstNanos) {
      this.firstNanos = firstNanos;
    }
  }

  private final Ticker ticker;
  private final int perUser;
  private final int perAddress;
  private final long windowNanos;
  private final Cache<String, Window> windows;

  public LoginLimiter(Ticker ticker, int perUser, int perAddress, Duration window) {
    if (perUser < 1 || perAddress < 1 || window.isNegative() || window.isZero()) {
      throw new IllegalArgumentException(
          "login limits must be positive: per user "
              + perUser
              + ", per address "
              + perAddress
              + ", window "
              + window);
    }
    this.ticker = ticker;
    this.perUser = perUser;
    this.perAddress = perAddress;
    this.windowNanos = window.toNanos();
    this.windows =
        Caffeine.newBuilder()
            .ticker(ticker)
            .maximumSize(100_000)
            .expireAfter(
                new Expiry<String, Window>() {
                  @Override
                  public long expireAfterCreate(String key, Window value, long currentTime) {
                    return windowNanos;
                  }

                  @Override
                  public long expireAfterUpdate(
                      String key, Window value, long currentTime, long currentDuration) {
                    return currentDuration;
                  }

                  @Override
                  public long expireAfterRead(
                      String key, Window value, long currentTime, long currentDuration) {
                    return currentDuration;
                  }
                })
            .build();
  }

  /** How long the caller must wait before trying again, or empty when a login may be attempted. */
  public Optional<Duration> blocked(String username, String address) {
    long now = ticker.read();
    Duration wait = Duration.ZERO;
    for (var k :
        new String[][] {
          {userKey(username), String.valueOf(perUser)},
          {addressKey(address), String.valueOf(perAddress)}
        }) {
      Window w = windows.getIfPresent(k[0]);
      if (w == null) {
        continue;
      }
      synchronized (w) {
        long left = w.firstNanos + windowNanos - now;
        if (w.failures >= Integer.parseInt(k[1]) && left > 0) {
          Duration d = Duration.ofNanos(left);
          wait = d.compareTo(wait) > 0 ? d : wait;
        }
      }
    }
    return wait.isZero() ? Optional.empty() : Optional.of(wait);
  }

  public void failed(String username, String address) {
    long now = ticker.read();
    for (String k : new String[] {userKey(username), addressKey(address)}) {
      Window w = windows.get(k, x -> new Window(now));
      synchronized (w) {
        w.failures++;
      }
    }
  }

  /** A successful login forgets the failures of that user and that address. */
  public void succeeded(String username, String address) {
    windows.invalidate(userKey(username));
    windows.invalidate(addressKey(address));
  }

  /** Seconds for a Retry-After header: rounded up, at least 1. */
  public static long retryAfterSeconds(Duration wait) {
    return Math.max(1, (wait.toMillis() + 999) / 1000);
  }

  private static String userKey(String username) {
    return "u:" + (username == null ? "" : username.trim().toLowerCase(Locale.ROOT));
  }

  private static String addressKey(String address) {
    return "a:" + address;
  }
}
