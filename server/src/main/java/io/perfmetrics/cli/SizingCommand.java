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

/** Sizing reports from a running appliance's admin API: all hosts, or one; JSON or CSV. */
@Command(
    name = "sizing",
    description = "Right-sizing report for all hosts, or for one (collector id or hostname).")
final class SizingCommand implements Callable<Integer> {
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

  @Option(
      names = "--provider",
      description = "size for this cloud (aws, azure, gcp); default: each host's own")
  String provider;

  @Option(names = "--region", description = "size for this region; default: each host's own")
  String region;

  @Option(
      names = "--os",
      description = "licence to price: linux or windows; default: each host's OS")
  String os;

  @Option(names = "--pricing", description = "on_demand (default), commit_1y or commit_3y")
  String pricing;

  @Option(names = "--percentile", description = "percentile of the samples to size on (default 95)")
  String percentile;

  @Option(names = "--headroom", description = "factor on top of the percentile (default 1.3)")
  String headroom;

  @Option(names = "--lookback-days", description = "days of history (default 14)")
  String lookbackDays;

  @Option(
      names = "--family",
      description = "allowed families or categories, comma-separated (e.g. m7i,general)")
  String family;

  @Option(names = "--arch", description = "x86_64, arm64 or any (default: the host's own)")
  String arch;

  @Option(
      names = "--horizon-months",
      description =
          "size for the demand significant trends project this many months ahead (default 0)")
  String horizonMonths;

  @Option(
      names = "--storage-size",
      description =
          "size each disk on its used space x headroom (used, default) or on its size now"
              + " (provisioned)")
  String storageSize;

  @Override
  public Integer call() throws Exception {
    if (token == null || token.isBlank()) {
      System.err.println(
          "perfmetrics: no admin token: set PERFMETRICS_ADMIN_TOKEN or pass --token");
      return 2;
    }
    List<String> params = new ArrayList<>();
    add(params, "provider", provider);
    add(params, "region", region);
    add(params, "os", os);
    add(params, "pricing", pricing);
    add(params, "percentile", percentile);
    add(params, "headroom", headroom);
    add(params, "lookback_days", lookbackDays);
    add(params, "family", family);
    add(params, "arch", arch);
    add(params, "horizon_months", horizonMonths);
    add(params, "storage_size", storageSize);
    if (csv) {
      params.add("format=csv");
    }
    String path =
        "/api/v1/sizing"
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
