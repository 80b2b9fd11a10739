package io.perfmetrics.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** The dependency map of a running appliance, and the operator's pins, exclusions and rules. */
@Command(
    name = "dependencies",
    description =
        "Dependency map: which hosts talk to which (JSON, or CSV of the edges with --csv); its"
            + " subcommands pin hosts to move groups, exclude edges and extend the infrastructure"
            + " list.",
    subcommands = {
      DependenciesCommand.PinHost.class,
      DependenciesCommand.Unpin.class,
      DependenciesCommand.Exclude.class,
      DependenciesCommand.Unexclude.class,
      DependenciesCommand.Infrastructure.class
    })
final class DependenciesCommand implements Callable<Integer> {
  @Mixin AdminClient api;

  @Option(names = "--host", description = "only edges of this host (collector id or hostname)")
  String host;

  @Option(names = "--group", description = "only edges touching this move group (its id)")
  String group;

  @Option(names = "--port", description = "only edges to this server port")
  Integer port;

  @Option(names = "--window-days", description = "the last N days (default 14)")
  Integer windowDays;

  @Option(names = "--no-infrastructure", description = "leave infrastructure edges out")
  boolean noInfrastructure;

  @Option(names = "--csv", description = "CSV of the edges instead of JSON")
  boolean csv;

  @Override
  public Integer call() {
    ApiPath path =
        ApiPath.of("/api/v1/dependencies")
            .param("host", host)
            .param("group", group)
            .param("port", port)
            .param("window_days", windowDays)
            .param("include_infrastructure", "false", noInfrastructure)
            .param("format", "csv", csv);
    return api.print("GET", path.toString(), null);
  }

  @Command(name = "pin", description = "Pin a host to a named move group.")
  static final class PinHost implements Callable<Integer> {
    @ParentCommand DependenciesCommand parent;

    @Parameters(index = "0", description = "collector id or hostname")
    String host;

    @Parameters(index = "1", description = "group name")
    String group;

    @Option(names = "--note", description = "why")
    String note;

    @Override
    public Integer call() {
      var body = AdminClient.JSON.createObjectNode().put("group", group);
      if (note != null) {
        body.put("note", note);
      }
      return parent.api.print(
          "PUT", ApiPath.of("/api/v1/dependency-pins").segment(host).toString(), body.toString());
    }
  }

  @Command(name = "unpin", description = "Take a host's pin away.")
  static final class Unpin implements Callable<Integer> {
    @ParentCommand DependenciesCommand parent;

    @Parameters(index = "0", description = "collector id or hostname")
    String host;

    @Override
    public Integer call() {
      return parent.api.print(
          "DELETE", ApiPath.of("/api/v1/dependency-pins").segment(host).toString(), null);
    }
  }

  @Command(name = "exclude", description = "Keep an edge out of grouping (it stays on the map).")
  static final class Exclude implements Callable<Integer> {
    @ParentCommand DependenciesCommand parent;

    @Parameters(index = "0", description = "client: collector id or hostname")
    String client;

    @Parameters(index = "1", description = "server: collector id or hostname")
    String server;

    @Option(names = "--port", description = "server port (default: every port)")
    Integer port;

    @Option(names = "--proto", description = "tcp or udp (default: both)")
    String proto;

    @Option(names = "--note", description = "why")
    String note;

    @Override
    public Integer call() {
      var body = AdminClient.JSON.createObjectNode().put("client", client).put("server", server);
      if (port != null) {
        body.put("port", port);
      }
      if (proto != null) {
        body.put("proto", proto);
      }
      if (note != null) {
        body.put("note", note);
      }
      return parent.api.print("POST", "/api/v1/dependency-exclusions", body.toString());
    }
  }

  @Command(name = "unexclude", description = "Delete an exclusion (by its id).")
  static final class Unexclude implements Callable<Integer> {
    @ParentCommand DependenciesCommand parent;

    @Parameters(index = "0", description = "exclusion id")
    long id;

    @Override
    public Integer call() {
      return parent.api.print("DELETE", "/api/v1/dependency-exclusions/" + id, null);
    }
  }

  @Command(
      name = "infrastructure",
      description =
          "List infrastructure services, or add one: --port N, --address CIDR or --host HOST"
              + " with --label; --delete ID removes one.")
  static final class Infrastructure implements Callable<Integer> {
    @ParentCommand DependenciesCommand parent;

    @Option(names = "--port", description = "a server port")
    Integer port;

    @Option(names = "--proto", description = "with --port: tcp or udp (default both)")
    String proto;

    @Option(names = "--address", description = "an address or range, e.g. 10.0.0.0/24")
    String address;

    @Option(names = "--host", description = "a host: collector id or hostname")
    String host;

    @Option(names = "--label", description = "what it is, e.g. monitoring")
    String label;

    @Option(names = "--delete", description = "delete the rule with this id")
    Long delete;

    @Override
    public Integer call() {
      if (delete != null) {
        return parent.api.print("DELETE", "/api/v1/dependency-infrastructure/" + delete, null);
      }
      if (port == null && address == null && host == null) {
        return parent.api.print("GET", "/api/v1/dependency-infrastructure", null);
      }
      var body = AdminClient.JSON.createObjectNode();
      if (port != null) {
        body.put("kind", "port").put("port", port);
        if (proto != null) {
          body.put("proto", proto);
        }
      } else if (address != null) {
        body.put("kind", "address").put("address", address);
      } else {
        body.put("kind", "host").put("host", host);
      }
      if (label != null) {
        body.put("label", label);
      }
      return parent.api.print("POST", "/api/v1/dependency-infrastructure", body.toString());
    }
  }
}
