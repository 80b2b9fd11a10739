package io.perfmetrics.web.console;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.perfmetrics.deploy.TargetStatuses;
import io.perfmetrics.ingest.CollectorRecord;
import io.perfmetrics.ingest.CollectorRegistry;
import io.perfmetrics.targets.TargetStore;
import io.perfmetrics.web.Console;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import javax.sql.DataSource;

/**
 * {@code /}: targets by status, samples per minute, collectors expiring within 24 h
 * (templates/console/overview.jte).
 */
public final class OverviewPage {
  /** How many targets are in one state. */
  public record StateCount(String state, int count) {}

  /** A collector about to expire, and the seconds it has left. */
  public record Expiring(CollectorRecord collector, long leftSeconds) {}

  public record Model(
      List<StateCount> byStatus,
      double samplesPerMinute,
      long rateWindowMinutes,
      int targets,
      List<Expiring> expiringSoon,
      double databaseGb,
      java.time.@org.jspecify.annotations.Nullable Instant oldestSample) {}

  private final Console console;
  private final Overview overview;
  private final Clock clock;

  public OverviewPage(
      Console console,
      DataSource dataSource,
      TargetStore targets,
      TargetStatuses statuses,
      CollectorRegistry collectors,
      Clock clock) {
    this.console = console;
    this.overview = new Overview(dataSource, targets, statuses, collectors, clock);
    this.clock = clock;
  }

  public void register(RoutesConfig routes) {
    routes.get("/", this::show);
  }

  private void show(Context ctx) {
    Overview.Figures f = overview.figures();
    List<StateCount> byStatus =
        f.byStatus().entrySet().stream()
            .map(e -> new StateCount(e.getKey(), e.getValue()))
            .toList();
    List<Expiring> soon =
        f.expiringSoon().stream()
            .map(c -> new Expiring(c, Duration.between(clock.instant(), c.expiresAt()).toSeconds()))
            .toList();
    console.render(
        ctx,
        "overview.jte",
        "Overview",
        "/",
        new Model(
            byStatus,
            f.samplesPerMinute(),
            Overview.RATE_WINDOW.toMinutes(),
            f.targets(),
            soon,
            f.storage().databaseBytes() / 1e9,
            f.storage().oldestSample()));
  }
}
