package io.perfmetrics.cli;

import com.github.benmanes.caffeine.cache.Ticker;
import io.perfmetrics.App;
import io.perfmetrics.config.Config;
import io.perfmetrics.config.ConfigException;
import io.perfmetrics.store.Database;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs the appliance until interrupted. Each flag overrides the environment variable it names. */
@Command(name = "serve", description = "Run the appliance (receiver, API, console).")
final class ServeCommand implements Callable<Integer> {
  @Option(names = "--port", description = "HTTP port (env PERFMETRICS_PORT, default 8080)")
  String port;

  @Option(
      names = "--data-dir",
      description = "data directory (env PERFMETRICS_DATA_DIR, default ./data)")
  String dataDir;

  @Option(names = "--db-url", description = "external PostgreSQL JDBC URL (env PERFMETRICS_DB_URL)")
  String dbUrl;

  @Option(names = "--db-user", description = "env PERFMETRICS_DB_USER")
  String dbUser;

  @Option(names = "--public-url", description = "URL collectors reach (env PERFMETRICS_PUBLIC_URL)")
  String publicUrl;

  @Option(
      names = "--catalog",
      description = "instance catalog CSV replacing the built-in one (env PERFMETRICS_CATALOG)")
  String catalog;

  @Override
  public Integer call() throws InterruptedException {
    Map<String, String> flags = new HashMap<>();
    flags.put(Config.PORT, port);
    flags.put(Config.DATA_DIR, dataDir);
    flags.put(Config.DB_URL, dbUrl);
    flags.put(Config.DB_USER, dbUser);
    flags.put(Config.PUBLIC_URL, publicUrl);
    flags.put(Config.CATALOG, catalog);
    Config config;
    try {
      config = Config.load(System.getenv(), flags);
    } catch (ConfigException e) {
      System.err.println("perfmetrics: " + e.getMessage());
      return 2;
    }
    System.out.println("perfmetrics: data directory " + config.dataDir());
    Database db = Database.open(config);
    App app = new App(config, db, Clock.systemUTC(), Ticker.systemTicker());
    app.ensureAdminToken()
        .ifPresent(
            t -> {
              System.out.println(
                  "perfmetrics: generated the admin token; it is shown only this once:");
              System.out.println("  PERFMETRICS_ADMIN_TOKEN=" + t);
            });
    app.ensureAdminUser()
        .ifPresent(
            p -> {
              System.out.println(
                  "perfmetrics: created the console user admin; its password is shown only this once:");
              System.out.println("  PERFMETRICS_ADMIN_PASSWORD=" + p);
            });
    app.start();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  System.out.println("perfmetrics: stopping");
                  app.close();
                  db.close();
                  stopped.countDown();
                }));
    System.out.println(
        "perfmetrics: database: " + db.description() + (db.hasTimescale() ? " (TimescaleDB)" : ""));
    var tls = app.tls();
    if (tls.enabled()) {
      System.out.println(
          "perfmetrics: TLS with "
              + tls.source()
              + "; clients trust "
              + tls.trustFile()
              + " (also at /ca.pem), SHA-256 fingerprint "
              + tls.fingerprint());
    } else {
      System.out.println(
          "perfmetrics: WARNING: TLS is off ("
              + Config.TLS
              + "=off): plain HTTP, only behind a TLS-terminating proxy");
    }
    System.out.println(
        "perfmetrics: listening on "
            + tls.scheme()
            + "://0.0.0.0:"
            + app.port()
            + "; collectors will reach "
            + config.publicUrl());
    stopped.await();
    return 0;
  }
}
