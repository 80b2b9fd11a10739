package io.perfmetrics.cli;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
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
  @Option(
      names = "--url",
      defaultValue = "${env:PERFMETRICS_URL:-https://127.0.0.1:8080}",
      description = "appliance URL (env PERFMETRICS_URL, default ${DEFAULT-VALUE})")
  String url;

  @Option(
      names = "--token",
      defaultValue = "${env:PERFMETRICS_ADMIN_TOKEN}",
      description = "admin token (env PERFMETRICS_ADMIN_TOKEN)")
  String token;

  @Option(
      names = "--ca",
      defaultValue = "${env:PERFMETRICS_CA}",
      description =
          "PEM certificate to trust for https (env PERFMETRICS_CA; default: the appliance's CA in"
              + " $PERFMETRICS_DATA_DIR/tls/ca.pem, ./data if unset, else the JDK's CAs)")
  String ca;

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
    if (token == null || token.isBlank()) {
      System.err.println(
          "perfmetrics: no admin token: set PERFMETRICS_ADMIN_TOKEN or pass --token");
      return 2;
    }
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
    HttpRequest req =
        HttpRequest.newBuilder(URI.create(url + path))
            .timeout(Duration.ofSeconds(60))
            .header("Authorization", "Bearer " + token)
            .GET()
            .build();
    HttpResponse<String> r;
    try (HttpClient client = AdminClient.client(url, ca)) {
      r = client.send(req, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      System.err.println("perfmetrics: cannot reach " + url + ": " + FailureLine.of(e));
      return 1;
    }
    System.out.print(r.body());
    if (!r.body().endsWith("\n")) {
      System.out.println();
    }
    if (r.statusCode() >= 300) {
      System.err.println("perfmetrics: GET " + path + " answered " + r.statusCode());
      return 1;
    }
    return 0;
  }

  private static void add(List<String> params, String name, String value) {
    if (value != null) {
      params.add(name + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8));
    }
  }
}
