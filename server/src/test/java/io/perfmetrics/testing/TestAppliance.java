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
 * The real appliance on a free loopback port against a given PostgreSQL, with an HTTP client
 * that speaks to it the way curl does.
 */
public final class TestAppliance implements AutoCloseable {
  public static final String ADMIN_TOKEN = "test-admin-token-0123456789abcdef";

  public final MutableClock clock = MutableClock.systemNow();
  public final Database database;
  public final App app;
  private final Path dataDir;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  public TestAppliance(String jdbcUrl) {
    this(jdbcUrl, Config.Ingest.defaults());
  }

  public TestAppliance(String jdbcUrl, Config.Ingest ingest) {
    this(jdbcUrl, ingest, null);
  }

  /** @param catalog an instance catalog file in place of the built-in one, or null */
  public TestAppliance(String jdbcUrl, Config.Ingest ingest, Path catalog) {
    this(jdbcUrl, ingest, catalog, Duration.ofSeconds(15));
  }

  /** @param rollupEvery the background sizing rollup's period; zero: only when the test runs it */
  public TestAppliance(String jdbcUrl, Config.Ingest ingest, Path catalog, Duration rollupEvery) {
    try {
      dataDir = Files.createTempDirectory("perfmetrics-data-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<String, String> env = new HashMap<>();
    env.put(Config.PORT, "0");
    env.put(Config.DATA_DIR, dataDir.toString());
    env.put(Config.DB_URL, jdbcUrl);
    env.put(Config.ADMIN_TOKEN, ADMIN_TOKEN);
    env.put(Config.PUBLIC_URL, "http://127.0.0.1:1");
    Config config = Config.load(env, Map.of()).withIngest(ingest).withCatalog(catalog);
    database = Database.connect(jdbcUrl, null, null);
    database.migrate();
    app = new App(config, database, clock, clock, rollupEvery).start("127.0.0.1");
  }

  public URI uri(String path) {
    return URI.create("http://127.0.0.1:" + app.port() + path);
  }

  public HttpResponse<String> send(HttpRequest.Builder request) {
    try {
      return http.send(request.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** {@code curl -X POST -H 'Authorization: Bearer <token>' -H 'Content-Type: <type>' --data-binary <body>} */
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
            .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)));
  }

  @Override
  public void close() {
    app.close();
    database.close();
    TempDirs.delete(dataDir);
  }
}
