package io.perfmetrics.network;

import io.perfmetrics.config.Config;
import io.perfmetrics.ingest.SampleWriter;
import io.perfmetrics.store.StorageUnavailableException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit for socket snapshots, as {@link SampleWriter} does for samples: requests queue their
 * parsed bodies; a few writer threads take whatever has queued up and store it in one transaction
 * ({@link SocketStore#write}); only then do the requests answer 204. Under load thousands of small
 * bodies become a few large upserts and one WAL flush each.
 */
public final class SocketWriter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SocketWriter.class);

  /**
   * The longest the first body of a group waits for company, for sockets only (the samples keep
   * {@code Config.Ingest.batchWait}). A group does not wait on a timer: it takes what is queued and
   * goes, unless another writer's commit is still in flight, in which case what arrives meanwhile
   * joins it (group commit paced by the database). Each group costs a transaction, a keys
   * statement, a COPY and a WAL flush, which dominated PostgreSQL's CPU per row next to a bare COPY
   * of 50,000 rows; a fixed wait instead added its whole length to every answer and bound a closed
   * loop of uploads by latency (docs/ports.md).
   */
  static final java.time.Duration GROUP_WAIT = java.time.Duration.ofMillis(20);

  /** How often a waiting group looks whether the commit in flight has ended. */
  private static final long IN_FLIGHT_POLL_NANOS = TimeUnit.MICROSECONDS.toNanos(250);

  private record Pending(SocketCopy.Upload upload, int rows, CompletableFuture<Integer> stored) {}

  private final SocketStore store;
  private final Config.Ingest settings;
  private final long groupWaitNanos;
  private final java.util.function.Consumer<java.util.Set<Integer>> afterNewSnapshots;
  private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
  private final AtomicLong queuedRows = new AtomicLong();
  private final AtomicInteger committing = new AtomicInteger();
  private final List<Thread> writers = new ArrayList<>();
  private volatile boolean running = true;

  /**
   * @param afterNewSnapshots given the hosts after a commit that stored new snapshots of theirs
   *     (the audit re-reads them)
   */
  public SocketWriter(
      SocketStore store,
      Config.Ingest settings,
      java.util.function.Consumer<java.util.Set<Integer>> afterNewSnapshots) {
    this.store = store;
    this.settings = settings;
    this.afterNewSnapshots = afterNewSnapshots;
    this.groupWaitNanos = Math.max(settings.batchWait().toNanos(), GROUP_WAIT.toNanos());
    for (int i = 0; i < settings.writers(); i++) {
      writers.add(Thread.ofPlatform().name("socket-writer-" + i).daemon().start(this::run));
    }
  }

  /**
   * Queues a body's snapshots; the future completes with the number of new snapshots once
   * committed.
   */
  CompletableFuture<Integer> submit(int collectorId, List<SocketSnapshot> snapshots) {
    CompletableFuture<Integer> f = new CompletableFuture<>();
    if (snapshots.isEmpty()) {
      f.complete(0);
      return f;
    }
    int rows = 0;
    for (SocketSnapshot s : snapshots) {
      rows += 1 + s.listeners().size() + s.connections().size();
    }
    long after = queuedRows.addAndGet(rows);
    if (after > settings.queueRows()) {
      queuedRows.addAndGet(-rows);
      throw new SampleWriter.OverloadedException(
          "receiver busy: "
              + (after - rows)
              + " socket rows waiting for the database (limit "
              + settings.queueRows()
              + ")");
    }
    queue.add(new Pending(new SocketCopy.Upload(collectorId, snapshots), rows, f));
    return f;
  }

  private void run() {
    SocketCopy copy = new SocketCopy();
    List<Pending> group = new ArrayList<>();
    while (running) {
      try {
        Pending first = queue.poll(200, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        group.add(first);
        int rows = first.rows();
        long deadline = System.nanoTime() + groupWaitNanos;
        while (rows < settings.batchRows()) {
          Pending next = queue.poll();
          if (next == null) {
            long wait = deadline - System.nanoTime();
            if (committing.get() == 0 || wait <= 0) {
              break;
            }
            next = queue.poll(Math.min(wait, IN_FLIGHT_POLL_NANOS), TimeUnit.NANOSECONDS);
            if (next == null) {
              continue;
            }
          }
          group.add(next);
          rows += next.rows();
        }
        committing.incrementAndGet();
        try {
          write(copy, group, rows);
        } finally {
          committing.decrementAndGet();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      } finally {
        group.clear();
      }
    }
  }

  private void write(SocketCopy copy, List<Pending> group, int rows) {
    List<SocketCopy.Upload> uploads = new ArrayList<>(group.size());
    for (Pending p : group) {
      uploads.add(p.upload());
    }
    RuntimeException failure = null;
    int fresh = 0;
    try {
      SocketStore.Written written = store.write(uploads, copy);
      fresh = written.snapshots();
      if (fresh > 0) {
        afterNewSnapshots.accept(written.hosts());
      }
    } catch (SQLException e) {
      log.warn(
          "could not store {} socket rows from {} request(s): {}",
          rows,
          group.size(),
          e.getMessage());
      failure = new StorageUnavailableException("database unavailable: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      log.error("unexpected failure storing {} socket rows", rows, e);
      failure = e;
    } finally {
      queuedRows.addAndGet(-rows);
    }
    for (Pending p : group) {
      if (failure == null) {
        p.stored().complete(fresh);
      } else {
        p.stored().completeExceptionally(failure);
      }
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
