package io.perfmetrics.deploy;

import io.perfmetrics.store.StorageUnavailableException;
import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A deploy's database calls, retried while the database is briefly out of reach. The pool answers a
 * wait for a free connection within 2 s (so collectors get a quick 503); a burst of hosts at once,
 * each with its database round trips, on a busy machine can leave it dry for longer. At 32 hosts at
 * once on 2 busy cores, without this, workers stopped on "could not record a host's result" (their
 * hosts left "running" for nobody until a resume put them back to pending, 3 min later, for a
 * second attempt), and hosts whose sshd was fine failed on "could not read targets" or "could not
 * check the host key".
 */
public final class Persistently {
  private static final Logger log = LoggerFactory.getLogger(Persistently.class);

  private Persistently() {}

  /**
   * Runs {@code step}, again after a pause (100 ms, doubling up to 2 s) while it fails for want of
   * the database; after {@code limit} the failure stands: the database is really gone.
   */
  public static <T> T within(Duration limit, Supplier<T> step) {
    long deadline = System.nanoTime() + limit.toNanos();
    long pause = 100;
    while (true) {
      try {
        return step.get();
      } catch (StorageUnavailableException e) {
        if (System.nanoTime() - deadline > 0) {
          throw e;
        }
        log.debug("deploy: database busy or out of reach, trying again: {}", e.getMessage());
        try {
          Thread.sleep(pause);
        } catch (InterruptedException stop) {
          Thread.currentThread().interrupt();
          throw e;
        }
        pause = Math.min(pause * 2, 2_000);
      }
    }
  }
}
