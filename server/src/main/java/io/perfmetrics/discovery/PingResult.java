package io.perfmetrics.discovery;

/** What one ICMP echo request found. */
public sealed interface PingResult {
  String result();

  record Reply(long millis) implements PingResult {
    @Override
    public String result() {
      return "reply";
    }
  }

  record NoReply() implements PingResult {
    @Override
    public String result() {
      return "no reply";
    }
  }

  /** ICMP is not available to this process (no ping binary, no permission): nothing was sent. */
  record NotPermitted(String why) implements PingResult {
    @Override
    public String result() {
      return "not sent";
    }
  }
}
