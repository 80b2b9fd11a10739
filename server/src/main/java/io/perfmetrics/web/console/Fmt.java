package io.perfmetrics.web.console;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** How the console writes times and durations. */
final class Fmt {
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

  private Fmt() {}

  static String time(Instant t) {
    return t == null ? "—" : TIME.format(t);
  }

  /** 13d 4h, 3h 12m, 4m 10s. */
  static String duration(Long seconds) {
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

  static String state(String s) {
    return s == null ? "—" : s.replace('_', ' ');
  }
}
