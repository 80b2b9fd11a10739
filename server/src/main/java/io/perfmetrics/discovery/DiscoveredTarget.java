package io.perfmetrics.discovery;

import java.time.Instant;

/** A target that discovery created or refreshed; deploy takes it once accepted. */
public record DiscoveredTarget(
    long id,
    String address,
    Integer port,
    String osFamily,
    String hostname,
    boolean accepted,
    Instant discoveredAt,
    String osHints) {}
