package io.perfmetrics.deploy;

import io.perfmetrics.targets.Target;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One host's attempt within its time limit: the step it is at, and the connections to close when
 * the limit passes. Interrupting the thread is not enough to bound a host: a channel close waits
 * for the remote's answer, and a database call or a blocked read need not notice an interrupt. So
 * the job's worker, when the limit passes, closes what the attempt registered (the SSH connection:
 * every wait on it then ends with an error; the SMB context, which jcifs-ng closes only where no
 * request is outstanding, so a silent Windows host's wait ends at jcifs's own timeout), records the
 * step, and moves on.
 */
public final class HostAttempt {
  private static final Logger log = LoggerFactory.getLogger(HostAttempt.class);

  private volatile String step = "waiting to start";
  private volatile @Nullable Target target;

  /** Guarded by this. */
  private final List<AutoCloseable> open = new ArrayList<>();

  /** Guarded by this. */
  private boolean abandoned;

  /** Whether giving up closed a connection (none is open yet while the target is being read). */
  private volatile boolean closedConnection;

  /**
   * When the attempt went to the network, or null while it has not (a host it never contacted logs
   * nothing).
   */
  private volatile @Nullable Instant contactedAt;

  /** For callers that impose no limit of their own (tests, single calls). */
  public static HostAttempt unbounded() {
    return new HostAttempt();
  }

  /** What the attempt is doing now, in words for "timed out after 60 s during ...". */
  public void step(String what) {
    step = what;
  }

  public String step() {
    return step;
  }

  /** The target being worked on, once it has been read. */
  public void target(Target t) {
    target = t;
  }

  public @Nullable Target target() {
    return target;
  }

  /**
   * Closes {@code connection} if the attempt is given up; at once when it already was (the worker
   * gave up while it was being opened).
   */
  public void closeWhenAbandoned(AutoCloseable connection) {
    synchronized (this) {
      if (!abandoned) {
        open.add(connection);
        return;
      }
    }
    closeQuietly(connection);
  }

  public synchronized boolean abandoned() {
    return abandoned;
  }

  /**
   * Throws once the attempt was given up. Closing a connection that is not open yet does not stop
   * it from being opened afterwards, so a transport asks this after connecting and before it
   * changes anything on the host: a host reported as timed out gets nothing deployed later.
   */
  public void ensureLive(String where) throws TransportException {
    if (abandoned()) {
      throw new TransportException(
          TransportException.Kind.TIMEOUT,
          where + ": given up at the host's time limit during " + step,
          null);
    }
  }

  /** The attempt is about to contact the host: its end is an operation for the log. */
  void contactingHost(Instant at) {
    contactedAt = at;
  }

  /** When the attempt went on to contact the host, or null if it did not get that far. */
  @Nullable Instant contactedAt() {
    return contactedAt;
  }

  /** Gives the attempt up: closes every connection it registered; returns the step it was at. */
  String abandon() {
    String at = step;
    List<AutoCloseable> toClose;
    synchronized (this) {
      abandoned = true;
      toClose = List.copyOf(open);
      open.clear();
    }
    closedConnection = !toClose.isEmpty();
    toClose.forEach(HostAttempt::closeQuietly);
    return at;
  }

  boolean closedConnection() {
    return closedConnection;
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      // a connection being cut off may complain; it is closed either way
      log.debug("closing a connection of an abandoned host: {}", e.toString());
    }
  }
}
