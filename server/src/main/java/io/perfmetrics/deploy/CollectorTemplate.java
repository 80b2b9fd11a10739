package io.perfmetrics.deploy;

import java.util.function.UnaryOperator;

/** Which collector script runs on which OS family, and how its rendered values are quoted. */
public enum CollectorTemplate {
  UNIX_SH("collector.sh", ShellQuoting::quote),
  WINDOWS_VBS("collector.vbs", CollectorTemplate::vbsString);

  private final String file;
  private final UnaryOperator<String> quoting;

  CollectorTemplate(String file, UnaryOperator<String> quoting) {
    this.file = file;
    this.quoting = quoting;
  }

  public static CollectorTemplate forOs(String osFamily) {
    return "windows".equals(osFamily) ? WINDOWS_VBS : UNIX_SH;
  }

  public String file() {
    return file;
  }

  String quote(String value) {
    return quoting.apply(value);
  }

  /** A VBScript string literal: quotes doubled; line breaks cannot occur inside one. */
  static String vbsString(String value) {
    if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0 || value.indexOf('\0') >= 0) {
      throw new IllegalArgumentException(
          "a VBScript string literal cannot hold line breaks or NUL");
    }
    return "\"" + value.replace("\"", "\"\"") + "\"";
  }
}
