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
    ApiPath path =
        ApiPath.of("/api/v1/netops")
            .param("limit", limit)
            .param("offset", offset)
            .param("format", "csv", csv)
            .param("scan_id", scan)
            .param("destination", destination);
    return api.print("GET", path.toString(), null);
  }
}
