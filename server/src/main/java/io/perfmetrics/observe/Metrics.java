package io.perfmetrics.observe;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.perfmetrics.ingest.CollectorRegistry;
import io.perfmetrics.sizing.Rollup;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import javax.sql.DataSource;

/**
 * The appliance's figures for an operator's monitoring, served as {@code GET /metrics} in the
 * Prometheus text format. Features that count events (ingest, deploy, scans, the report cache) get
 * {@link #registry()} by constructor; figures that live in the database (collectors by state,
 * rollup lag) and the pool are read when scraped. Who may scrape is decided by the web layer.
 */
public final class Metrics implements AutoCloseable {
  public static final String PATH = "/metrics";

  /** An active collector whose TTL ends within this counts as expiring. */
  static final Duration EXPIRING_WITHIN = Duration.ofDays(1);

  /** Several gauges share one query; a scrape reads it once, not once per gauge. */
  private static final Duration STORED_FIGURES_FRESH = Duration.ofSeconds(1);

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final JvmGcMetrics gc = new JvmGcMetrics();

  public Metrics() {
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
  }

  public MeterRegistry registry() {
    return registry;
  }

  /**
   * Connections of the HikariCP pool: active, idle, open (both), threads waiting, and its maximum.
   */
  public Metrics watchPool(DataSource dataSource) {
    if (dataSource instanceof HikariDataSource hikari) {
      poolGauge("perfmetrics.db.pool.active", hikari, HikariPoolMXBean::getActiveConnections);
      poolGauge("perfmetrics.db.pool.idle", hikari, HikariPoolMXBean::getIdleConnections);
      poolGauge("perfmetrics.db.pool.open", hikari, HikariPoolMXBean::getTotalConnections);
      poolGauge(
          "perfmetrics.db.pool.pending", hikari, HikariPoolMXBean::getThreadsAwaitingConnection);
      Gauge.builder("perfmetrics.db.pool.max", hikari, HikariDataSource::getMaximumPoolSize)
          .description("most connections the pool opens")
          .register(registry);
    }
    return this;
  }

  private void poolGauge(
      String name, HikariDataSource hikari, ToDoubleFunction<HikariPoolMXBean> figure) {
    Gauge.builder(
            name,
            hikari,
            h ->
                h.getHikariPoolMXBean() == null
                    ? Double.NaN
                    : figure.applyAsDouble(h.getHikariPoolMXBean()))
        .description("database pool connections")
        .register(registry);
  }

  /** Collectors by state (active, expiring within a day, expired, retired), from the database. */
  public Metrics watchCollectors(CollectorRegistry collectors) {
    Supplier<CollectorRegistry.Counts> counts = fresh(() -> collectors.counts(EXPIRING_WITHIN));
    collectorGauge("active", counts, CollectorRegistry.Counts::active);
    collectorGauge("expiring", counts, CollectorRegistry.Counts::expiring);
    collectorGauge("expired", counts, CollectorRegistry.Counts::expired);
    collectorGauge("retired", counts, CollectorRegistry.Counts::retired);
    return this;
  }

  private void collectorGauge(
      String state,
      Supplier<CollectorRegistry.Counts> counts,
      ToDoubleFunction<CollectorRegistry.Counts> figure) {
    Gauge.builder("perfmetrics.collectors", () -> figure.applyAsDouble(counts.get()))
        .description("collectors by state; expiring = active with less than a day of TTL left")
        .tag("state", state)
        .register(registry);
  }

  /** How long the oldest due sizing rollup has waited. */
  public Metrics watchRollup(Rollup rollup) {
    Gauge.builder("perfmetrics.sizing.rollup.lag", rollup, Rollup::lagSeconds)
        .description("how long the oldest hour due for a sizing rollup has waited")
        .baseUnit("seconds")
        .register(registry);
    return this;
  }

  /** The route, and a timer of every HTTP request by route template and status. */
  public void register(JavalinConfig cfg) {
    cfg.requestLogger.http(this::count);
    cfg.routes.get(PATH, this::scrape);
  }

  private void scrape(Context ctx) {
    ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(registry.scrape());
  }

  private record RequestKey(String method, String route, int status) {}

  /**
   * The request timers by their tags: building a meter id (tags sorted, a String per status) on
   * every request cost more than recording it. Bounded by routes x methods x statuses.
   */
  private final ConcurrentHashMap<RequestKey, Timer> requestTimers = new ConcurrentHashMap<>();

  private void count(Context ctx, Float millis) {
    requestTimers
        .computeIfAbsent(
            new RequestKey(ctx.method().name(), route(ctx), ctx.statusCode()),
            k ->
                Timer.builder("perfmetrics.http.requests")
                    .description(
                        "HTTP requests by route template and status (ingest refusals: route"
                            + " /api/v1/metrics)")
                    .tag("method", k.method())
                    .tag("route", k.route())
                    .tag("status", Integer.toString(k.status()))
                    .register(registry))
        .record((long) (millis * 1_000_000L), TimeUnit.NANOSECONDS);
  }

  /** The route's template (/api/v1/collectors/{id}), never the raw path: labels stay few. */
  private static String route(Context ctx) {
    if (ctx.statusCode() == 404) {
      return "unmatched";
    }
    String path = ctx.path();
    if (path.startsWith("/static/") || path.startsWith("/webjars/")) {
      return "static";
    }
    try {
      var endpoint = ctx.endpoints().matchedHttpEndpoint();
      return endpoint == null || endpoint.path.equals("*") ? "unmatched" : endpoint.path;
    } catch (RuntimeException e) {
      return "unmatched";
    }
  }

  private static <T> Supplier<T> fresh(Supplier<T> read) {
    return new Supplier<>() {
      private T value;
      private long readAt;

      @Override
      public synchronized T get() {
        long now = System.nanoTime();
        if (value == null || now - readAt > STORED_FIGURES_FRESH.toNanos()) {
          value = read.get();
          readAt = now;
        }
        return value;
      }
    };
  }

  @Override
  public void close() {
    gc.close();
    registry.close();
  }
}
