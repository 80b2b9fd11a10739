package io.perfmetrics.config;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The appliance's configuration, read once at start-up from the environment (each key can also be
 * given as a {@code serve} flag, which wins). Immutable; validated here so nothing later has to.
 *
 * @param database null means: start the embedded PostgreSQL under {@code dataDir}
 * @param masterKey null means: use (or create) the key file in {@code dataDir}
 * @param adminToken null means: generate one at first start and print it once
 * @param publicUrl the URL rendered into collectors
 * @param web the console: first admin password, sessions, login limits
 * @param catalog null means: the instance catalog shipped in the jar; else the operator's CSV,
 *     re-read when its modification time changes
 * @param retention how long samples and rollups are kept
 * @param tls HTTPS on the port: the appliance's own CA, the operator's certificate, or off
 */
public record Config(
    int port,
    Path dataDir,
    @Nullable ExternalDatabase database,
    @Nullable Secret masterKey,
    @Nullable Secret adminToken,
    URI publicUrl,
    Ingest ingest,
    Collectors collectors,
    DiscoverySettings discovery,
    Web web,
    @Nullable Path catalog,
    RetentionSettings retention,
    Tls tls) {

  public static final String PORT = "PERFMETRICS_PORT";
  public static final String DATA_DIR = "PERFMETRICS_DATA_DIR";
  public static final String DB_URL = "PERFMETRICS_DB_URL";
  public static final String DB_USER = "PERFMETRICS_DB_USER";
  public static final String DB_PASSWORD = "PERFMETRICS_DB_PASSWORD";
  public static final String MASTER_KEY = "PERFMETRICS_MASTER_KEY";
  public static final String ADMIN_TOKEN = "PERFMETRICS_ADMIN_TOKEN";
  public static final String PUBLIC_URL = "PERFMETRICS_PUBLIC_URL";
  public static final String ADMIN_PASSWORD = "PERFMETRICS_ADMIN_PASSWORD";
  public static final String TRUST_FORWARDED_PROTO = "PERFMETRICS_TRUST_FORWARDED_PROTO";
  public static final String SCRAPE_TOKEN = "PERFMETRICS_SCRAPE_TOKEN";
  public static final String LOG_FORMAT = "PERFMETRICS_LOG_FORMAT";
  public static final String CATALOG = "PERFMETRICS_CATALOG";
  public static final String DEPLOY_CONCURRENCY = "PERFMETRICS_DEPLOY_CONCURRENCY";
  public static final String TLS = "PERFMETRICS_TLS";
  public static final String TLS_CERT = "PERFMETRICS_TLS_CERT";
  public static final String TLS_KEY = "PERFMETRICS_TLS_KEY";
  public static final String TLS_CA = "PERFMETRICS_TLS_CA";

  /** An external PostgreSQL or TimescaleDB. */
  public record ExternalDatabase(String url, @Nullable String user, @Nullable Secret password) {}

  /**
   * Receiver tuning. Defaults fit a 2-core appliance; see README.
   *
   * @param maxBodyBytes the protocol's limit (413 above it)
   * @param batchRows group commit: rows written in one COPY at most
   * @param batchWait group commit: how long the first request of a batch waits for company
   * @param queueRows requests beyond this many queued rows get 503 at once instead of waiting
   * @param writeTimeout a request that waits longer for its commit gets 503
   * @param writers parallel writer connections
   */
  public record Ingest(
      int maxBodyBytes,
      int batchRows,
      Duration batchWait,
      int queueRows,
      Duration writeTimeout,
      int writers) {

    public static Ingest defaults() {
      return new Ingest(1 << 20, 50_000, Duration.ZERO, 2_000_000, Duration.ofSeconds(15), 2);
    }
  }

  /**
   * What is rendered into every collector, and how deploys run. Defaults from the design: sample
   * every 60 s, upload every 5 min, stop after 14 days.
   *
   * @param spoolMaxBytes the collector drops its oldest samples beyond this (about 8 days of
   *     samples at the defaults)
   * @param metadataUrl the cloud instance metadata service the collector asks for its identity
   * @param unixToolsDir where the shell collector lives on a Unix target
   * @param hostTimeout how long one host may take (connect, upload, start) before it is failed
   * @param parallelHosts hosts handled at the same time by one deploy
   * @param sockets how often the collector takes a socket snapshot; zero turns snapshots off
   * @param socketsMaxRows rows per snapshot beyond which the collector leaves rows out (and says
   *     so)
   */
  public record Collectors(
      Duration interval,
      Duration upload,
      Duration ttl,
      long spoolMaxBytes,
      String metadataUrl,
      String unixToolsDir,
      Duration hostTimeout,
      int parallelHosts,
      Duration sockets,
      int socketsMaxRows) {

    /** The settings without the socket ones, which then take their defaults. */
    public Collectors(
        Duration interval,
        Duration upload,
        Duration ttl,
        long spoolMaxBytes,
        String metadataUrl,
        String unixToolsDir,
        Duration hostTimeout,
        int parallelHosts) {
      this(
          interval,
          upload,
          ttl,
          spoolMaxBytes,
          metadataUrl,
          unixToolsDir,
          hostTimeout,
          parallelHosts,
          Duration.ofMinutes(5),
          1000);
    }

    public static Collectors defaults() {
      return new Collectors(
          Duration.ofSeconds(60),
          Duration.ofMinutes(5),
          Duration.ofDays(14),
          8L << 20,
          "http://169.254.169.254",
          "/var/tmp/perfmetrics/tools",
          Duration.ofSeconds(60),
          // from scripts/bench-deploy's sweeps at 0 and 50 ms round trip (docs/deploy.md)
          64);
    }

    public Collectors withParallelHosts(int n) {
      return new Collectors(
          interval, upload, ttl, spoolMaxBytes, metadataUrl, unixToolsDir, hostTimeout, n);
    }
  }

  /**
   * The console's security settings.
   *
   * @param adminPassword null means: generate one for the first admin and print it once
   * @param trustForwardedProto honour {@code X-Forwarded-Proto: https} (only behind a proxy that
   *     sets it)
   * @param sessionIdle a session unused this long ends
   * @param sessionAbsolute a session ends this long after login, used or not
   * @param loginFailuresPerUser failed logins for one username within {@code loginWindow} before
   *     429
   * @param loginFailuresPerAddress failed logins from one client address within {@code loginWindow}
   *     before 429
   * @param loginWindow how long failures are counted (and how long a block lasts at most)
   * @param scrapeToken a token that opens GET /metrics only (besides the admin token); null for
   *     none
   */
  public record Web(
      @Nullable Secret adminPassword,
      boolean trustForwardedProto,
      Duration sessionIdle,
      Duration sessionAbsolute,
      int loginFailuresPerUser,
      int loginFailuresPerAddress,
      Duration loginWindow,
      @Nullable Secret scrapeToken) {

    public static final int MIN_PASSWORD_LENGTH = 12;

    public static Web defaults() {
      return new Web(
          null,
          false,
          Duration.ofMinutes(30),
          Duration.ofHours(12),
          10,
          30,
          Duration.ofMinutes(15),
          null);
    }

    public Web withAdminPassword(@Nullable Secret password) {
      return new Web(
          password,
          trustForwardedProto,
          sessionIdle,
          sessionAbsolute,
          loginFailuresPerUser,
          loginFailuresPerAddress,
          loginWindow,
          scrapeToken);
    }

    public Web withScrapeToken(@Nullable Secret token) {
      return new Web(
          adminPassword,
          trustForwardedProto,
          sessionIdle,
          sessionAbsolute,
          loginFailuresPerUser,
          loginFailuresPerAddress,
          loginWindow,
          token);
    }
  }

  /**
   * HTTPS on the appliance's port (docs/tls.md).
   *
   * @param enabled false: plain HTTP, only for an appliance behind a TLS-terminating proxy
   * @param cert null: the appliance's own CA (in the data directory) issues the server certificate;
   *     else the operator's PEM chain (server certificate first), re-read when it changes
   * @param key the operator's PEM private key for {@code cert}
   * @param ca the certificate collectors and clients are told to trust with an operator chain;
   *     null: the last certificate of the chain file
   */
  public record Tls(boolean enabled, @Nullable Path cert, @Nullable Path key, @Nullable Path ca) {
    public static Tls defaults() {
      return new Tls(true, null, null, null);
    }

    public static Tls off() {
      return new Tls(false, null, null, null);
    }

    static Tls from(Map<String, String> v) {
      String mode = blankToNull(v.get(TLS));
      if (mode != null && !mode.equals("on") && !mode.equals("off")) {
        throw new ConfigException(TLS + " must be on or off, got '" + mode + "'");
      }
      Path cert = readableFile(v, TLS_CERT);
      Path key = readableFile(v, TLS_KEY);
      Path ca = readableFile(v, TLS_CA);
      if ("off".equals(mode)) {
        if (cert != null || key != null || ca != null) {
          throw new ConfigException(
              TLS + " is off but " + TLS_CERT + "/" + TLS_KEY + "/" + TLS_CA + " are set");
        }
        return off();
      }
      if ((cert == null) != (key == null)) {
        throw new ConfigException(TLS_CERT + " and " + TLS_KEY + " must be set together");
      }
      if (ca != null && cert == null) {
        throw new ConfigException(
            TLS_CA + " is only for an operator certificate (" + TLS_CERT + "), which is not set");
      }
      return new Tls(true, cert, key, ca);
    }

    private static @Nullable Path readableFile(Map<String, String> v, String key) {
      String s = blankToNull(v.get(key));
      if (s == null) {
        return null;
      }
      Path p = Path.of(s).toAbsolutePath().normalize();
      if (!java.nio.file.Files.isRegularFile(p) || !java.nio.file.Files.isReadable(p)) {
        throw new ConfigException(key + " must name a readable PEM file, got '" + s + "'");
      }
      return p;
    }
  }

  /** Reads the environment, with flags (same keys) taking precedence. */
  public static Config load(Map<String, String> env, Map<String, String> flags) {
    Map<String, String> all = new HashMap<>(env);
    flags.forEach(
        (k, v) -> {
          if (v != null) {
            all.put(k, v);
          }
        });
    return from(Collections.unmodifiableMap(all));
  }

  static Config from(Map<String, String> v) {
    int port = parsePort(v.getOrDefault(PORT, "8080"));
    Path dataDir = Path.of(nonBlank(v, DATA_DIR, "./data")).toAbsolutePath().normalize();

    ExternalDatabase db = null;
    String url = blankToNull(v.get(DB_URL));
    if (url != null) {
      if (!url.startsWith("jdbc:postgresql:")) {
        throw new ConfigException(
            DB_URL
                + " must be a PostgreSQL JDBC URL (jdbc:postgresql://host:port/db), got '"
                + url
                + "'");
      }
      String password = v.get(DB_PASSWORD);
      db =
          new ExternalDatabase(
              url, blankToNull(v.get(DB_USER)), password == null ? null : new Secret(password));
    } else if (blankToNull(v.get(DB_USER)) != null || blankToNull(v.get(DB_PASSWORD)) != null) {
      throw new ConfigException(DB_USER + "/" + DB_PASSWORD + " are set but " + DB_URL + " is not");
    }

    Secret masterKey =
        blankToNull(v.get(MASTER_KEY)) == null ? null : new Secret(v.get(MASTER_KEY));
    Secret adminToken = null;
    String admin = blankToNull(v.get(ADMIN_TOKEN));
    if (admin != null) {
      if (admin.length() < 24) {
        throw new ConfigException(
            ADMIN_TOKEN + " must be at least 24 characters (got " + admin.length() + ")");
      }
      adminToken = new Secret(admin);
    }

    Tls tls = Tls.from(v);
    URI publicUrl;
    String pub = blankToNull(v.get(PUBLIC_URL));
    if (pub != null) {
      try {
        publicUrl = URI.create(pub.endsWith("/") ? pub.substring(0, pub.length() - 1) : pub);
      } catch (IllegalArgumentException e) {
        throw new ConfigException(PUBLIC_URL + " is not a URL: '" + pub + "'");
      }
      if (!"http".equals(publicUrl.getScheme()) && !"https".equals(publicUrl.getScheme())) {
        throw new ConfigException(
            PUBLIC_URL + " must start with http:// or https://, got '" + pub + "'");
      }
    } else {
      publicUrl =
          URI.create(
              (tls.enabled() ? "https://" : "http://") + firstNonLoopbackAddress() + ":" + port);
    }
    Web web = Web.defaults();
    String adminPassword = v.get(ADMIN_PASSWORD);
    if (adminPassword != null && !adminPassword.isEmpty()) {
      if (adminPassword.length() < Web.MIN_PASSWORD_LENGTH) {
        throw new ConfigException(
            ADMIN_PASSWORD
                + " must be at least "
                + Web.MIN_PASSWORD_LENGTH
                + " characters (got "
                + adminPassword.length()
                + ")");
      }
      web = web.withAdminPassword(new Secret(adminPassword));
    }
    String trust = blankToNull(v.get(TRUST_FORWARDED_PROTO));
    if (trust != null) {
      if (!trust.equals("true") && !trust.equals("false")) {
        throw new ConfigException(
            TRUST_FORWARDED_PROTO + " must be true or false, got '" + trust + "'");
      }
      web =
          new Web(
              web.adminPassword(),
              Boolean.parseBoolean(trust),
              web.sessionIdle(),
              web.sessionAbsolute(),
              web.loginFailuresPerUser(),
              web.loginFailuresPerAddress(),
              web.loginWindow(),
              web.scrapeToken());
    }
    String scrape = blankToNull(v.get(SCRAPE_TOKEN));
    if (scrape != null) {
      if (scrape.length() < 24) {
        throw new ConfigException(
            SCRAPE_TOKEN + " must be at least 24 characters (got " + scrape.length() + ")");
      }
      web = web.withScrapeToken(new Secret(scrape));
    }
    // read by logback itself (logback.xml) before this runs; checked here so a typo stops the start
    String logFormat = blankToNull(v.get(LOG_FORMAT));
    if (logFormat != null && !logFormat.equals("text") && !logFormat.equals("json")) {
      throw new ConfigException(LOG_FORMAT + " must be text or json, got '" + logFormat + "'");
    }
    Path catalog = null;
    String cat = blankToNull(v.get(CATALOG));
    if (cat != null) {
      catalog = Path.of(cat).toAbsolutePath().normalize();
      if (!java.nio.file.Files.isReadable(catalog)) {
        throw new ConfigException(CATALOG + " must name a readable CSV file, got '" + cat + "'");
      }
    }
    Collectors collectors = Collectors.defaults();
    String concurrency = blankToNull(v.get(DEPLOY_CONCURRENCY));
    if (concurrency != null) {
      int n;
      try {
        n = Integer.parseInt(concurrency.trim());
      } catch (NumberFormatException e) {
        n = 0;
      }
      if (n < 1 || n > 1024) {
        throw new ConfigException(
            DEPLOY_CONCURRENCY
                + " must be a number of hosts from 1 to 1024, got '"
                + concurrency
                + "'");
      }
      collectors = collectors.withParallelHosts(n);
    }
    return new Config(
        port,
        dataDir,
        db,
        masterKey,
        adminToken,
        publicUrl,
        Ingest.defaults(),
        collectors,
        DiscoverySettings.from(v),
        web,
        catalog,
        RetentionSettings.from(v),
        tls);
  }

  public boolean embeddedDatabase() {
    return database == null;
  }

  public Config withPort(int newPort) {
    return copy(c -> c.port = newPort);
  }

  public Config withIngest(Ingest newIngest) {
    return copy(c -> c.ingest = newIngest);
  }

  public Config withCollectors(Collectors newCollectors) {
    return copy(c -> c.collectors = newCollectors);
  }

  public Config withDiscovery(DiscoverySettings newDiscovery) {
    return copy(c -> c.discovery = newDiscovery);
  }

  public Config withWeb(Web newWeb) {
    return copy(c -> c.web = newWeb);
  }

  public Config withCatalog(@Nullable Path newCatalog) {
    return copy(c -> c.catalog = newCatalog);
  }

  public Config withRetention(RetentionSettings newRetention) {
    return copy(c -> c.retention = newRetention);
  }

  public Config withTls(Tls newTls) {
    return copy(c -> c.tls = newTls);
  }

  /** This config with {@code change} made: the one place the withers list every component. */
  private Config copy(java.util.function.Consumer<Copy> change) {
    Copy c = new Copy(this);
    change.accept(c);
    return c.build();
  }

  /**
   * A config's components, for a wither to change one: a new component then means one line here,
   * not one in every wither.
   */
  private static final class Copy {
    int port;
    Path dataDir;
    @Nullable ExternalDatabase database;
    @Nullable Secret masterKey;
    @Nullable Secret adminToken;
    URI publicUrl;
    Ingest ingest;
    Collectors collectors;
    DiscoverySettings discovery;
    Web web;
    @Nullable Path catalog;
    RetentionSettings retention;
    Tls tls;

    Copy(Config c) {
      port = c.port;
      dataDir = c.dataDir;
      database = c.database;
      masterKey = c.masterKey;
      adminToken = c.adminToken;
      publicUrl = c.publicUrl;
      ingest = c.ingest;
      collectors = c.collectors;
      discovery = c.discovery;
      web = c.web;
      catalog = c.catalog;
      retention = c.retention;
      tls = c.tls;
    }

    Config build() {
      return new Config(
          port,
          dataDir,
          database,
          masterKey,
          adminToken,
          publicUrl,
          ingest,
          collectors,
          discovery,
          web,
          catalog,
          retention,
          tls);
    }
  }

  private static int parsePort(String s) {
    try {
      int p = Integer.parseInt(s.trim());
      if (p < 0 || p > 65535) {
        throw new NumberFormatException();
      }
      return p;
    } catch (NumberFormatException e) {
      throw new ConfigException(
          PORT + " must be a TCP port 0-65535 (0 = any free port), got '" + s + "'");
    }
  }

  private static String nonBlank(Map<String, String> v, String key, String dflt) {
    String s = blankToNull(v.get(key));
    return s == null ? dflt : s;
  }

  private static @Nullable String blankToNull(@Nullable String s) {
    return s == null || s.isBlank() ? null : s.trim();
  }

  private static String firstNonLoopbackAddress() {
    try {
      for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (!nic.isUp() || nic.isLoopback()) {
          continue;
        }
        for (InetAddress a : Collections.list(nic.getInetAddresses())) {
          if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
            return a.getHostAddress();
          }
        }
      }
    } catch (SocketException e) {
      // fall through: a machine without usable interfaces still gets a URL that works locally
    }
    return "127.0.0.1";
  }
}
