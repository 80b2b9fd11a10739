package io.perfmetrics.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.perfmetrics.store.Database;
import io.perfmetrics.testing.TestPostgres;
import java.time.Clock;
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
  static TestPostgres postgres;
  static Database database;

  @BeforeAll
  static void start() {
    postgres = new TestPostgres();
    database = Database.connect(postgres.newDatabase(), null, null);
    database.migrate();
  }

  @AfterAll
  static void stop() {
    if (database != null) {
      database.close();
    }
    if (postgres != null) {
      postgres.close();
    }
  }

  @Test
  void anInterruptedProbeStillRecordsWhatItSentAndKeepsItsInterrupt() throws Exception {
    NetOpsLog log = new NetOpsLog(database.dataSource(), Clock.systemUTC());
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
                        "discovery",
                        null,
                        "127.0.0.77",
                        22,
                        "tcp",
                        "port probe",
                        "interrupted",
                        "scan cancelled");
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
