package io.perfmetrics.cli;

import io.perfmetrics.deploy.Causes;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;

/**
 * The one line the CLI prints after "perfmetrics: " when it cannot reach the appliance or read a
 * file: words, not a stack trace.
 */
final class FailureLine {
  private FailureLine() {}

  static String of(Throwable e) {
    if (e instanceof NoSuchFileException f) {
      return f.getFile() + ": no such file";
    }
    if (e instanceof AccessDeniedException f) {
      return f.getFile() + ": permission denied";
    }
    // ours say what failed and how to fix it
    if (e.getClass() == IOException.class && e.getMessage() != null) {
      return e.getMessage();
    }
    // the JDK's HTTP client often throws a bare ConnectException whose cause ("Connection
    // refused") holds the reason; the outer class says what kind of failure it was
    String why = Causes.innermostMessage(e);
    if (why == null && e instanceof ConnectException) {
      why = "the connection was refused or the address is unreachable";
    }
    return why == null ? e.toString() : why + " (" + e.getClass().getSimpleName() + ")";
  }
}
