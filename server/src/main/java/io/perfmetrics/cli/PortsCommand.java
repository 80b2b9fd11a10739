package io.perfmetrics.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The port audit from a running appliance's admin API: the fleet (filtered), or one host; JSON or
 * CSV.
 */
@Command(
    name = "ports",
    description =
        "Port audit: every listener and its findings, for all hosts or one (collector id or hostname).")
final class PortsCommand implements Callable<Integer> {
  @Mixin AdminClient api;

  @Parameters(
      index = "0",
      arity = "0..1",
      description = "collector id or hostname; all hosts when absent")
  String host;

  @Option(names = "--csv", description = "CSV instead of JSON")
  boolean csv;

  @Option(names = "--port", description = "fleet only: listeners on this port")
  String port;

  @Option(names = "--process", description = "fleet only: process or service name containing this")
  String process;

  @Option(
      names = "--finding",
      description = "fleet only: policy_deny, risky_service, new_listener or privileged_port_user")
  String finding;

  @Option(names = "--severity", description = "fleet only: high, medium or low")
  String severity;

  @Override
  public Integer call() throws Exception {
    ApiPath path = ApiPath.of("/api/v1/ports").segment(host);
    if (host == null) {
      path.param("port", port)
          .param("process", process)
          .param("finding", finding)
          .param("severity", severity);
    }
    path.param("format", "csv", csv);
    // unreachable, no token, an untrusted certificate: one line and exit 2, like every command
    return api.print("GET", path.toString(), null);
  }
}
