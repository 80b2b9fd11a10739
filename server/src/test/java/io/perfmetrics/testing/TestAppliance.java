package io.perfmetrics.testing;

import io.perfmetrics.App;
import io.perfmetrics.config.Config;
import io.perfmetrics.store.Database;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The real appliance on a free loopback port against a given PostgreSQL, with an HTTP client that
 * speaks to it the way curl does: over HTTPS, trusting only the appliance's own CA (as {@code curl
 * --cacert data/tls/ca.pem}). A test turns TLS off with {@code c -> c.withTls(Config.Tls.off())}.
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
  private final HttpClient http;

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
    env.put(Config.PUBLIC_URL, "https://127.0.0.1:" + port);
    Config adjusted = adjust.apply(Config.load(env, Map.of()));
    if (!adjusted.tls().enabled()) {
      // the test turned TLS off: the URL rendered into collectors says http, as serve's would
      env.put(Config.TLS, "off");
      env.put(Config.PUBLIC_URL, "http://127.0.0.1:" + port);
      adjusted = adjust.apply(Config.load(env, Map.of()));
    }
    config = adjusted;
    database = Database.connect(jdbcUrl, null, null);
    database.migrate();
    app = new App(config, database, clock, clock, rollupEvery).start("127.0.0.1");
    app.ensureAdminUser();
    http = client(app.tls().trustPem());
  }

  /**
   * An HTTP client that trusts only the certificate in {@code trustPem} (none at all when it is
   * empty: plain http).
   */
  public static HttpClient client(String trustPem) {
    HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
    if (!trustPem.isEmpty()) {
      b.sslContext(trusting(trustPem));
    }
    return b.build();
  }

  /** TLS trusting only the certificates in a PEM text: not the JDK's CAs, not anything else. */
  public static SSLContext trusting(String pem) {
    try {
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      int i = 0;
      for (Certificate c :
          CertificateFactory.getInstance("X.509")
              .generateCertificates(
                  new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
        trust.setCertificateEntry("ca" + i++, c);
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot trust the appliance's CA: " + e, e);
    }
  }

  /** The TLS context this appliance's clients use (trusting only its CA). */
  public SSLContext sslContext() {
    return trusting(app.tls().trustPem());
  }

  /**
   * A connection as a collector opens one: TLS with the handshake done (trusting only the CA), or
   * plain TCP when TLS is off. For benchmarks that write raw HTTP/1.1.
   */
  public java.net.Socket connect() throws IOException {
    java.net.Socket plain =
        new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), app.port());
    if (!app.tls().enabled()) {
      return plain;
    }
    javax.net.ssl.SSLSocket s =
        (javax.net.ssl.SSLSocket)
            sslContext().getSocketFactory().createSocket(plain, "127.0.0.1", app.port(), true);
    s.startHandshake();
    return s;
  }

  /** The client the helpers below send with, for tests that send their own requests. */
  public HttpClient http() {
    return http;
  }

  /** The appliance's base URL, {@code https://127.0.0.1:<port>} (http when TLS is off). */
  public String baseUrl() {
    return app.tls().scheme() + "://127.0.0.1:" + app.port();
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

  /**
   * Chromium's pin for the appliance's server certificate (base64 SHA-256 of its public key info),
   * or null when TLS is off. Chromium honours it only with its own --user-data-dir.
   */
  public String spkiPin() throws java.security.NoSuchAlgorithmException {
    var cert = app.tls().serverCertificate();
    if (cert == null) {
      return null;
    }
    return java.util.Base64.getEncoder()
        .encodeToString(
            java.security.MessageDigest.getInstance("SHA-256")
                .digest(cert.getPublicKey().getEncoded()));
  }

  public URI uri(String path) {
    return URI.create(baseUrl() + path);
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
