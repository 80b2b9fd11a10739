package io.perfmetrics;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.github.benmanes.caffeine.cache.Ticker;
import io.javalin.Javalin;
import io.javalin.json.JavalinJackson;
import io.perfmetrics.config.Config;
import io.perfmetrics.ingest.CollectorRegistry;
import io.perfmetrics.ingest.CollectorRoutes;
import io.perfmetrics.ingest.HelloService;
import io.perfmetrics.ingest.IngestRoutes;
import io.perfmetrics.ingest.LastSeenTracker;
import io.perfmetrics.ingest.MetricIds;
import io.perfmetrics.ingest.SampleReader;
import io.perfmetrics.ingest.SampleWriter;
import io.perfmetrics.ingest.SamplesParser;
import io.perfmetrics.sizing.CatalogSource;
import io.perfmetrics.sizing.DirtyHours;
import io.perfmetrics.sizing.Rollup;
import io.perfmetrics.sizing.SizingRoutes;
import io.perfmetrics.sizing.SizingService;
import io.perfmetrics.sizing.SizingStore;
import io.perfmetrics.store.Database;
import io.perfmetrics.web.AdminTokens;
import io.perfmetrics.web.WebSupport;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The appliance, wired by hand in dependency order. Integration tests build the real thing
 * through this class on a free port.
 */
public final class App implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(App.class);
  /** How often ended hours are rolled up for sizing; reports cover samples up to the last full hour. */
  static final Duration ROLLUP_EVERY = Duration.ofSeconds(15);

  private final Config config;
  private final SampleWriter writer;
  private final LastSeenTracker lastSeen;
  private final CollectorRegistry collectors;
  private final AdminTokens adminTokens;
  private final Rollup rollup;
  private final ScheduledExecutorService rollupTimer;
  private final Javalin javalin;

  public App(Config config, Database database, Clock clock, Ticker ticker) {
    this(config, database, clock, ticker, ROLLUP_EVERY);
  }

  /**
   * @param rollupEvery period of the background sizing rollup; zero for none (tests and
   *     benchmarks that drive {@link #sizingRollup()} themselves)
   */
  public App(Config config, Database database, Clock clock, Ticker ticker, Duration rollupEvery) {
    this.config = config;
    var ds = database.dataSource();
    ObjectMapper json = jsonMapper();

    collectors = new CollectorRegistry(ds, clock, ticker);
    MetricIds metricIds = new MetricIds(ds);
    writer = new SampleWriter(ds, config.ingest(), new DirtyHours(clock));
    lastSeen = new LastSeenTracker(ds, clock, Duration.ofSeconds(10));
    adminTokens = new AdminTokens(ds, config.adminToken());

    var ingest =
        new IngestRoutes(
            collectors,
            new SamplesParser(metricIds, clock),
            writer,
            new HelloService(ds, json, clock),
            lastSeen,
            config.ingest());
    var collectorAdmin = new CollectorRoutes(collectors, new SampleReader(ds), json, clock);
    var web = new WebSupport(adminTokens, database);

    var catalogs = new CatalogSource(config.catalog(), clock, Duration.ofSeconds(10));
    var sizing = new SizingService(new SizingStore(ds), catalogs, clock, ticker, Duration.ofMinutes(10));
    rollup = new Rollup(ds, clock, sizing::invalidate);
    var sizingRoutes = new SizingRoutes(sizing);
    rollupTimer =
        Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().name("sizing-rollup").daemon().unstarted(r));
    if (!rollupEvery.isZero()) {
      rollupTimer.scheduleWithFixedDelay(
          () -> {
            try {
              rollup.runOnce();
            } catch (RuntimeException e) {
              // the next run starts over from the marks; nothing is lost
              log.warn("sizing rollup: {}", e.getMessage());
            }
          },
          rollupEvery.toMillis(), rollupEvery.toMillis(), TimeUnit.MILLISECONDS);
    }

    javalin =
        Javalin.create(
            cfg -> {
              cfg.startup.showJavalinBanner = false;
              cfg.concurrency.useVirtualThreads = true;
              // the receiver enforces the protocol's 1 MiB itself, with a 413 that says so
              cfg.http.maxRequestSize = config.ingest().maxBodyBytes() + 1L;
              cfg.jsonMapper(new JavalinJackson(json, true));
              // a fleet of collectors may connect at the same moment (every upload period)
              cfg.jetty.modifyServer(
                  server -> {
                    for (var connector : server.getConnectors()) {
                      if (connector instanceof org.eclipse.jetty.server.ServerConnector sc) {
                        sc.setAcceptQueueSize(1024);
                      }
                    }
                  });
              web.register(cfg);
              ingest.register(cfg.routes);
              collectorAdmin.register(cfg.routes);
              sizingRoutes.register(cfg.routes);
            });
  }

  public static ObjectMapper jsonMapper() {
    return new ObjectMapper()
        .registerModule(new JavaTimeModule())
        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
        .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
  }

  /** Creates the first admin token if there is none; the caller prints it once. */
  public Optional<String> ensureAdminToken() {
    return adminTokens.ensureInitialToken();
  }

  /** Listens on every interface: collectors reach the appliance from the network. */
  public App start() {
    return start("0.0.0.0");
  }

  public App start(String host) {
    javalin.start(host, config.port());
    return this;
  }

  public int port() {
    return javalin.port();
  }

  public CollectorRegistry collectors() {
    return collectors;
  }

  public SampleWriter sampleWriter() {
    return writer;
  }

  /** The sizing rollup, for tests and benchmarks that want it now rather than on its timer. */
  public Rollup sizingRollup() {
    return rollup;
  }

  @Override
  public void close() {
    rollupTimer.shutdownNow();
    javalin.stop();
    writer.close();
    lastSeen.close();
  }
}
