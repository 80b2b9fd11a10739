package io.perfmetrics;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.github.benmanes.caffeine.cache.Ticker;
import io.javalin.Javalin;
import io.javalin.json.JavalinJackson;
import io.perfmetrics.config.Config;
import io.perfmetrics.dependencies.ApplianceAddresses;
import io.perfmetrics.dependencies.DependencyRoutes;
import io.perfmetrics.dependencies.DependencyService;
import io.perfmetrics.dependencies.DependencyStore;
import io.perfmetrics.deploy.ApplianceTrust;
import io.perfmetrics.deploy.CollectorTemplate;
import io.perfmetrics.deploy.DeployJobs;
import io.perfmetrics.deploy.DeployRoutes;
import io.perfmetrics.deploy.DeployService;
import io.perfmetrics.deploy.HostKeyPins;
import io.perfmetrics.deploy.TargetStatuses;
import io.perfmetrics.deploy.TemplateRenderer;
import io.perfmetrics.deploy.smb.SmbTransport;
import io.perfmetrics.deploy.ssh.SshTransport;
import io.perfmetrics.discovery.DiscoveryRoutes;
import io.perfmetrics.discovery.NetOpsLog;
import io.perfmetrics.discovery.ScanService;
import io.perfmetrics.ingest.CollectorRegistry;
import io.perfmetrics.ingest.CollectorRoutes;
import io.perfmetrics.ingest.HelloService;
import io.perfmetrics.ingest.HostLookup;
import io.perfmetrics.ingest.IngestRoutes;
import io.perfmetrics.ingest.LastSeenTracker;
import io.perfmetrics.ingest.MetricIds;
import io.perfmetrics.ingest.SampleReader;
import io.perfmetrics.ingest.SampleWriter;
import io.perfmetrics.ingest.SamplesParser;
import io.perfmetrics.network.PolicyStore;
import io.perfmetrics.network.PortAudit;
import io.perfmetrics.network.PortsRoutes;
import io.perfmetrics.network.SocketRoutes;
import io.perfmetrics.network.SocketStore;
import io.perfmetrics.network.SocketWriter;
import io.perfmetrics.observe.Metrics;
import io.perfmetrics.sizing.CatalogSource;
import io.perfmetrics.sizing.DirtyHours;
import io.perfmetrics.sizing.Rollup;
import io.perfmetrics.sizing.SizingRoutes;
import io.perfmetrics.sizing.SizingService;
import io.perfmetrics.sizing.SizingStore;
import io.perfmetrics.store.Database;
import io.perfmetrics.targets.CredentialStore;
import io.perfmetrics.targets.MasterKey;
import io.perfmetrics.targets.SecretBox;
import io.perfmetrics.targets.TargetRoutes;
import io.perfmetrics.targets.TargetStore;
import io.perfmetrics.tls.ApplianceTls;
import io.perfmetrics.tls.TlsRoutes;
import io.perfmetrics.web.AdminTokens;
import io.perfmetrics.web.AdminUsers;
import io.perfmetrics.web.ApiDocs;
import io.perfmetrics.web.Console;
import io.perfmetrics.web.LoginLimiter;
import io.perfmetrics.web.LoginRoutes;
import io.perfmetrics.web.PasswordHasher;
import io.perfmetrics.web.Sessions;
import io.perfmetrics.web.WebSupport;
import io.perfmetrics.web.console.CollectorPages;
import io.perfmetrics.web.console.DependencyPages;
import io.perfmetrics.web.console.NetopsPages;
import io.perfmetrics.web.console.OverviewPage;
import io.perfmetrics.web.console.PortsPages;
import io.perfmetrics.web.console.ScanPages;
import io.perfmetrics.web.console.SizingPages;
import io.perfmetrics.web.console.TargetPages;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The appliance, wired by hand in dependency order. Integration tests build the real thing through
 * this class on a free port.
 */
public final class App implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(App.class);

  /**
   * How often ended hours are rolled up for sizing; reports cover samples up to the last full hour.
   */
  static final Duration ROLLUP_EVERY = Duration.ofSeconds(15);

  private final Config config;
  private final SampleWriter writer;
  private final LastSeenTracker lastSeen;
  private final CollectorRegistry collectors;
  private final AdminTokens adminTokens;
  private final AdminUsers adminUsers;
  private final DeployService deploy;
  private final NetOpsLog netops;
  private final ScanService scans;
  private final Rollup rollup;
  private final io.perfmetrics.store.Retention retention;
  private final PortAudit portAudit;
  private final SocketWriter socketWriter;
  private final SocketStore socketStore;
  private final DependencyService dependencies;
  private final ScheduledExecutorService rollupTimer;
  private final ScheduledExecutorService jobsTimer =
      Executors.newSingleThreadScheduledExecutor(
          r -> Thread.ofPlatform().name("deploy-resume").daemon().unstarted(r));
  // the sizing reports' side-by-side reads: virtual threads, so a blocked read holds no platform
  // thread
  private final ExecutorService sizingReads = Executors.newVirtualThreadPerTaskExecutor();
  private final Javalin javalin;
  private final Metrics metrics = new Metrics();
  private final ApplianceTls tls;

  /** The address the HTTPS connector binds, set by {@link #start(String)} before Jetty starts. */
  private volatile String bindHost = "0.0.0.0";

  public App(Config config, Database database, Clock clock, Ticker ticker) {
    this(config, database, clock, ticker, ROLLUP_EVERY);
  }

  /**
   * @param rollupEvery period of the background sizing rollup; zero for none (tests and benchmarks
   *     that drive {@link #sizingRollup()} themselves)
   */
  public App(Config config, Database database, Clock clock, Ticker ticker, Duration rollupEvery) {
    this.config = config;
    tls = ApplianceTls.create(config, clock);
    var tlsRoutes = new TlsRoutes(tls);
    var ds = database.dataSource();
    ObjectMapper json = jsonMapper();

    collectors = new CollectorRegistry(ds, clock, ticker);
    MetricIds metricIds = new MetricIds(ds);
    writer = new SampleWriter(ds, config.ingest(), new DirtyHours(clock), metrics.registry());
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
    socketStore = new SocketStore(ds);
    var policyStore = new PolicyStore(ds);
    portAudit = new PortAudit(socketStore, policyStore, ticker, Duration.ofMinutes(10));
    socketWriter = new SocketWriter(socketStore, config.ingest(), portAudit::invalidateHosts);
    var sockets = new SocketRoutes(ingest, socketWriter, lastSeen, clock, config.ingest());
    var hostLookup = new HostLookup(ds);
    var ports = new PortsRoutes(portAudit, policyStore, hostLookup);
    var collectorAdmin = new CollectorRoutes(collectors, new SampleReader(ds), json, clock);

    // network operations happen in real time: the log records when packets left and pacing
    // sleeps on the wall clock (the injected clock may be a test's hand-moved one)
    Clock wall = Clock.systemUTC();
    netops = new NetOpsLog(ds);
    var targets = new TargetStore(ds, clock);
    var box = new SecretBox(MasterKey.load(config));
    var credentials = new CredentialStore(ds, box);
    var pins = new HostKeyPins(ds);
    var jobs = new DeployJobs(ds);
    var statuses = new TargetStatuses(ds, collectors, clock);
    // the deploy's own reads and writes hold at most a share of the pool: the rest stays for
    // collectors' uploads and the API however many hosts it works on at once
    var share = database.deployShare();
    deploy =
        new DeployService(
            new TargetStore(share, clock),
            new CredentialStore(share, box),
            collectors,
            new DeployJobs(share),
            new TemplateRenderer(),
            Map.of(
                CollectorTemplate.UNIX_SH,
                new SshTransport(new HostKeyPins(share), config.collectors()),
                CollectorTemplate.WINDOWS_VBS,
                new SmbTransport(config.collectors(), clock)),
            config,
            clock,
            metrics.registry(),
            // asked at every deploy: a rescan after the certificate changed renders the new CA
            ApplianceTrust.following(tls::trustPem));
    var targetAdmin = new TargetRoutes(targets, credentials);
    var deployAdmin = new DeployRoutes(deploy, jobs, statuses, targets, pins);
    scans = new ScanService(ds, json, netops, config.discovery(), wall, metrics.registry());
    var discovery = new DiscoveryRoutes(scans, netops, json);
    adminUsers = new AdminUsers(ds, new PasswordHasher());
    var sessions =
        new Sessions(ds, clock, config.web().sessionIdle(), config.web().sessionAbsolute());
    var web = new WebSupport(adminTokens, sessions, config.web(), database);
    var login =
        new LoginRoutes(
            adminUsers,
            sessions,
            new LoginLimiter(
                ticker,
                config.web().loginFailuresPerUser(),
                config.web().loginFailuresPerAddress(),
                config.web().loginWindow()),
            web);
    // the console's sections, in the order of the navigation
    var console =
        new Console(
            List.of(
                new Console.NavEntry("Overview", "/"),
                new Console.NavEntry("Targets", "/targets"),
                new Console.NavEntry("Credentials", "/credentials"),
                new Console.NavEntry("Collectors", "/collectors"),
                new Console.NavEntry("Scans", "/scans"),
                new Console.NavEntry("Network operations", "/netops"),
                new Console.NavEntry("Sizing", "/sizing"),
                new Console.NavEntry("Ports", "/ports"),
                new Console.NavEntry("Dependencies", "/dependencies"),
                new Console.NavEntry("API", ApiDocs.PAGE)));
    var apiDocs = new ApiDocs(console);
    var overviewPage = new OverviewPage(console, ds, targets, statuses, collectors, clock);
    var targetPages = new TargetPages(console, targets, credentials, statuses, deploy, jobs);
    var collectorPages = new CollectorPages(console, collectors, clock);
    var scanPages = new ScanPages(console, scans);
    var netopsPages = new NetopsPages(console, netops, scans);

    var catalogs = new CatalogSource(config.catalog(), clock, Duration.ofSeconds(10));
    var sizing =
        new SizingService(
            new SizingStore(ds, sizingReads),
            sizingReads,
            catalogs,
            clock,
            ticker,
            Duration.ofMinutes(10),
            metrics.registry());
    rollup = new Rollup(ds, clock, sizing::invalidate, config.retention());
    retention =
        new io.perfmetrics.store.Retention(ds, config.retention(), clock, portAudit::invalidate);
    metrics.watchPool(ds).watchCollectors(collectors).watchRollup(rollup);
    var sizingRoutes = new SizingRoutes(sizing, json, hostLookup);
    var sizingPages = new SizingPages(console, sizing, portAudit, hostLookup);
    var portsPages = new PortsPages(console, portAudit, hostLookup);
    dependencies =
        new DependencyService(
            new DependencyStore(ds),
            sizing,
            clock,
            ticker,
            Duration.ofMinutes(1),
            new ApplianceAddresses(config.publicUrl()));
    var dependencyRoutes = new DependencyRoutes(dependencies, hostLookup);
    var dependencyPages = new DependencyPages(console, dependencies, json, hostLookup);
    rollupTimer =
        Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().name("sizing-rollup").daemon().unstarted(r));
    if (!rollupEvery.isZero()) {
      // the task logs its own failures and shutdownNow() at stop cancels it: no one waits on the
      // future
      var unusedRollup =
          rollupTimer.scheduleWithFixedDelay(
              () -> {
                try {
                  rollup.runOnce();
                } catch (RuntimeException e) {
                  // the next run starts over from the marks; nothing is lost
                  log.warn("sizing rollup: {}", e.getMessage());
                }
              },
              rollupEvery.toMillis(),
              rollupEvery.toMillis(),
              TimeUnit.MILLISECONDS);
      // retention on the same thread: never drops a partition under a running compaction
      var unusedRetention =
          rollupTimer.scheduleWithFixedDelay(
              () -> {
                try {
                  retention.runOnce();
                } catch (RuntimeException e) {
                  log.warn("retention: {}", e.getMessage());
                }
              },
              1,
              60,
              TimeUnit.MINUTES);
      // socket rows of ended hours into the hourly tables (the audit reads both, so nothing waits
      // for this)
      var unusedSocketRollup =
          rollupTimer.scheduleWithFixedDelay(
              () -> {
                try {
                  socketStore.rollup(clock.instant());
                } catch (RuntimeException e) {
                  log.warn("socket rollup: {}", e.getMessage());
                }
              },
              rollupEvery.toMillis(),
              rollupEvery.toMillis(),
              TimeUnit.MILLISECONDS);
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
                      // Jetty's per-connection cache of header fields builds a trie on each new
                      // connection (a JFR profile of bench-ingest: ~4% of the receiver's CPU);
                      // collectors open a connection per upload, so it never pays back
                      var http =
                          connector.getConnectionFactory(
                              org.eclipse.jetty.server.HttpConnectionFactory.class);
                      if (http != null) {
                        http.getHttpConfiguration().setHeaderCacheSize(0);
                      }
                    }
                  });
              if (tls.enabled()) {
                // HTTPS in place of Javalin's plain connector, on the same port
                cfg.jetty.addConnector(
                    (server, httpConfig) -> {
                      var connector = tls.connector(server, httpConfig);
                      connector.setHost(bindHost);
                      connector.setPort(config.port());
                      connector.setAcceptQueueSize(1024);
                      return connector;
                    });
              }
              web.register(cfg);
              ingest.register(cfg.routes);
              sockets.register(cfg.routes);
              ports.register(cfg.routes);
              collectorAdmin.register(cfg.routes);
              targetAdmin.register(cfg.routes);
              deployAdmin.register(cfg.routes);
              discovery.register(cfg.routes);
              login.register(cfg.routes);
              overviewPage.register(cfg.routes);
              targetPages.register(cfg.routes);
              collectorPages.register(cfg.routes);
              scanPages.register(cfg.routes);
              netopsPages.register(cfg.routes);
              sizingRoutes.register(cfg.routes);
              sizingPages.register(cfg.routes);
              metrics.register(cfg);
              apiDocs.register(cfg.routes);
              portsPages.register(cfg.routes);
              dependencyRoutes.register(cfg.routes);
              dependencyPages.register(cfg.routes);
              tlsRoutes.register(cfg.routes);
            });
  }

  public static ObjectMapper jsonMapper() {
    return new ObjectMapper()
        .registerModule(new JavaTimeModule())
        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
        .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
  }

  /** Every HTTP route as "METHOD /path/{param}", for the tests that prove each one is guarded. */
  public List<String> httpRoutes() {
    return javalin.unsafe.internalRouter.allHttpHandlers().stream()
        .map(e -> e.endpoint.method + " " + e.endpoint.path)
        .sorted()
        .toList();
  }

  /** Creates the first admin token if there is none; the caller prints it once. */
  public Optional<String> ensureAdminToken() {
    return adminTokens.ensureInitialToken();
  }

  /**
   * Creates the first console admin if there is none, or resets its password to the configured one;
   * returns a generated password, which the caller prints once.
   */
  public Optional<String> ensureAdminUser() {
    return adminUsers.ensureFirstAdmin(config.web().adminPassword());
  }

  /** Listens on every interface: collectors reach the appliance from the network. */
  public App start() {
    return start("0.0.0.0");
  }

  public App start(String host) {
    bindHost = host;
    javalin.start(host, config.port());
    scans.start();
    // jobs left unfinished by a stopped appliance (this one before a restart, or another one)
    // the task logs its own failures and shutdownNow() at stop cancels it: no one waits on the
    // future
    var unusedResume =
        jobsTimer.scheduleWithFixedDelay(
            () -> {
              try {
                deploy.resumeUnfinished();
              } catch (RuntimeException e) {
                log.warn("deploy: could not look for unfinished jobs: {}", e.getMessage());
              }
            },
            0,
            30,
            TimeUnit.SECONDS);
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

  /** The network operations log, for packages that send anything to a network (deploy). */
  public NetOpsLog netops() {
    return netops;
  }

  /** Retention, for tests that want it now rather than on its hourly timer. */
  public io.perfmetrics.store.Retention retention() {
    return retention;
  }

  /** The socket store, for tests and benchmarks that run its rollup themselves. */
  public SocketStore socketStore() {
    return socketStore;
  }

  /** The port audit, for benchmarks that time it cold and cached. */
  public PortAudit portAudit() {
    return portAudit;
  }

  /** The dependency map and move groups, for benchmarks that time them cold and cached. */
  public DependencyService dependencies() {
    return dependencies;
  }

  /** HTTPS: the trust collectors and clients are given, its fingerprint, the scheme. */
  public ApplianceTls tls() {
    return tls;
  }

  /** The sizing rollup, for tests and benchmarks that want it now rather than on its timer. */
  public Rollup sizingRollup() {
    return rollup;
  }

  @Override
  public void close() {
    scans.close();
    rollupTimer.shutdownNow();
    jobsTimer.shutdownNow();
    javalin.stop();
    sizingReads.shutdownNow();
    deploy.close();
    writer.close();
    socketWriter.close();
    lastSeen.close();
    metrics.close();
    tls.close();
  }
}
