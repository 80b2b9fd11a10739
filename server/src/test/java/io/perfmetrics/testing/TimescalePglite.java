package io.perfmetrics.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * TimescaleDB for tests: PGlite (PostgreSQL 17 + TimescaleDB 2.23 in WASM, from npm) served on a
 * free loopback port by scripts/start-timescale-pglite. No TimescaleDB server package reaches these
 * machines; this is the real extension, compiled to WASM.
 */
public final class TimescalePglite implements AutoCloseable {
  private final Process process;
  private final int port;

  public TimescalePglite() {
    Path root = Path.of(System.getProperty("perfmetrics.root", "..")).toAbsolutePath().normalize();
    Path script = root.resolve("scripts/start-timescale-pglite");
    try {
      process =
          new ProcessBuilder(script.toString(), "--port", "0", "--exit-on-stdin-eof")
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException("could not run " + script + " (node and npm installed?)", e);
    }
    try {
      BufferedReader out =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      String line = out.readLine();
      if (line == null || !line.startsWith("READY ")) {
        process.destroyForcibly();
        throw new IllegalStateException(
            "TimescaleDB (PGlite) did not start: it said '" + line + "'; see stderr above");
      }
      port = Integer.parseInt(line.substring(6).trim());
    } catch (IOException e) {
      process.destroyForcibly();
      throw new UncheckedIOException(e);
    }
  }

  public String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:"
        + port
        + "/postgres?sslmode=disable&user=postgres&password=postgres";
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
