package io.perfmetrics.testing;

import io.perfmetrics.store.EmbeddedDatabase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A real PostgreSQL for a test: its own cluster in a temporary directory, on a free loopback port.
 * Can be stopped and started again on the same port and data, to play an outage.
 */
public final class TestPostgres implements AutoCloseable {
  private final Path dir;
  private final boolean keep;
  private final int port;
  private EmbeddedDatabase running;

  public TestPostgres() {
    this(temporary(), false);
  }

  private TestPostgres(Path dir, boolean keep) {
    this.dir = dir;
    this.keep = keep;
    port = freePort();
    start();
  }

  /**
   * A cluster in {@code dir} (created, or the one a run before left there) that close() stops but
   * does not delete: for a benchmark whose hour-long load is measured once and its reports again.
   */
  public static TestPostgres kept(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new TestPostgres(dir, true);
  }

  private static Path temporary() {
    try {
      return Files.createTempDirectory("perfmetrics-pg-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public synchronized void start() {
    if (running == null) {
      running = EmbeddedDatabase.start(dir.resolve("cluster"), port);
    }
  }

  public synchronized void stop() {
    if (running != null) {
      running.close();
      running = null;
    }
  }

  public String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres";
  }

  /** A new, empty database in this cluster, for a test that wants a schema of its own. */
  public String newDatabase() {
    String name = "t" + Long.toHexString(System.nanoTime());
    try (var c = java.sql.DriverManager.getConnection(jdbcUrl());
        var s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException("could not create a test database: " + e.getMessage(), e);
    }
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + name + "?user=postgres";
  }

  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    stop();
    if (!keep) {
      TempDirs.delete(dir);
    }
  }
}
