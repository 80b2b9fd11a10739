package io.perfmetrics.dependencies;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * One end of an edge: a known host, an external address with a DNS name, or an external network (a
 * /24 or /64 of the other addresses no host is known by).
 *
 * @param id {@code host:<collector id>}, {@code name:<dns name>}, {@code net:<cidr>} or {@code
 *     appliance}
 * @param hostId null but for a host
 * @param addresses the addresses of a named endpoint, else empty
 */
public record Endpoint(
    String id,
    Integer hostId,
    String label,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> addresses) {
  public Endpoint {
    addresses = List.copyOf(addresses);
  }

  static Endpoint host(KnownHost h) {
    return new Endpoint("host:" + h.id(), h.id(), h.hostname(), List.of());
  }

  static Endpoint external(String cidr) {
    return new Endpoint("net:" + cidr, null, cidr, List.of());
  }

  /** An external address discovery knows a DNS name for (its reverse name, or the name listed). */
  static Endpoint named(String name, List<String> addresses) {
    return new Endpoint("name:" + name, null, name, addresses);
  }

  /** The appliance itself, when it has no collector of its own. */
  static Endpoint appliance() {
    return new Endpoint("appliance", null, "perfmetrics appliance", List.of());
  }

  @JsonIgnore
  public boolean isHost() {
    return hostId != null;
  }
}
