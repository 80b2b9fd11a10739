package io.perfmetrics.web.console;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.perfmetrics.http.ApiException;
import io.perfmetrics.ingest.CollectorRecord;
import io.perfmetrics.ingest.CollectorRegistry;
import io.perfmetrics.web.Console;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * {@code /collectors} and {@code /collectors/{id}}: the latter draws CPU and memory over time from
 * {@code GET /api/v1/collectors/{id}/samples} with the chart library the appliance serves itself.
 */
public final class CollectorPages {
  /** The chart library, from its webjar on the classpath: no CDN. */
  public static final String CHART_JS = "/webjars/chart.js/4.5.1/dist/chart.umd.min.js";

  /**
   * A collector, its status now (active, expired, retired), the TTL it has left, where its charts
   * start (epoch s).
   */
  public record Row(
      CollectorRecord collector, String status, Long ttlLeftSeconds, long chartFrom) {}

  public record ListModel(List<Row> rows) {}

  private final Console console;
  private final CollectorRegistry collectors;
  private final Clock clock;

  public CollectorPages(Console console, CollectorRegistry collectors, Clock clock) {
    this.console = console;
    this.collectors = collectors;
    this.clock = clock;
  }

  public void register(RoutesConfig routes) {
    routes.get("/collectors", this::list);
    routes.get("/collectors/{id}", this::show);
    // what DELETE /api/v1/collectors/{id} does: its next request gets 410 and it stops; the way
    // to end a collector whose host is gone (an undeploy needs the host)
    routes.post(
        "/collectors/{id}/retire",
        ctx -> {
          long id = Pages.id(ctx);
          if (id > Integer.MAX_VALUE || !collectors.retire((int) id)) {
            throw ApiException.notFound("no collector " + id);
          }
          Pages.back(
              ctx,
              "/collectors/" + id,
              "msg",
              "Collector " + id + " retired: it stops at its next upload.");
        });
  }

  private void list(Context ctx) {
    List<Row> rows = collectors.list().stream().map(c -> row(c, 0)).toList();
    console.render(ctx, "collectors.jte", "Collectors", "/collectors", new ListModel(rows));
  }

  private void show(Context ctx) {
    int id;
    try {
      id = Integer.parseInt(ctx.pathParam("id"));
    } catch (NumberFormatException e) {
      throw ApiException.notFound("no collector " + ctx.pathParam("id"));
    }
    CollectorRecord c =
        collectors.find(id).orElseThrow(() -> ApiException.notFound("no collector " + id));
    console.render(
        ctx,
        "collector.jte",
        "Collector " + c.id() + (c.label() == null ? "" : " · " + c.label()),
        "/collectors",
        row(c, clock.instant().minus(Duration.ofDays(1)).getEpochSecond()));
  }

  private Row row(CollectorRecord c, long chartFrom) {
    return new Row(c, status(c), ttlLeft(c), chartFrom);
  }

  private String status(CollectorRecord c) {
    if ("retired".equals(c.status())) {
      return "retired";
    }
    return clock.instant().isBefore(c.expiresAt()) ? "active" : "expired";
  }

  private Long ttlLeft(CollectorRecord c) {
    return "retired".equals(c.status())
        ? null
        : Math.max(0, Duration.between(clock.instant(), c.expiresAt()).toSeconds());
  }
}
