package io.perfmetrics.dependencies;

/** A host the operator put into a named move group. */
public record Pin(int hostId, String group, String note) {}
