package io.perfmetrics.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The network operations log of a running appliance. */
@Command(
    name = "netops",
    description = "Show the network operations log (JSON, or CSV with --csv).")
final class NetopsCommand implements Callable<Integer> {
  @Mixin AdminClient api;

  @Option(names = "--csv", description = "CSV instead of JSON")
  boolean csv;

  @Option(names = "--scan", description = "only this scan's operations")
  Long scan;

  @Option(names = "--destination", description = "only operations to this address")
  String destination;

  @Option(names = "--limit", defaultValue = "1000", description = "rows (default ${DEFAULT-VALUE})")
  int limit;

  @Option(names = "--offset", defaultValue = "0", description = "rows to skip")
  long offset;

  @Override
  public Integer call() throws Exception {
    StringBuilder q = new StringBuilder("/api/v1/netops?limit=" + limit + "&offset=" + offset);
    if (csv) {
      q.append("&format=csv");
    }
    if (scan != null) {
      q.append("&scan_id=").append(scan);
    }
    if (destination != null) {
      q.append("&destination=")
          .append(java.net.URLEncoder.encode(destination, java.nio.charset.StandardCharsets.UTF_8));
    }
    return api.print("GET", q.toString(), null);
  }
}
