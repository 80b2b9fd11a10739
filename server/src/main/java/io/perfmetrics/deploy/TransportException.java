package io.perfmetrics.deploy;

/** A per-host failure of a transport, with what kind of failure it was for the admin to act on. */
public final class TransportException extends Exception {
  /** What went wrong, in the terms an admin acts on. */
  public enum Kind {
    UNREACHABLE,
    TIMEOUT,
    AUTH_FAILED,
    HOST_KEY_CHANGED,
    REMOTE_ERROR
  }

  private final Kind kind;

  public TransportException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
