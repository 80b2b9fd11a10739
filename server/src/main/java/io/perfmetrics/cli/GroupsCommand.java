package io.perfmetrics.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Move groups of a running appliance: all (summaries) or one (with edges and explanation). */
@Command(
    name = "groups",
    description =
        "Move groups: hosts that move together, with their sizing totals; one group (by id) with"
            + " its edges and why each host is in it.")
final class GroupsCommand implements Callable<Integer> {
  @Mixin AdminClient api;

  @Parameters(index = "0", arity = "0..1", description = "group id (g<host id> or pin:<name>)")
  String id;

  @Option(names = "--window-days", description = "the last N days (default 14)")
  Integer windowDays;

  @Option(names = "--min-hours", description = "only edges seen in at least N hours join hosts")
  Integer minHours;

  @Option(
      names = "--include-infrastructure",
      description = "let infrastructure edges join hosts too")
  boolean includeInfrastructure;

  @Option(names = "--provider", description = "cost as if moved to aws, azure or gcp")
  String provider;

  @Option(names = "--region", description = "cost in this region")
  String region;

  @Option(names = "--csv", description = "CSV instead of JSON")
  boolean csv;

  @Override
  public Integer call() {
    ApiPath path =
        ApiPath.of("/api/v1/groups")
            .segment(id)
            .param("window_days", windowDays)
            .param("min_hours", minHours)
            .param("include_infrastructure", "true", includeInfrastructure)
            .param("provider", provider)
            .param("region", region)
            .param("format", "csv", csv);
    return api.print("GET", path.toString(), null);
  }
}
