package io.perfmetrics.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.perfmetrics.testing.MigratedDatabase;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The operations log against real PostgreSQL: an operation is recorded even by a probe a cancel
 * interrupted.
 */
class NetOpsLogIT {
  static MigratedDatabase database;

  @BeforeAll
  static void start() {
    database = new MigratedDatabase();
  }

  @AfterAll
  static void stop() {
    if (database != null) {
      database.close();
    }
  }

  @Test
  void anInterruptedProbeStillRecordsWhatItSentAndKeepsItsInterrupt() throws Exception {
    NetOpsLog log = new NetOpsLog(database.dataSource());
    AtomicReference<Throwable> failure = new AtomicReference<>();
    AtomicBoolean stillInterrupted = new AtomicBoolean();
    // scan probes run on virtual threads, where an interrupt closes the thread's sockets
    Thread probe =
        Thread.ofVirtual()
            .unstarted(
                () -> {
                  Thread.currentThread().interrupt();
                  try {
                    log.record(
                        new NetOpsLog.Operation(
                            Instant.now(),
                            "discovery",
                            null,
                            "127.0.0.77",
                            22,
                            "tcp",
                            "port probe",
                            "interrupted",
                            "scan cancelled"));
                  } catch (Throwable t) {
                    failure.set(t);
                  }
                  stillInterrupted.set(Thread.currentThread().isInterrupted());
                });
    probe.start();
    probe.join();
    assertThat(failure.get()).isNull();
    assertThat(stillInterrupted.get()).as("the caller still sees its interrupt").isTrue();
    assertThat(log.query(new NetOpsLog.Filter(null, "127.0.0.77", null, null, null, null, 10, 0)))
        .singleElement()
        .satisfies(op -> assertThat(op.result()).isEqualTo("interrupted"));
  }
}
