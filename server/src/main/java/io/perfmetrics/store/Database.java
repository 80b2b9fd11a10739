package io.perfmetrics.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.perfmetrics.config.Config;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.flywaydb.core.api.output.MigrateResult;
import org.flywaydb.database.postgresql.PostgreSQLConfigurationExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one database of the appliance: the connection pool, the schema (Flyway, from {@code
 * migrations/}) and, when nothing external is configured, the embedded PostgreSQL.
 */
public final class Database implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Database.class);

  /** Connections in the pool. */
  static final int POOL_SIZE = 10;

  /**
   * Connections a deploy never holds ({@link #deployShare()}): kept for collectors' uploads, the
   * API and the appliance's other work however many hosts a deploy works on at once.
   */
  static final int KEPT_FROM_DEPLOYS = 4;

  private final HikariDataSource pool;
  private final PoolShare deployShare;
  private final EmbeddedDatabase embedded;
  private final String description;

  private Database(HikariDataSource pool, EmbeddedDatabase embedded, String description) {
    this.pool = pool;
    this.deployShare =
        new PoolShare(pool, POOL_SIZE - KEPT_FROM_DEPLOYS, java.time.Duration.ofSeconds(2));
    this.embedded = embedded;
    this.description = description;
  }

  /** Opens the configured database (starting the embedded one if needed) and migrates it. */
  public static Database open(Config config) {
    EmbeddedDatabase embedded = null;
    String url;
    String user;
    String password;
    String description;
    if (config.embeddedDatabase()) {
      embedded = EmbeddedDatabase.start(config.dataDir().resolve("postgres"), 0);
      url = embedded.jdbcUrl();
      user = "postgres";
      password = null;
      description =
          "embedded PostgreSQL, data in " + embedded.directory() + ", port " + embedded.port();
    } else {
      url = config.database().url();
      user = config.database().user();
      password = config.database().password() == null ? null : config.database().password().value();
      description = "external database " + redactUrl(url);
    }
    try {
      Database db = connect(url, user, password, description, embedded);
      db.migrate();
      return db;
    } catch (RuntimeException e) {
      if (embedded != null) {
        embedded.close();
      }
      throw e;
    }
  }

  /** Connects to an existing database without starting anything; for tests and benchmarks too. */
  public static Database connect(String url, String user, String password) {
    return connect(url, user, password, "database " + redactUrl(url), null);
  }

  private static Database connect(
      String url, String user, String password, String description, EmbeddedDatabase embedded) {
    HikariConfig hc = new HikariConfig();
    hc.setPoolName("perfmetrics");
    hc.setJdbcUrl(url);
    hc.setUsername(user);
    hc.setPassword(password);
    hc.setMaximumPoolSize(POOL_SIZE);
    hc.setMinimumIdle(2);
    // An outage must turn into a quick 503 for collectors, not a request that hangs.
    hc.setConnectionTimeout(2_000);
    hc.setValidationTimeout(1_000);
    // Start even when the database is down for a moment; requests answer 503 until it is back.
    hc.setInitializationFailTimeout(30_000);
    hc.addDataSourceProperty("reWriteBatchedInserts", "true");
    hc.addDataSourceProperty("tcpKeepAlive", "true");
    return new Database(new HikariDataSource(hc), embedded, description);
  }

  public MigrateResult migrate() {
    FluentConfiguration flyway =
        Flyway.configure()
            .dataSource(pool)
            .locations("classpath:db/migration")
            .failOnMissingLocations(true);
    // A session-level advisory lock: appliances sharing a database still migrate one at a time,
    // and no second connection waits in an open transaction (single-session servers such as
    // PGlite would deadlock on that).
    flyway
        .getConfigurationExtension(PostgreSQLConfigurationExtension.class)
        .setTransactionalLock(false);
    MigrateResult result = flyway.load().migrate();
    log.info(
        "schema at version {} ({} migration(s) applied now)",
        result.targetSchemaVersion == null ? "unchanged" : result.targetSchemaVersion,
        result.migrationsExecuted);
    return result;
  }

  public DataSource dataSource() {
    return pool;
  }

  /**
   * The part of the pool a deploy's reads and writes go through: at most all but {@link
   * #KEPT_FROM_DEPLOYS} connections at once, so a deploy at any concurrency cannot leave
   * collectors' uploads waiting on a dry pool (they get 503 after 2 s).
   */
  public DataSource deployShare() {
    return deployShare;
  }

  /** True when a connection can be had and answers within about a second. */
  public boolean isReachable() {
    try (Connection c = pool.getConnection();
        Statement s = c.createStatement()) {
      s.setQueryTimeout(1);
      s.execute("SELECT 1");
      return true;
    } catch (SQLException e) {
      return false;
    }
  }

  /** True when the timescaledb extension is installed in this database. */
  public boolean hasTimescale() {
    try (Connection c = pool.getConnection();
        Statement s = c.createStatement();
        var rs = s.executeQuery("SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'")) {
      return rs.next();
    } catch (SQLException e) {
      return false;
    }
  }

  public String description() {
    return description;
  }

  @Override
  public void close() {
    pool.close();
    if (embedded != null) {
      embedded.close();
    }
  }

  static String redactUrl(String url) {
    // JDBC URLs may carry password=... as a parameter
    return url.replaceAll("(?i)(password=)[^&]*", "$1****");
  }
}
