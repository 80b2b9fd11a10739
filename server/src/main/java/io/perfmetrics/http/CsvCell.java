package io.perfmetrics.http;

/**
 * One CSV cell (RFC 4180) of text that may come from a target or a collector: quoted where needed,
 * and a value a spreadsheet would run as a formula (a leading {@code = + - @}, tab or carriage
 * return) gets a leading apostrophe, so an export opened in a spreadsheet runs nothing.
 */
public final class CsvCell {
  private CsvCell() {}

  public static String cell(String s) {
    if (s == null) {
      return "";
    }
    String v = !s.isEmpty() && "=+-@\t\r".indexOf(s.charAt(0)) >= 0 ? "'" + s : s;
    if (v.indexOf(',') >= 0
        || v.indexOf('"') >= 0
        || v.indexOf('\n') >= 0
        || v.indexOf('\r') >= 0) {
      return '"' + v.replace("\"", "\"\"") + '"';
    }
    return v;
  }
}
