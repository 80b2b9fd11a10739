package io.perfmetrics.web.console;

import static io.perfmetrics.web.Html.esc;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.perfmetrics.ingest.CollectorRecord;
import io.perfmetrics.ingest.CollectorRegistry;
import io.perfmetrics.web.ApiException;
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
  }

  private void list(Context ctx) {
    List<CollectorRecord> all = collectors.list();
    StringBuilder b = new StringBuilder();
    if (all.isEmpty()) {
      b.append("<p class=\"empty\">No collectors yet: deploy to a target, or mint one with the CLI.</p>");
    } else {
      b.append("<table id=\"collectors\"><thead><tr><th>#</th><th>Label</th><th>Kind</th><th>Target</th><th>Status</th>"
          + "<th>Expires</th><th>TTL left</th><th>Last seen</th></tr></thead><tbody>");
      for (CollectorRecord c : all) {
        b.append("<tr><td><a href=\"/collectors/").append(c.id()).append("\">").append(c.id()).append("</a></td><td>")
            .append(esc(c.label())).append("</td><td>").append(esc(c.kind())).append("</td><td>")
            .append(c.targetId() == null ? "—" : esc(c.targetId())).append("</td><td><span class=\"badge state-")
            .append(esc(status(c))).append("\">").append(esc(status(c))).append("</span></td><td>")
            .append(Fmt.time(c.expiresAt())).append("</td><td>").append(Fmt.duration(ttlLeft(c))).append("</td><td>")
            .append(Fmt.time(c.lastSeenAt())).append("</td></tr>");
      }
      b.append("</tbody></table>");
    }
    ctx.html(console.page(ctx, "Collectors", "/collectors", b.toString()));
  }

  private void show(Context ctx) {
    int id;
    try {
      id = Integer.parseInt(ctx.pathParam("id"));
    } catch (NumberFormatException e) {
      throw ApiException.notFound("no collector " + ctx.pathParam("id"));
    }
    CollectorRecord c = collectors.find(id).orElseThrow(() -> ApiException.notFound("no collector " + id));
    StringBuilder b = new StringBuilder();
    b.append("<dl class=\"facts\"><dt>Label</dt><dd>").append(esc(c.label())).append("</dd><dt>Kind</dt><dd>")
        .append(esc(c.kind())).append("</dd><dt>Target</dt><dd>").append(c.targetId() == null ? "—" : esc(c.targetId()))
        .append("</dd><dt>Status</dt><dd>").append(esc(status(c))).append("</dd><dt>Expires</dt><dd>")
        .append(Fmt.time(c.expiresAt())).append(" (").append(Fmt.duration(ttlLeft(c))).append(" left)</dd><dt>Last seen</dt><dd>")
        .append(Fmt.time(c.lastSeenAt())).append("</dd></dl>")
        .append("<p><a id=\"ports-link\" href=\"/ports/").append(c.id()).append("\">Ports: listeners and findings</a></p>")
        .append("<p class=\"hint\">Last 24 hours, from <code>GET /api/v1/collectors/").append(c.id())
        .append("/samples</code>. <span id=\"chart-status\"></span></p>")
        .append("<div class=\"charts\" id=\"charts\" data-collector-id=\"").append(c.id()).append("\" data-from=\"")
        .append(clock.instant().minus(Duration.ofDays(1)).getEpochSecond()).append("\">")
        .append("<figure><figcaption>CPU busy (%)</figcaption><canvas id=\"chart-cpu\" data-metric=\"cpu.busy_pct\"></canvas></figure>")
        .append("<figure><figcaption>Memory in use (GiB)</figcaption><canvas id=\"chart-mem\" data-metric=\"mem.used_bytes\""
            + " data-total-metric=\"mem.total_bytes\" data-scale=\"1073741824\"></canvas></figure></div>")
        .append("<script src=\"").append(CHART_JS).append("\" defer></script>")
        .append("<script src=\"/static/charts.js\" defer></script>");
    ctx.html(console.page(ctx, "Collector " + c.id() + (c.label() == null ? "" : " · " + c.label()), "/collectors",
        b.toString()));
  }

  private String status(CollectorRecord c) {
    if ("retired".equals(c.status())) {
      return "retired";
    }
    return clock.instant().isBefore(c.expiresAt()) ? "active" : "expired";
  }

  private Long ttlLeft(CollectorRecord c) {
    return "retired".equals(c.status()) ? null : Math.max(0, Duration.between(clock.instant(), c.expiresAt()).toSeconds());
  }
}
