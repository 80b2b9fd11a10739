package io.perfmetrics.web.console;

import static io.perfmetrics.web.Html.esc;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.perfmetrics.deploy.TargetStatuses;
import io.perfmetrics.ingest.CollectorRegistry;
import io.perfmetrics.targets.TargetStore;
import io.perfmetrics.web.Console;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import javax.sql.DataSource;

/** {@code /}: targets by status, samples per minute, collectors expiring within 24 h. */
public final class OverviewPage {
  private final Console console;
  private final Overview overview;
  private final Clock clock;

  public OverviewPage(Console console, DataSource dataSource, TargetStore targets, TargetStatuses statuses,
      CollectorRegistry collectors, Clock clock) {
    this.console = console;
    this.overview = new Overview(dataSource, targets, statuses, collectors, clock);
    this.clock = clock;
  }

  public void register(RoutesConfig routes) {
    routes.get("/", this::show);
  }

  private void show(Context ctx) {
    Overview.Figures f = overview.figures();
    StringBuilder b = new StringBuilder();
    b.append("<section class=\"cards\">");
    for (var e : f.byStatus().entrySet()) {
      b.append("<a class=\"card state-").append(esc(e.getKey())).append("\" href=\"/targets\" id=\"count-")
          .append(esc(e.getKey())).append("\"><span class=\"num\">").append(e.getValue())
          .append("</span><span class=\"label\">").append(esc(Fmt.state(e.getKey()))).append("</span></a>");
    }
    b.append("</section><section class=\"cards\"><div class=\"card\" id=\"samples-rate\"><span class=\"num\">")
        .append(String.format(Locale.ROOT, "%,.1f", f.samplesPerMinute()))
        .append("</span><span class=\"label\">samples per minute (last ")
        .append(Overview.RATE_WINDOW.toMinutes()).append(" min)</span></div><div class=\"card\"><span class=\"num\">")
        .append(f.targets()).append("</span><span class=\"label\">targets</span></div>")
        .append("<div class=\"card\" id=\"disk-used\"><span class=\"num\">")
        .append(String.format(Locale.ROOT, "%,.1f", f.storage().databaseBytes() / 1e9))
        .append("</span><span class=\"label\">GB database on disk</span></div>")
        .append("<div class=\"card\" id=\"oldest-sample\"><span class=\"num\">")
        .append(f.storage().oldestSample() == null ? "—" : Fmt.time(f.storage().oldestSample()))
        .append("</span><span class=\"label\">oldest sample kept</span></div></section>");
    b.append("<h2>Collectors expiring in the next 24 h</h2>");
    if (f.expiringSoon().isEmpty()) {
      b.append("<p class=\"empty\" id=\"expiring-none\">None.</p>");
    } else {
      b.append("<table id=\"expiring\"><thead><tr><th>Collector</th><th>Label</th><th>Target</th><th>Expires</th>"
          + "<th>Left</th></tr></thead><tbody>");
      for (var c : f.expiringSoon()) {
        b.append("<tr><td><a href=\"/collectors/").append(c.id()).append("\">").append(c.id()).append("</a></td><td>")
            .append(esc(c.label())).append("</td><td>").append(c.targetId() == null ? "—" : esc(c.targetId()))
            .append("</td><td>").append(Fmt.time(c.expiresAt())).append("</td><td>")
            .append(Fmt.duration(Duration.between(clock.instant(), c.expiresAt()).toSeconds())).append("</td></tr>");
      }
      b.append("</tbody></table><p>A rescan restarts expired collectors with a fresh TTL: <a href=\"/targets\">Targets</a>.</p>");
    }
    ctx.html(console.page(ctx, "Overview", "/", b.toString()));
  }
}
