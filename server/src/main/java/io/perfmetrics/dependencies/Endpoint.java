package io.perfmetrics.dependencies;

/**
 * One end of an edge: a known host, or an external network (a /24 or /64 of addresses no host is
 * known by).
 *
 * @param id {@code host:<collector id>} or {@code net:<cidr>}
 * @param hostId null for an external network
 */
public record Endpoint(String id, Integer hostId, String label) {
  static Endpoint host(KnownHost h) {
    return new Endpoint("host:" + h.id(), h.id(), h.hostname());
  }

  static Endpoint external(String cidr) {
    return new Endpoint("net:" + cidr, null, cidr);
  }

  public boolean isHost() {
    return hostId != null;
  }
}
