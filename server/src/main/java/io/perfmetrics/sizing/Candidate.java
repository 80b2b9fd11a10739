package io.perfmetrics.sizing;

/**
 * A catalog type considered for a host, its price under the report's pricing, and why it was or was
 * not chosen. {@code diskIops} and {@code diskMbps}: the disk I/O the type sustains, null where the
 * catalog has no published limit for it.
 */
public record Candidate(
    String type,
    String family,
    String category,
    int vcpu,
    double memoryGib,
    String arch,
    String networkClass,
    double hourly,
    double monthly,
    boolean fits,
    boolean chosen,
    String reason,
    Double diskIops,
    Double diskMbps) {}
