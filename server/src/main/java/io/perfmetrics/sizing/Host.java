package io.perfmetrics.sizing;

/**
 * A host as sizing sees it: a collector and what its hello said. Provider, region and type come
 * from the cloud identity document; all of them may be null (on premises, no hello yet).
 */
public record Host(
    int id,
    String name,
    String osFamily,
    String arch,
    String provider,
    String region,
    String instanceType,
    Integer cpuCount) {}
