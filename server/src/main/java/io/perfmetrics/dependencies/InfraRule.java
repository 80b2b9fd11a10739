package io.perfmetrics.dependencies;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The operator's addition to the infrastructure services: a server port (any protocol when {@code
 * proto} is null), a server address range, or a host whose every edge is infrastructure (e.g.
 * labelled "monitoring" or "backup").
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record InfraRule(
    Long id,
    String kind,
    Integer port,
    String proto,
    String address,
    Integer hostId,
    String label) {}
