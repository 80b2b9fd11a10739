package io.perfmetrics.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** deploy, rescan and undeploy: start a job, then follow it host by host until it is done. */
final class DeployCommands {
  private DeployCommands() {}

  abstract static class JobCommand implements Callable<Integer> {
    @Mixin AdminClient api;

    @Parameters(arity = "0..*", description = "target ids (default: all targets)")
    List<Long> targets = List.of();

    @Option(names = "--no-wait", description = "print the job and return at once")
    boolean noWait;

    abstract String path();

    abstract String action();

    boolean force() {
      return false;
    }

    @Override
    public Integer call() throws Exception {
      var body = AdminClient.JSON.createObjectNode().put("force", force());
      if (action() != null) {
        body.put("action", action());
      }
      var ids = body.putArray("target_ids");
      targets.forEach(ids::add);
      AdminClient.Answer started = api.send("POST", path(), body.toString());
      if (!started.ok()) {
        System.err.println("perfmetrics: " + started.problem());
        return 1;
      }
      long id = started.json().get("id").asLong();
      if (noWait) {
        System.out.println(started.body());
        return 0;
      }
      return follow(id);
    }

    private int follow(long id) throws IOException, InterruptedException {
      Set<Long> printed = new HashSet<>();
      while (true) {
        JsonNode job = api.send("GET", path() + "/" + id, null).json();
        for (JsonNode h : job.get("hosts")) {
          String state = h.get("state").asText();
          if (!state.equals("pending")
              && !state.equals("running")
              && printed.add(h.get("target_id").asLong())) {
            System.out.printf(
                "target %d %-24s %-16s %s%n",
                h.get("target_id").asLong(),
                h.get("address").asText(),
                h.path("outcome").asText(),
                h.path("detail").asText(""));
            for (JsonNode c : h.path("checks")) {
              System.out.printf(
                  "    %-4s %-16s %s%n",
                  c.path("result").asText(), c.path("name").asText(), c.path("detail").asText(""));
              if (!c.path("fix").isNull() && !c.path("fix").isMissingNode()) {
                System.out.printf("         fix: %s%n", c.path("fix").asText());
              }
            }
          }
        }
        if (!job.get("state").asText().equals("running")) {
          System.out.printf(
              "job %d %s: %d of %d host(s) done, %d failed%n",
              id,
              job.get("state").asText(),
              job.get("done").asInt(),
              job.get("total").asInt(),
              job.get("failed").asInt());
          return job.get("failed").asInt() == 0 ? 0 : 1;
        }
        Thread.sleep(500);
      }
    }
  }

  @Command(
      name = "deploy",
      description = "Deploy (or with --force redeploy) collectors to targets.")
  static final class Deploy extends JobCommand {
    @Option(names = "--force", description = "redeploy even where a collector is running")
    boolean force;

    @Override
    String path() {
      return "/api/v1/deployments";
    }

    @Override
    String action() {
      return "deploy";
    }

    @Override
    boolean force() {
      return force;
    }
  }

  @Command(
      name = "rescan",
      description =
          "Restart stopped or expired collectors with a new TTL; leave running ones alone.")
  static final class Rescan extends JobCommand {
    @Option(names = "--force", description = "redeploy running collectors too")
    boolean force;

    @Override
    String path() {
      return "/api/v1/rescans";
    }

    @Override
    String action() {
      return null;
    }

    @Override
    boolean force() {
      return force;
    }
  }

  @Command(
      name = "preflight",
      description =
          "Check targets without changing anything on them: login, shell, curl or wget,"
              + " tools folder, /proc, clock, reach to the appliance (Windows: SMB, ADMIN$, Service Control Manager, curl.exe),"
              + " each failure with how to fix it. Exit 1 when a host fails a check.")
  static final class Preflight extends JobCommand {
    @Override
    String path() {
      return "/api/v1/deployments";
    }

    @Override
    String action() {
      return "check";
    }
  }

  @Command(name = "undeploy", description = "Stop collectors and remove their tools folder.")
  static final class Undeploy extends JobCommand {
    @Override
    String path() {
      return "/api/v1/deployments";
    }

    @Override
    String action() {
      return "undeploy";
    }
  }
}
