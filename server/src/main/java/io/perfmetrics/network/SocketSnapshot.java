package io.perfmetrics.network;

import java.util.List;
import java.util.Map;

/**
 * One snapshot of a host's sockets as the collector sent it, addresses canonical, text decoded.
 * Rows repeating a key within the snapshot are merged (connections add their counts). Public
 * (read-only) for the benchmark's baseline, which COPYs the same parsed rows.
 */
public record SocketSnapshot(
    long ts,
    String source,
    int listenerRows,
    int connectionRows,
    int droppedRows,
    List<Listener> listeners,
    Map<Connection, Integer> connections) {

  /** A listening TCP or bound UDP socket; text fields are "" when unknown. */
  public record Listener(
      String proto, String addr, int port, String user, String process, String service) {}

  /** An established connection's aggregation key; see docs/ports.md for which port is kept. */
  public record Connection(
      String direction,
      String proto,
      String localAddr,
      int localPort,
      String remoteAddr,
      int remotePort,
      String user,
      String process,
      String service) {}
}
