package io.perfmetrics.discovery;

import java.util.List;

/** What probing one address ended with. Expected outcomes, not exceptions. */
public sealed interface HostOutcome {
  String address();

  String state();

  /** At least one probed port is open: the host becomes a target. */
  record Found(
      String address, String hostname, String osFamily, List<Integer> openPorts, List<OsHint> hints)
      implements HostOutcome {
    @Override
    public String state() {
      return "found";
    }
  }

  /** Answered (echo reply, or a RST) but nothing probed is open. */
  record Alive(String address, String hostname) implements HostOutcome {
    @Override
    public String state() {
      return "alive";
    }
  }

  /** No answer at all. */
  record Silent(String address, String hostname) implements HostOutcome {
    @Override
    public String state() {
      return "silent";
    }
  }

  /** Could not be probed (e.g. a name that does not resolve). */
  record Failed(String address, String reason) implements HostOutcome {
    @Override
    public String state() {
      return "failed";
    }
  }

  /** The scan was cancelled before this address was finished. */
  record Cancelled(String address) implements HostOutcome {
    @Override
    public String state() {
      return "cancelled";
    }
  }
}
