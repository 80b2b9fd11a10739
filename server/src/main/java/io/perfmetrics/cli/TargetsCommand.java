package io.perfmetrics.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** Targets: the hosts collectors are deployed to. */
@Command(
    name = "targets",
    description = "Add, list and remove targets; show collector status; accept a changed host key.",
    subcommands = {
      TargetsCommand.Add.class,
      TargetsCommand.ListTargets.class,
      TargetsCommand.Remove.class,
      TargetsCommand.Status.class,
      TargetsCommand.AcceptHostKey.class
    })
final class TargetsCommand {
  @Mixin AdminClient api;

  @Command(name = "add", description = "Add a target.")
  static final class Add implements Callable<Integer> {
    @ParentCommand TargetsCommand parent;

    @Option(names = "--address", required = true, description = "host name or IP address")
    String address;

    @Option(
        names = "--port",
        description = "SSH or SMB port (default 22 for unix, 445 for windows)")
    Integer port;

    @Option(
        names = "--os",
        defaultValue = "unix",
        description = "unix or windows (default ${DEFAULT-VALUE})")
    String os;

    @Option(names = "--credential", description = "credential id")
    Long credential;

    @Override
    public Integer call() {
      var b = AdminClient.JSON.createObjectNode().put("address", address).put("os_family", os);
      if (port != null) {
        b.put("port", port);
      }
      if (credential != null) {
        b.put("credential_id", credential);
      }
      return parent.api.print("POST", "/api/v1/targets", b.toString());
    }
  }

  @Command(name = "list", description = "List targets.")
  static final class ListTargets implements Callable<Integer> {
    @ParentCommand TargetsCommand parent;

    @Override
    public Integer call() {
      return parent.api.print("GET", "/api/v1/targets", null);
    }
  }

  @Command(
      name = "remove",
      description =
          "Remove a target; refused while it has an active collector: undeploy it first, or"
              + " retire the collector of a host that is gone.")
  static final class Remove implements Callable<Integer> {
    @ParentCommand TargetsCommand parent;

    @Parameters(index = "0", description = "target id")
    long id;

    @Override
    public Integer call() {
      return parent.api.print("DELETE", "/api/v1/targets/" + id, null);
    }
  }

  @Command(
      name = "status",
      description =
          "Collector status per target: running, stopped, expired, never_deployed, failed, removed; TTL left; last seen.")
  static final class Status implements Callable<Integer> {
    @ParentCommand TargetsCommand parent;

    @Parameters(index = "0", arity = "0..1", description = "target id (default: all)")
    Long id;

    @Override
    public Integer call() {
      return parent.api.print(
          "GET", id == null ? "/api/v1/status" : "/api/v1/targets/" + id + "/status", null);
    }
  }

  @Command(
      name = "accept-host-key",
      description = "Accept a target's changed SSH host key (after checking it out of band).")
  static final class AcceptHostKey implements Callable<Integer> {
    @ParentCommand TargetsCommand parent;

    @Parameters(index = "0", description = "target id")
    long id;

    @Override
    public Integer call() {
      return parent.api.print("POST", "/api/v1/targets/" + id + "/host-key/accept", null);
    }
  }
}
