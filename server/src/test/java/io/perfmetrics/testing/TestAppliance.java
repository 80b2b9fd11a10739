package io.perfmetrics.testing;

import io.perfmetrics.App;
import io.perfmetrics.config.Config;
import io.perfmetrics.store.Database;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The real appliance on a free loopback port against a given PostgreSQL, with an HTTP client that
 * speaks to it the way curl does.
 */
public final class TestAppliance implements AutoCloseable {
  public static final String ADMIN_TOKEN = "test-admin-token-0123456789abcdef";

  /** The console password of the first admin ({@code admin}). */
  public static final String ADMIN_PASSWORD = "test-console-password-42";

  public final MutableClock clock = MutableClock.systemNow();
  public final Database database;
  public App app;
  private final Path dataDir;
  private final Config config;
  private final Duration rollupEvery;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  public TestAppliance(String jdbcUrl) {
    this(jdbcUrl, Config.Ingest.defaults());
  }

  public TestAppliance(String jdbcUrl, Config.Ingest ingest) {
    this(jdbcUrl, ingest, Config.Collectors.defaults());
  }

  /** The appliance on a fixed free port, so collectors can be told its URL before it starts. */
  public TestAppliance(String jdbcUrl, Config.Ingest ingest, Config.Collectors collectors) {
    this(jdbcUrl, c -> c.withIngest(ingest).withCollectors(collectors));
  }

  /**
   * @param catalog an instance catalog file in place of the built-in one, or null
   */
  public TestAppliance(String jdbcUrl, Config.Ingest ingest, Path catalog) {
    this(jdbcUrl, ingest, catalog, Duration.ofSeconds(15));
  }

  /**
   * @param rollupEvery the background sizing rollup's period; zero: only when the test runs it
   */
  public TestAppliance(String jdbcUrl, Config.Ingest ingest, Path catalog, Duration rollupEvery) {
    this(jdbcUrl, c -> c.withIngest(ingest).withCatalog(catalog), rollupEvery);
  }

  /** The appliance with a configuration the test adjusts (e.g. discovery's ports and pacing). */
  public TestAppliance(String jdbcUrl, java.util.function.UnaryOperator<Config> adjust) {
    this(jdbcUrl, adjust, Duration.ofSeconds(15));
  }

  public TestAppliance(
      String jdbcUrl, java.util.function.UnaryOperator<Config> adjust, Duration rollupEvery) {
    this.rollupEvery = rollupEvery;
    try {
      dataDir = Files.createTempDirectory("perfmetrics-data-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<String, String> env = new HashMap<>();
    int port = TestPostgres.freePort();
    env.put(Config.PORT, String.valueOf(port));
    env.put(Config.DATA_DIR, dataDir.toString());
    env.put(Config.DB_URL, jdbcUrl);
    env.put(Config.ADMIN_TOKEN, ADMIN_TOKEN);
    env.put(Config.ADMIN_PASSWORD, ADMIN_PASSWORD);
    env.put(Config.PUBLIC_URL, "http://127.0.0.1:" + port);
    config = adjust.apply(Config.load(env, Map.of()));
    database = Database.connect(jdbcUrl, null, null);
    database.migrate();
    app = new App(config, database, clock, clock, rollupEvery).start("127.0.0.1");
    app.ensureAdminUser();
  }

  /** Stops the receiver (the database stays up), as when the appliance is restarted. */
  public void stopReceiver() {
    app.close();
  }

  /** Starts it again on the same port. */
  public void startReceiver() {
    app = new App(config, database, clock, clock, rollupEvery).start("127.0.0.1");
  }

  /**
   * Its data directory (master key file), e.g. for a second appliance that must read the same
   * secrets.
   */
  public Path dataDir() {
    return dataDir;
  }

  public URI uri(String path) {
    return URI.create("http://127.0.0.1:" + app.port() + path);
  }

  public HttpResponse<String> send(HttpRequest.Builder request) {
    try {
      return http.send(
          request.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * {@code curl -X POST -H 'Authorization: Bearer <token>' -H 'Content-Type: <type>' --data-binary
   * <body>}
   */
  public HttpResponse<String> post(String path, String token, String contentType, String body) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    return send(b);
  }

  public HttpResponse<String> admin(String method, String path, String body) {
    return send(
        HttpRequest.newBuilder(uri(path))
            .header("Authorization", "Bearer " + ADMIN_TOKEN)
            .header("Content-Type", "application/json")
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body)));
  }

  @Override
  public void close() {
    app.close();
    database.close();
    TempDirs.delete(dataDir);
  }
}
