package io.perfmetrics.discovery;

/** What one TCP connect probe found. Expected outcomes, not exceptions. */
public sealed interface PortState {
  String result();

  /** Connected; {@code banner} is what the server said first (SSH does), or empty. */
  record Open(String banner) implements PortState {
    @Override
    public String result() {
      return "open";
    }
  }

  /** Refused (a RST came back): the host is there, the port is not. */
  record Closed() implements PortState {
    @Override
    public String result() {
      return "closed";
    }
  }

  /** No answer within the timeout: filtered, or nobody at this address. */
  record Filtered() implements PortState {
    @Override
    public String result() {
      return "timeout";
    }
  }

  /** Anything else (unreachable network, ...). */
  record Failed(String reason) implements PortState {
    @Override
    public String result() {
      return "error";
    }
  }
}
