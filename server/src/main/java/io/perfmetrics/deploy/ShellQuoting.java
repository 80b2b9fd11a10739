package io.perfmetrics.deploy;

/**
 * POSIX shell quoting: one single-quoted word, embedded quotes as {@code '\''}. Inside single
 * quotes a shell expands nothing, so no value (a token, a URL, a path from a target) can become
 * syntax.
 */
public final class ShellQuoting {
  private ShellQuoting() {}

  public static String quote(String value) {
    if (value.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("a shell word cannot hold a NUL character");
    }
    return "'" + value.replace("'", "'\\''") + "'";
  }
}
