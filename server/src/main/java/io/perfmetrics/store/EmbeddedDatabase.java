package io.perfmetrics.store;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL the appliance starts itself when no database is configured. Its cluster lives in a
 * persistent directory and survives restarts. The library's defaults trade durability for speed
 * (fsync off); an appliance that stores customers' data must not, so they are switched back on
 * here.
 *
 * <p>The server must not outlive the appliance. A watchdog (a shell reading a pipe from this JVM)
 * asks it for a fast shutdown when the pipe closes, which the kernel does however the JVM ends,
 * {@code kill -9} and the OOM killer included. A postmaster of this data directory still found
 * running at start (say the watchdog was killed too) is stopped before the new one starts.
 */
public final class EmbeddedDatabase implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedDatabase.class);

  /** How long a left-over postmaster gets for its fast shutdown before it is killed. */
  private static final long ORPHAN_STOP_WAIT_S = 20;

  /**
   * $1 the postmaster's pid, $2 the data directory. Waits for end of input, then stops the
   * postmaster if the pid file still names it (after a clean stop it is gone, and the pid may
   * belong to someone else by then).
   */
  private static final String WATCHDOG_SCRIPT =
      "while read -r _; do :; done; [ \"$(head -n 1 \"$2/postmaster.pid\" 2>/dev/null)\" = \"$1\" ] && kill -INT \"$1\"";

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
  private final Process watchdog;

  private EmbeddedDatabase(EmbeddedPostgres postgres, Path directory, Process watchdog) {
    this.postgres = postgres;
    this.directory = directory;
    this.watchdog = watchdog;
  }

  /**
   * Starts (initialising on first use) the cluster in {@code directory}.
   *
   * @param port 0 picks a free port
   */
  public static EmbeddedDatabase start(Path directory, int port) {
    try {
      Files.createDirectories(directory);
      stopLeftOver(directory);
      var builder =
          EmbeddedPostgres.builder()
              .setDataDirectory(directory)
              .setCleanDataDirectory(false)
              .setPGStartupWait(Duration.ofSeconds(60));
      DURABLE_SETTINGS.forEach(builder::setServerConfig);
      if (port > 0) {
        builder.setPort(port);
      }
      EmbeddedPostgres pg = builder.start();
      Process watchdog;
      try {
        // zonky starts it through pg_ctl: the postmaster's pid is the one in its pid file
        long pid =
            runningPostmaster(directory)
                .orElseThrow(
                    () ->
                        new IOException(
                            "the embedded PostgreSQL started but wrote no postmaster.pid"))
                .pid();
        watchdog = startWatchdog(pid, directory);
      } catch (IOException e) {
        pg.close();
        throw e;
      }
      return new EmbeddedDatabase(pg, directory, watchdog);
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

  /** The pid in {@code postmaster.pid} if that process still runs and is a postgres. */
  static Optional<ProcessHandle> runningPostmaster(Path directory) {
    Path pidFile = directory.resolve("postmaster.pid");
    List<String> lines;
    try {
      lines = Files.readAllLines(pidFile);
    } catch (IOException e) {
      return Optional.empty();
    }
    if (lines.isEmpty()) {
      return Optional.empty();
    }
    long pid;
    try {
      pid = Long.parseLong(lines.get(0).trim());
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
    return ProcessHandle.of(pid)
        .filter(EmbeddedDatabase::running)
        // a stale pid file whose pid now belongs to another program is no postmaster of ours
        .filter(
            p ->
                p.info()
                    .command()
                    .map(c -> c.endsWith("/postgres") || c.equals("postgres"))
                    .orElse(false));
  }

  /**
   * Stops a postmaster that an earlier run of the appliance left running on this data directory:
   * fast shutdown (it checkpoints; everything committed stays), then, if it will not go, kills it
   * (the next start recovers from the WAL).
   */
  static void stopLeftOver(Path directory) throws IOException {
    Optional<ProcessHandle> found = runningPostmaster(directory);
    if (found.isEmpty()) {
      return;
    }
    ProcessHandle pm = found.get();
    log.warn(
        "embedded PostgreSQL: a postmaster (pid {}) of {} is still running, left by an earlier run of the"
            + " appliance that ended abruptly; stopping it (fast shutdown)",
        pm.pid(),
        directory);
    long started = System.nanoTime();
    signal("-INT", pm.pid());
    if (!waitForExit(pm, ORPHAN_STOP_WAIT_S)) {
      log.warn(
          "embedded PostgreSQL: pid {} did not stop within {} s; killing it",
          pm.pid(),
          ORPHAN_STOP_WAIT_S);
      pm.descendants().forEach(ProcessHandle::destroyForcibly);
      pm.destroyForcibly();
      if (!waitForExit(pm, 10)) {
        throw new IOException(
            "a postmaster (pid "
                + pm.pid()
                + ") of "
                + directory
                + " is still running and"
                + " could not be stopped; stop it, then start again");
      }
    }
    log.warn(
        "embedded PostgreSQL: the left-over postmaster (pid {}) stopped after {} ms",
        pm.pid(),
        (System.nanoTime() - started) / 1_000_000);
  }

  private static boolean waitForExit(ProcessHandle p, long seconds) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (running(p)) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return !running(p);
      }
    }
    return true;
  }

  /**
   * Alive and not a zombie. An orphaned postmaster's parent is init, and where init does not reap
   * (some containers) an ended one stays a zombie that {@link ProcessHandle#isAlive} still counts.
   */
  public static boolean running(ProcessHandle p) {
    if (!p.isAlive()) {
      return false;
    }
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(p.pid()), "stat"));
      int close = stat.lastIndexOf(')');
      return close < 0 || close + 2 >= stat.length() || stat.charAt(close + 2) != 'Z';
    } catch (IOException e) {
      // no /proc (not Linux) or gone meanwhile
      return p.isAlive();
    }
  }

  private static void signal(String signal, long pid) throws IOException {
    Process kill =
        new ProcessBuilder("kill", signal, Long.toString(pid)).redirectErrorStream(true).start();
    try {
      kill.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static Process startWatchdog(long postmasterPid, Path directory) throws IOException {
    return new ProcessBuilder(
            "sh",
            "-c",
            WATCHDOG_SCRIPT,
            "perfmetrics-postgres-watchdog",
            Long.toString(postmasterPid),
            directory.toAbsolutePath().toString())
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
  }

  @Override
  public void close() {
    // the watchdog first, so it cannot race the orderly stop below
    watchdog.destroy();
    try {
      postgres.close();
    } catch (IOException e) {
      throw new UncheckedIOException("could not stop the embedded PostgreSQL in " + directory, e);
    }
  }
}
