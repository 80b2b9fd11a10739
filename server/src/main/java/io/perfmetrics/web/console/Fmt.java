package io.perfmetrics.web.console;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * How the console writes times, durations and figures; called by the templates. Plain text: the
 * engine escapes it.
 */
public final class Fmt {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

  private Fmt() {}

  public static String time(Instant t) {
    return t == null ? "—" : TIME.format(t);
  }

  /** 13d 4h, 3h 12m, 4m 10s. */
  public static String duration(Long seconds) {
    if (seconds == null) {
      return "—";
    }
    Duration d = Duration.ofSeconds(seconds);
    if (d.toDays() > 0) {
      return d.toDays() + "d " + d.toHoursPart() + "h";
    }
    if (d.toHours() > 0) {
      return d.toHours() + "h " + d.toMinutesPart() + "m";
    }
    return d.toMinutes() + "m " + d.toSecondsPart() + "s";
  }

  public static String state(String s) {
    return s == null ? "—" : s.replace('_', ' ');
  }

  /** The value, or a dash when there is none. */
  public static String orDash(Object v) {
    return v == null || v.toString().isBlank() ? "—" : v.toString();
  }

  /** 12.3 s */
  public static String seconds(double s) {
    return String.format(Locale.ROOT, "%.1f s", s);
  }

  /** Dollars: 1,234.56 */
  public static String money(double v) {
    return String.format(Locale.ROOT, "%,.2f", v);
  }

  public static String two(double v) {
    return String.format(Locale.ROOT, "%.2f", v);
  }

  /** An hourly price: 0.0416 */
  public static String hourly(double v) {
    return String.format(Locale.ROOT, "%.4f", v);
  }

  /** 1,234.5 */
  public static String rate(double v) {
    return String.format(Locale.ROOT, "%,.1f", v);
  }
}
