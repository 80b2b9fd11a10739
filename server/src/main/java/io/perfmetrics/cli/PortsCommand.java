package io.perfmetrics.cli;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
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
    List<String> params = new ArrayList<>();
    if (host == null) {
      add(params, "port", port);
      add(params, "process", process);
      add(params, "finding", finding);
      add(params, "severity", severity);
    }
    if (csv) {
      params.add("format=csv");
    }
    String path =
        "/api/v1/ports"
            + (host == null
                ? ""
                : "/" + URLEncoder.encode(host, StandardCharsets.UTF_8).replace("+", "%20"))
            + (params.isEmpty() ? "" : "?" + String.join("&", params));
    // unreachable, no token, an untrusted certificate: one line and exit 2, like every command
    return api.print("GET", path, null);
  }

  private static void add(List<String> params, String name, String value) {
    if (value != null) {
      params.add(name + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8));
    }
  }
}
