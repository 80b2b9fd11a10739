package io.perfmetrics.dependencies;

import java.time.Instant;
import java.util.List;

/**
 * One dependency: a client talks to a server's port, seen from the client's side, the server's or
 * both (both sides of one connection are one edge).
 *
 * @param id stable within a window: {@code <client>><server>:<port>/<proto>}
 * @param hours hours in the window the edge was seen in (the most either side saw)
 * @param seenBy {@code client}, {@code server} or {@code both}
 * @param clientProcesses "process (user)" on the client's side, where it saw the connection
 * @param infrastructure why the edge is an infrastructure service, or null
 * @param exclusionId the operator's exclusion that keeps it out of grouping, or null
 */
public record Edge(
    String id,
    Endpoint client,
    Endpoint server,
    int port,
    String proto,
    Instant firstSeen,
    Instant lastSeen,
    int hours,
    long maxConnections,
    String seenBy,
    List<String> clientProcesses,
    List<String> serverProcesses,
    String infrastructure,
    Long exclusionId) {

  public Edge {
    clientProcesses = List.copyOf(clientProcesses);
    serverProcesses = List.copyOf(serverProcesses);
  }

  static String id(Endpoint client, Endpoint server, int port, String proto) {
    return client.id() + ">" + server.id() + ":" + port + "/" + proto;
  }

  /** Both ends are known hosts: the only edges that can join hosts into a group. */
  public boolean betweenHosts() {
    return client.isHost() && server.isHost();
  }

  Edge withExclusion(Long exclusion) {
    return new Edge(
        id,
        client,
        server,
        port,
        proto,
        firstSeen,
        lastSeen,
        hours,
        maxConnections,
        seenBy,
        clientProcesses,
        serverProcesses,
        infrastructure,
        exclusion);
  }
}
