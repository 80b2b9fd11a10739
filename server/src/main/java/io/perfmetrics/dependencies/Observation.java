package io.perfmetrics.dependencies;

import java.time.Instant;

/**
 * One host's view of a connection over the window, summed from its hourly rows: an {@code out} row
 * names the server's port in {@code remotePort} (its local port is 0), an {@code in} row the host's
 * service port in {@code localPort} (the client's port is 0).
 *
 * @param hours hours in the window this row was seen in
 */
record Observation(
    int hostId,
    String direction,
    String proto,
    String localAddr,
    int localPort,
    String remoteAddr,
    int remotePort,
    String user,
    String process,
    Instant firstSeen,
    Instant lastSeen,
    int hours,
    long maxConnections) {

  boolean outbound() {
    return direction.equals("out");
  }
}
