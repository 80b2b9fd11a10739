package io.perfmetrics.sizing;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The catalog in use: the one in the jar, or the operator's file. The file is re-read when its
 * modification time changes, looked at no more often than every {@code checkEvery} (by the injected
 * clock), so replacing it takes effect without a restart. A file that does not parse is logged and
 * the previous catalog stays.
 */
public final class CatalogSource {
  private static final Logger log = LoggerFactory.getLogger(CatalogSource.class);
  public static final String BUILT_IN = "sizing/catalog.csv";

  private final Path file;
  private final Clock clock;
  private final Duration checkEvery;
  private final AtomicLong version = new AtomicLong();
  private volatile Catalog current;
  private volatile FileTime loadedMtime;
  private volatile Instant nextCheck = Instant.MIN;

  /**
   * @param file null for the built-in catalog
   */
  public CatalogSource(Path file, Clock clock, Duration checkEvery) {
    this.file = file;
    this.clock = clock;
    this.checkEvery = checkEvery;
    if (file == null) {
      current = builtIn();
    } else {
      loadFile();
      if (current == null) {
        throw new IllegalArgumentException("catalog " + file + " could not be read; see the log");
      }
    }
  }

  public static Catalog builtIn() {
    try (InputStream in = CatalogSource.class.getClassLoader().getResourceAsStream(BUILT_IN)) {
      if (in == null) {
        throw new IllegalStateException(BUILT_IN + " is missing from the jar");
      }
      return Catalog.parse(
              new InputStreamReader(in, StandardCharsets.UTF_8), "built-in " + BUILT_IN)
          .withDisks(DiskCatalog.builtIn());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The catalog, re-read first if the file changed (checked at most every checkEvery). */
  public Catalog current() {
    if (file != null) {
      Instant now = clock.instant();
      if (!now.isBefore(nextCheck)) {
        synchronized (this) {
          if (!now.isBefore(nextCheck)) {
            nextCheck = now.plus(checkEvery);
            try {
              if (!Files.getLastModifiedTime(file).equals(loadedMtime)) {
                loadFile();
              }
            } catch (IOException e) {
              log.warn(
                  "catalog {} cannot be read ({}); keeping the one loaded", file, e.toString());
            }
          }
        }
      }
    }
    return current;
  }

  /** Changes whenever a new catalog is loaded; part of every cached report's identity. */
  public long version() {
    return version.get();
  }

  private void loadFile() {
    try {
      FileTime mtime = Files.getLastModifiedTime(file);
      Catalog c;
      try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        // the operator's file replaces the instance types; disks and limits stay the built-in ones
        c = Catalog.parse(r, file.toString()).withDisks(DiskCatalog.builtIn());
      }
      current = c;
      loadedMtime = mtime;
      version.incrementAndGet();
      log.info("instance catalog: {} types from {}", c.size(), file);
    } catch (IOException | IllegalArgumentException e) {
      log.warn("catalog {} not loaded: {}; keeping the previous one", file, e.getMessage());
    }
  }
}
