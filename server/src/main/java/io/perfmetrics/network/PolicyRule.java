package io.perfmetrics.network;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One rule of the operator's port policy. A null match field matches anything. {@code ports} is a
 * port ({@code "23"}) or a range ({@code "5900-5903"}); {@code process} and {@code host} are
 * case-insensitive patterns where {@code *} is any run of characters ({@code host} matches the
 * hostname: a host group by naming convention); {@code os_family} is {@code unix} or {@code
 * windows}. The first rule that matches a listener decides: {@code deny} makes it a finding of the
 * rule's severity, {@code allow} marks it approved (no built-in findings).
 *
 * @param id null in an import file or a new rule
 */
public record PolicyRule(
    Long id,
    String action,
    String proto,
    String ports,
    String process,
    String host,
    String osFamily,
    String severity,
    String note) {

  static final List<String> SEVERITIES = List.of("high", "medium", "low");
  private static final Pattern PORTS = Pattern.compile("(\\d{1,5})(?:-(\\d{1,5}))?");

  /**
   * The rule with defaults filled in and blanks as null; throws IllegalArgumentException saying
   * what is wrong.
   */
  PolicyRule validated() {
    String a = lower(action);
    if (!"allow".equals(a) && !"deny".equals(a)) {
      throw new IllegalArgumentException("action must be allow or deny, got '" + action + "'");
    }
    String p = lower(proto);
    if (p != null && !p.equals("tcp") && !p.equals("udp")) {
      throw new IllegalArgumentException(
          "proto must be tcp, udp or absent (both), got '" + proto + "'");
    }
    String ps = blank(ports);
    if (ps != null) {
      var m = PORTS.matcher(ps.replace(" ", ""));
      if (!m.matches()) {
        throw new IllegalArgumentException(
            "ports must be a port or a range like 5900-5903, got '" + ports + "'");
      }
      int from = Integer.parseInt(m.group(1));
      int to = m.group(2) == null ? from : Integer.parseInt(m.group(2));
      if (from > 65535 || to > 65535 || from > to) {
        throw new IllegalArgumentException(
            "ports must be within 0-65535 and low-high, got '" + ports + "'");
      }
      ps = from == to ? String.valueOf(from) : from + "-" + to;
    }
    String os = lower(osFamily);
    if (os != null && !os.equals("unix") && !os.equals("windows")) {
      throw new IllegalArgumentException(
          "os_family must be unix, windows or absent, got '" + osFamily + "'");
    }
    String sev = lower(severity);
    if (sev == null) {
      sev = "high";
    }
    if (!SEVERITIES.contains(sev)) {
      throw new IllegalArgumentException(
          "severity must be high, medium or low, got '" + severity + "'");
    }
    String proc = blank(process);
    String h = blank(host);
    for (String s : new String[] {proc, h, note}) {
      if (s != null && s.length() > 255) {
        throw new IllegalArgumentException("process, host and note are at most 255 characters");
      }
    }
    return new PolicyRule(id, a, p, ps, proc, h, os, sev, note == null ? "" : note);
  }

  int portFrom() {
    return ports == null ? -1 : Integer.parseInt(ports.split("-", -1)[0]);
  }

  int portTo() {
    return ports == null
        ? -1
        : Integer.parseInt(ports.contains("-") ? ports.split("-", -1)[1] : ports);
  }

  boolean matches(
      String listenerProto, int port, String listenerProcess, String hostname, String hostOs) {
    if (proto != null && !proto.equals(listenerProto)) {
      return false;
    }
    if (ports != null && (port < portFrom() || port > portTo())) {
      return false;
    }
    if (process != null && !glob(process, listenerProcess)) {
      return false;
    }
    if (host != null && !glob(host, hostname)) {
      return false;
    }
    if (osFamily != null) {
      boolean windows = hostOs != null && hostOs.toLowerCase(Locale.ROOT).startsWith("windows");
      if (hostOs == null || osFamily.equals("windows") != windows) {
        return false;
      }
    }
    return true;
  }

  /** What the rule matches, for a finding's sentence. */
  String describe() {
    StringBuilder b = new StringBuilder("rule #").append(id == null ? "?" : id);
    if (!note.isEmpty()) {
      b.append(" (").append(note).append(')');
    }
    return b.toString();
  }

  static boolean glob(String pattern, String value) {
    if (value == null) {
      return false;
    }
    StringBuilder re = new StringBuilder();
    int start = 0;
    for (int i = 0; i < pattern.length(); i++) {
      if (pattern.charAt(i) == '*') {
        re.append(Pattern.quote(pattern.substring(start, i))).append(".*");
        start = i + 1;
      }
    }
    re.append(Pattern.quote(pattern.substring(start)));
    return Pattern.compile(
            re.toString(), Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE | Pattern.DOTALL)
        .matcher(value)
        .matches();
  }

  private static String blank(String s) {
    return s == null || s.isBlank() ? null : s.trim();
  }

  private static String lower(String s) {
    String b = blank(s);
    return b == null ? null : b.toLowerCase(Locale.ROOT);
  }
}
