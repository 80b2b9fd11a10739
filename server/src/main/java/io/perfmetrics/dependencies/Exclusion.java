package io.perfmetrics.dependencies;

/**
 * An edge the operator keeps out of grouping: between two hosts, on one port (null: any) and
 * protocol (null: any), in the client-to-server direction given.
 */
public record Exclusion(
    Long id, int clientId, int serverId, Integer port, String proto, String note) {

  boolean matches(Edge e) {
    return e.betweenHosts()
        && e.client().hostId() == clientId
        && e.server().hostId() == serverId
        && (port == null || port == e.port())
        && (proto == null || proto.equals(e.proto()));
  }
}
