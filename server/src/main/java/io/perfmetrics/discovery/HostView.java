package io.perfmetrics.discovery;

import java.util.List;

/** One address of a scan and what it found. */
public record HostView(
    String address,
    String name,
    String state,
    String hostname,
    String osFamily,
    List<Integer> openPorts,
    List<OsHint> hints,
    String detail) {}
