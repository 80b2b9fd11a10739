package io.perfmetrics.store;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The PostgreSQL the appliance starts itself when no database is configured. Its cluster lives
 * in a persistent directory and survives restarts. The library's defaults trade durability for
 * speed (fsync off); an appliance that stores customers' data must not, so they are switched
 * back on here.
 */
public final class EmbeddedDatabase implements AutoCloseable {
  static final Map<String, String> DURABLE_SETTINGS =
      Map.of(
          "fsync", "on",
          "synchronous_commit", "on",
          "full_page_writes", "on",
          "listen_addresses", "127.0.0.1",
          "max_connections", "100",
          "shared_buffers", "256MB",
          "max_wal_size", "2GB");

  private final EmbeddedPostgres postgres;
  private final Path directory;

  private EmbeddedDatabase(EmbeddedPostgres postgres, Path directory) {
    this.postgres = postgres;
    this.directory = directory;
  }

  /**
   * Starts (initialising on first use) the cluster in {@code directory}.
   *
   * @param port 0 picks a free port
   */
  public static EmbeddedDatabase start(Path directory, int port) {
    try {
      Files.createDirectories(directory);
      var builder =
          EmbeddedPostgres.builder()
              .setDataDirectory(directory)
              .setCleanDataDirectory(false)
              .setPGStartupWait(Duration.ofSeconds(60));
      DURABLE_SETTINGS.forEach(builder::setServerConfig);
      if (port > 0) {
        builder.setPort(port);
      }
      return new EmbeddedDatabase(builder.start(), directory);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "could not start the embedded PostgreSQL in " + directory + ": " + e.getMessage(), e);
    }
  }

  public String jdbcUrl() {
    return postgres.getJdbcUrl("postgres", "postgres");
  }

  public int port() {
    return postgres.getPort();
  }

  public Path directory() {
    return directory;
  }

  @Override
  public void close() {
    try {
      postgres.close();
    } catch (IOException e) {
      throw new UncheckedIOException("could not stop the embedded PostgreSQL in " + directory, e);
    }
  }
}
