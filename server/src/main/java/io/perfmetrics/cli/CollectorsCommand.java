package io.perfmetrics.cli;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ScopeType;
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
class CollectorsCommand {
  @Option(names = "--url", scope = ScopeType.INHERIT, defaultValue = "${env:PERFMETRICS_URL:-http://127.0.0.1:8080}",
      description = "appliance URL (env PERFMETRICS_URL, default ${DEFAULT-VALUE})")
  String url;

  @Option(names = "--token", scope = ScopeType.INHERIT, defaultValue = "${env:PERFMETRICS_ADMIN_TOKEN}",
      description = "admin token (env PERFMETRICS_ADMIN_TOKEN)")
  String token;

  int call(String method, String path, String body) throws IOException, InterruptedException {
    if (token == null || token.isBlank()) {
      System.err.println("perfmetrics: no admin token: set PERFMETRICS_ADMIN_TOKEN or pass --token");
      return 2;
    }
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(url + path))
            .timeout(Duration.ofSeconds(30))
            .header("Authorization", "Bearer " + token)
            .header("Content-Type", "application/json");
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    HttpResponse<String> r;
    try (HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
      r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      System.err.println("perfmetrics: cannot reach " + url + ": " + e);
      return 1;
    }
    if (!r.body().isEmpty()) {
      System.out.println(r.body());
    }
    if (r.statusCode() >= 300) {
      System.err.println("perfmetrics: " + method + " " + path + " answered " + r.statusCode());
      return 1;
    }
    return 0;
  }

  @Command(name = "create", description = "Mint a collector; prints its id and token (shown once).")
  static final class Create implements Callable<Integer> {
    @ParentCommand CollectorsCommand parent;

    @Option(names = "--label", description = "free text, e.g. the host name")
    String label;

    @Option(names = "--ttl-days", defaultValue = "14", description = "time to live in days (default 14)")
    int ttlDays;

    @Override
    public Integer call() throws Exception {
      String labelJson = label == null ? "null" : "\"" + label.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
      return parent.call("POST", "/api/v1/collectors", "{\"label\":" + labelJson + ",\"ttl_days\":" + ttlDays + "}");
    }
  }

  @Command(name = "list", description = "List collectors.")
  static final class ListCollectors implements Callable<Integer> {
    @ParentCommand CollectorsCommand parent;

    @Override
    public Integer call() throws Exception {
      return parent.call("GET", "/api/v1/collectors", null);
    }
  }

  @Command(name = "retire", description = "Retire a collector: its next request gets 410 and it stops.")
  static final class Retire implements Callable<Integer> {
    @ParentCommand CollectorsCommand parent;

    @Parameters(index = "0", description = "collector id")
    int id;

    @Override
    public Integer call() throws Exception {
      return parent.call("DELETE", "/api/v1/collectors/" + id, null);
    }
  }
}
