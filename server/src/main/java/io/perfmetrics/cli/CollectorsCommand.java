package io.perfmetrics.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** Collector administration through a running appliance's admin API. */
@Command(
    name = "collectors",
    description = "Mint, list and retire collectors on a running appliance.",
    subcommands = {
      CollectorsCommand.Create.class,
      CollectorsCommand.ListCollectors.class,
      CollectorsCommand.Retire.class
    })
final class CollectorsCommand {
  @Mixin AdminClient api;

  @Command(name = "create", description = "Mint a collector; prints its id and token (shown once).")
  static final class Create implements Callable<Integer> {
    @ParentCommand CollectorsCommand parent;

    @Option(names = "--label", description = "free text, e.g. the host name")
    String label;

    @Option(
        names = "--ttl-days",
        defaultValue = "14",
        description = "time to live in days (default 14)")
    int ttlDays;

    @Override
    public Integer call() throws Exception {
      var body = AdminClient.JSON.createObjectNode().put("label", label).put("ttl_days", ttlDays);
      return parent.api.print("POST", "/api/v1/collectors", body.toString());
    }
  }

  @Command(name = "list", description = "List collectors.")
  static final class ListCollectors implements Callable<Integer> {
    @ParentCommand CollectorsCommand parent;

    @Override
    public Integer call() {
      return parent.api.print("GET", "/api/v1/collectors", null);
    }
  }

  @Command(
      name = "retire",
      description = "Retire a collector: its next request gets 410 and it stops.")
  static final class Retire implements Callable<Integer> {
    @ParentCommand CollectorsCommand parent;

    @Parameters(index = "0", description = "collector id")
    int id;

    @Override
    public Integer call() {
      return parent.api.print("DELETE", "/api/v1/collectors/" + id, null);
    }
  }
}
