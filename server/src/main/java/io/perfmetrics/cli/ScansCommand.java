package io.perfmetrics.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** Discovery scans through a running appliance's admin API. */
@Command(
    name = "scans",
    description = "Start, show and cancel discovery scans on a running appliance.",
    subcommands = {ScansCommand.Start.class, ScansCommand.Show.class, ScansCommand.Cancel.class})
final class ScansCommand {
  @Mixin AdminClient api;

  int call(String method, String path, String body) {
    return api.print(method, path, body);
  }

  @Command(name = "start", description = "Start a scan of CIDR ranges, addresses and DNS names.")
  static final class Start implements Callable<Integer> {
    @ParentCommand ScansCommand parent;

    @Parameters(arity = "1..*", description = "CIDR ranges, IPv4 addresses, DNS names")
    List<String> targets = new ArrayList<>();

    @Option(names = "--exclude", split = ",", description = "CIDR ranges to skip")
    List<String> exclude = new ArrayList<>();

    @Option(names = "--force", description = "allow more than a /16")
    boolean force;

    @Override
    public Integer call() throws Exception {
      return parent.call(
          "POST",
          "/api/v1/scans",
          "{\"targets\":"
              + array(targets)
              + ",\"exclude\":"
              + array(exclude)
              + ",\"force\":"
              + force
              + "}");
    }
  }

  @Command(name = "show", description = "Show a scan's progress (or list scans without an id).")
  static final class Show implements Callable<Integer> {
    @ParentCommand ScansCommand parent;

    @Parameters(index = "0", arity = "0..1", description = "scan id")
    Long id;

    @Option(names = "--hosts", description = "list the scan's addresses and what was found")
    boolean hosts;

    @Override
    public Integer call() throws Exception {
      if (id == null) {
        return parent.call("GET", "/api/v1/scans", null);
      }
      return parent.call("GET", "/api/v1/scans/" + id + (hosts ? "/hosts" : ""), null);
    }
  }

  @Command(name = "cancel", description = "Cancel a running scan.")
  static final class Cancel implements Callable<Integer> {
    @ParentCommand ScansCommand parent;

    @Parameters(index = "0", description = "scan id")
    long id;

    @Override
    public Integer call() throws Exception {
      return parent.call("POST", "/api/v1/scans/" + id + "/cancel", null);
    }
  }

  static String array(List<String> items) {
    List<String> quoted = new ArrayList<>();
    for (String s : items) {
      quoted.add("\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"");
    }
    return "[" + String.join(",", quoted) + "]";
  }
}
