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

/** Sizing reports from a running appliance's admin API: all hosts, or one; JSON or CSV. */
@Command(
    name = "sizing",
    description = "Right-sizing report for all hosts, or for one (collector id or hostname).")
final class SizingCommand implements Callable<Integer> {
  @Mixin AdminClient api;

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
    // unreachable, no token, an untrusted certificate: one line and exit 2, like every command
    return api.print("GET", path, null);
  }

  private static void add(List<String> params, String name, String value) {
    if (value != null) {
      params.add(name + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8));
    }
  }
}
