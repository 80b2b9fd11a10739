package io.perfmetrics.dependencies;

import java.util.Set;

/**
 * A host the appliance has a collector on, with the addresses it is known by: those its hello
 * listed, its target's address, and the addresses its own connections were seen on.
 */
public record KnownHost(int id, String hostname, Set<String> addresses) {
  public KnownHost {
    addresses = Set.copyOf(addresses);
  }
}
