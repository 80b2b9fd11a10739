package io.perfmetrics.dependencies;

import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * One end of an edge: a known host, or an external network (a /24 or /64 of addresses no host is
 * known by).
 *
 * @param id {@code host:<collector id>}, {@code net:<cidr>} or {@code appliance}
 * @param hostId null for an external network
 */
public record Endpoint(String id, Integer hostId, String label) {
  static Endpoint host(KnownHost h) {
    return new Endpoint("host:" + h.id(), h.id(), h.hostname());
  }

  static Endpoint external(String cidr) {
    return new Endpoint("net:" + cidr, null, cidr);
  }

  /** The appliance itself, when it has no collector of its own. */
  static Endpoint appliance() {
    return new Endpoint("appliance", null, "perfmetrics appliance");
  }

  @JsonIgnore
  public boolean isHost() {
    return hostId != null;
  }
}
