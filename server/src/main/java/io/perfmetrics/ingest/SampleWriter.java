package io.perfmetrics.ingest;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.perfmetrics.config.Config;
import io.perfmetrics.store.StorageUnavailableException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit: requests hand their samples to a queue; a few writer threads take whatever has
 * queued up, write it with one COPY in one transaction and only then let the requests answer 204.
 * Under load this turns thousands of small bodies into a few large COPYs; a lone request waits at
 * most {@code batchWait} for company.
 *
 * <p>Replays: the first attempt copies straight into {@code samples}; the unique key refuses a
 * batch that repeats stored samples, and only then is the batch written again through a staging
 * table with {@code ON CONFLICT DO NOTHING}. Replays are rare, so the common case pays nothing for
 * deduplication.
 */
public final class SampleWriter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SampleWriter.class);
  private static final String UNIQUE_VIOLATION = "23505";

  /**
   * "no partition of relation samples found for row": the compactor dropped an hour's partition.
   */
  private static final String NO_PARTITION = "23514";

  private static final java.util.Comparator<SampleBatch> BY_KEY =
      java.util.Comparator.<SampleBatch>comparingLong(b -> b.size() == 0 ? 0 : b.epochSeconds()[0])
          .thenComparingInt(SampleBatch::collectorId);

  private record Pending(SampleBatch batch, CompletableFuture<Void> stored) {}

  /**
   * Work that must commit or fail together with the samples, run in their transaction just before
   * the commit (sizing marks the hours it has to roll up again). It sees every batch of the group,
   * replays included.
   */
  @FunctionalInterface
  public interface InTransaction {
    InTransaction NONE = (c, batches) -> {};

    void run(Connection c, List<SampleBatch> batches) throws SQLException;
  }

  /** Too much queued already: answer 503 at once rather than pile up. */
  public static final class OverloadedException extends RuntimeException {
    public OverloadedException(String message) {
      super(message, null, false, false);
    }
  }

  private final DataSource dataSource;
  private final Config.Ingest settings;
  private final InTransaction alsoInTransaction;
  private final LandingTable landing = new LandingTable();
  private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
  private final AtomicLong queuedRows = new AtomicLong();
  private final AtomicLong storedRows = new AtomicLong();
  private final List<Thread> writers = new ArrayList<>();
  private volatile boolean running = true;
  private final Counter storedCounter;
  private final Counter busyRefusals;
  private final Timer commitsStored;
  private final Timer commitsFailed;

  public SampleWriter(DataSource dataSource, Config.Ingest settings) {
    this(dataSource, settings, InTransaction.NONE, new SimpleMeterRegistry());
  }

  public SampleWriter(
      DataSource dataSource,
      Config.Ingest settings,
      InTransaction alsoInTransaction,
      MeterRegistry metrics) {
    this.dataSource = dataSource;
    this.settings = settings;
    this.alsoInTransaction = alsoInTransaction;
    storedCounter =
        Counter.builder("perfmetrics.ingest.samples.stored")
            .description("samples committed to the database")
            .register(metrics);
    busyRefusals =
        Counter.builder("perfmetrics.ingest.busy.refusals")
            .description(
                "requests answered 503 at once because too many samples waited for the database")
            .register(metrics);
    Gauge.builder("perfmetrics.ingest.queue.samples", queuedRows, AtomicLong::get)
        .description("samples accepted and waiting for their commit")
        .register(metrics);
    Gauge.builder("perfmetrics.ingest.queue.limit.samples", settings, Config.Ingest::queueRows)
        .description("queued samples beyond which requests are refused with 503")
        .register(metrics);
    commitsStored = commitTimer(metrics, "stored");
    commitsFailed = commitTimer(metrics, "failed");
    for (int i = 0; i < settings.writers(); i++) {
      Thread t = Thread.ofPlatform().name("sample-writer-" + i).daemon().start(this::run);
      writers.add(t);
    }
  }

  private static Timer commitTimer(MeterRegistry metrics, String outcome) {
    return Timer.builder("perfmetrics.ingest.commit")
        .description(
            "one group commit: connection, COPY and commit of every request queued together")
        .tag("outcome", outcome)
        .publishPercentileHistogram()
        .register(metrics);
  }

  /** Queues a batch; the future completes once it is committed, or fails with the reason. */
  public CompletableFuture<Void> submit(SampleBatch batch) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    if (batch.size() == 0) {
      f.complete(null);
      return f;
    }
    long after = queuedRows.addAndGet(batch.size());
    if (after > settings.queueRows()) {
      queuedRows.addAndGet(-batch.size());
      busyRefusals.increment();
      throw new OverloadedException(
          "receiver busy: "
              + (after - batch.size())
              + " samples waiting for the database (limit "
              + settings.queueRows()
              + ")");
    }
    queue.add(new Pending(batch, f));
    return f;
  }

  /** Samples committed since start, for progress and benchmarks. */
  public long storedRows() {
    return storedRows.get();
  }

  private void run() {
    SampleCopy copy = new SampleCopy();
    List<Pending> group = new ArrayList<>();
    while (running) {
      try {
        Pending first = queue.poll(200, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        group.add(first);
        int rows = first.batch().size();
        long deadline = System.nanoTime() + settings.batchWait().toNanos();
        while (rows < settings.batchRows()) {
          Pending next = queue.poll();
          if (next == null) {
            long wait = deadline - System.nanoTime();
            if (wait <= 0 || (next = queue.poll(wait, TimeUnit.NANOSECONDS)) == null) {
              break;
            }
          }
          group.add(next);
          rows += next.batch().size();
        }
        write(copy, group, rows);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      } finally {
        group.clear();
      }
    }
  }

  private void write(SampleCopy copy, List<Pending> group, int rows) {
    List<SampleBatch> batches = new ArrayList<>(group.size());
    for (Pending p : group) {
      batches.add(p.batch());
    }
    // In key order the unique index is filled page by page instead of all over its recent end.
    batches.sort(BY_KEY);
    RuntimeException failure = null;
    long started = System.nanoTime();
    try (Connection c = dataSource.getConnection()) {
      for (int attempt = 1; ; attempt++) {
        c.setAutoCommit(true);
        landing.prepare(c, batches);
        c.setAutoCommit(false);
        try {
          copy.copy(c, "samples", batches);
          alsoInTransaction.run(c, batches);
          c.commit();
        } catch (SQLException e) {
          c.rollback();
          if (NO_PARTITION.equals(e.getSQLState()) && attempt == 1) {
            // a late sample for an hour compacted and dropped meanwhile: make it again
            landing.forget();
            continue;
          }
          if (!UNIQUE_VIOLATION.equals(e.getSQLState())) {
            throw e;
          }
          writeDeduplicated(c, copy, batches, alsoInTransaction);
        }
        break;
      }
      storedRows.addAndGet(rows);
      storedCounter.increment(rows);
    } catch (SQLException e) {
      log.warn(
          "could not store {} samples from {} request(s): {}", rows, group.size(), e.getMessage());
      failure = new StorageUnavailableException("database unavailable: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      log.error("unexpected failure storing {} samples", rows, e);
      failure = e;
    } finally {
      queuedRows.addAndGet(-rows);
      (failure == null ? commitsStored : commitsFailed)
          .record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
    }
    for (Pending p : group) {
      if (failure == null) {
        p.stored().complete(null);
      } else {
        p.stored().completeExceptionally(failure);
      }
    }
  }

  private static void writeDeduplicated(
      Connection c, SampleCopy copy, List<SampleBatch> batches, InTransaction alsoInTransaction)
      throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(
          "CREATE TEMP TABLE IF NOT EXISTS samples_incoming (LIKE samples INCLUDING DEFAULTS)"
              + " ON COMMIT DELETE ROWS");
      copy.copy(c, "samples_incoming", batches);
      int inserted =
          s.executeUpdate(
              "INSERT INTO samples SELECT * FROM samples_incoming ON CONFLICT DO NOTHING");
      alsoInTransaction.run(c, batches);
      c.commit();
      log.debug("replayed batch: {} new sample(s) stored, duplicates ignored", inserted);
    } catch (SQLException e) {
      c.rollback();
      throw e;
    }
  }

  @Override
  public void close() {
    running = false;
    for (Thread t : writers) {
      try {
        t.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    Pending p;
    while ((p = queue.poll()) != null) {
      p.stored()
          .completeExceptionally(new StorageUnavailableException("receiver is shutting down"));
    }
  }
}
