package io.perfmetrics.web.console;

import java.util.ArrayList;
import java.util.List;

/**
 * Targets from CSV: {@code address[,port[,os_family[,credential]]]} per line, credential by name or
 * id; an optional header line starting with {@code address}; blank lines and {@code #} comments
 * skipped. Cells may be double-quoted.
 */
final class TargetCsv {
  /** One parsed line; {@code error} set when it cannot be used. */
  record Row(
      int line, String address, Integer port, String osFamily, String credential, String error) {}

  private TargetCsv() {}

  static List<Row> parse(String text) {
    List<Row> rows = new ArrayList<>();
    String[] lines = text.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String l = lines[i].strip();
      if (l.isEmpty() || l.startsWith("#")) {
        continue;
      }
      List<String> cells = cells(l);
      if (rows.isEmpty() && cells.get(0).equalsIgnoreCase("address")) {
        continue;
      }
      int n = i + 1;
      if (cells.size() > 4) {
        rows.add(
            new Row(
                n,
                null,
                null,
                null,
                null,
                "expected at most 4 columns (address,port,os_family,credential), got "
                    + cells.size()));
        continue;
      }
      String address = cells.get(0);
      Integer port = null;
      if (cells.size() > 1 && !cells.get(1).isEmpty()) {
        try {
          port = Integer.parseInt(cells.get(1));
        } catch (NumberFormatException e) {
          rows.add(
              new Row(
                  n,
                  address,
                  null,
                  null,
                  null,
                  "port must be a number, got '" + cells.get(1) + "'"));
          continue;
        }
      }
      String os = cells.size() > 2 && !cells.get(2).isEmpty() ? cells.get(2) : null;
      String cred = cells.size() > 3 && !cells.get(3).isEmpty() ? cells.get(3) : null;
      rows.add(new Row(n, address, port, os, cred, address.isEmpty() ? "address is empty" : null));
    }
    return rows;
  }

  private static List<String> cells(String line) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quoted) {
        if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
          cur.append('"');
          i++;
        } else if (c == '"') {
          quoted = false;
        } else {
          cur.append(c);
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        out.add(cur.toString().strip());
        cur.setLength(0);
      } else {
        cur.append(c);
      }
    }
    out.add(cur.toString().strip());
    return out;
  }
}
