package io.perfmetrics.cli;

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
    ApiPath path =
        ApiPath.of("/api/v1/sizing")
            .segment(host)
            .param("provider", provider)
            .param("region", region)
            .param("os", os)
            .param("pricing", pricing)
            .param("percentile", percentile)
            .param("headroom", headroom)
            .param("lookback_days", lookbackDays)
            .param("family", family)
            .param("arch", arch)
            .param("horizon_months", horizonMonths)
            .param("storage_size", storageSize)
            .param("format", "csv", csv);
    // unreachable, no token, an untrusted certificate: one line and exit 2, like every command
    return api.print("GET", path.toString(), null);
  }
}
