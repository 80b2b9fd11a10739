package io.perfmetrics.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.perfmetrics.config.DiscoverySettings;
import io.perfmetrics.testing.MigratedDatabase;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * The scan dispatcher against real PostgreSQL: with nothing pending it queries less and less often,
 * and a scan started on the same appliance is still claimed at once.
 */
class ScanDispatcherIT {
  private static final String CLAIM = "UPDATE scan_hosts SET state = 'running'";

  @Test
  void anIdleDispatcherBacksOffAndAScanStartedHereWakesIt() throws Exception {
    try (MigratedDatabase database = new MigratedDatabase()) {
      AtomicInteger claims = new AtomicInteger();
      DataSource counting = countingClaims(database.dataSource(), claims);
      DiscoverySettings settings = DiscoverySettings.defaults();
      Clock clock = Clock.systemUTC();
      // a long ceiling: a start the dispatcher missed would wait it out and fail the test below
      ScanService scans =
          new ScanService(
              counting,
              new ObjectMapper(),
              new NetOpsLog(database.dataSource()),
              settings,
              clock,
              new RealNetwork(settings),
              Pacer.Sleeper.real(clock),
              new SimpleMeterRegistry(),
              Duration.ofSeconds(60));
      try {
        scans.start();
        Thread.sleep(8_000);
        // 250 ms doubling: claims at 0, 0.25, 0.75, 1.75, 3.75 and 7.75 s; at a fixed 250 ms, 33
        assertThat(claims.get()).as("claims in 8 idle seconds").isBetween(2, 8);

        // the dispatcher is now in a 8 s wait; the start must cut it short
        long t0 = System.nanoTime();
        long id = scans.start(new ScanRequest(List.of("127.0.0.9"), List.of(), false)).id();
        String state = "pending";
        while (state.equals("pending") && System.nanoTime() - t0 < 20_000_000_000L) {
          Thread.sleep(20);
          state = scans.hosts(id, null, 10, 0).get(0).state();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertThat(state).as("the address is claimed").isNotEqualTo("pending");
        assertThat(seconds).as("seconds until the new scan's address was claimed").isLessThan(4);
        scans.cancel(id);
      } finally {
        scans.close();
      }
    }
  }

  /** The data source with every claim statement counted. */
  private static DataSource countingClaims(DataSource ds, AtomicInteger claims) {
    return (DataSource)
        Proxy.newProxyInstance(
            ScanDispatcherIT.class.getClassLoader(),
            new Class<?>[] {DataSource.class},
            (proxy, method, args) -> {
              Object result = invoke(method, ds, args);
              if (method.getName().equals("getConnection")) {
                Connection c = (Connection) result;
                return Proxy.newProxyInstance(
                    ScanDispatcherIT.class.getClassLoader(),
                    new Class<?>[] {Connection.class},
                    (p, m, a) -> {
                      if (m.getName().equals("prepareStatement")
                          && a != null
                          && a[0] instanceof String sql
                          && sql.startsWith(CLAIM)) {
                        claims.incrementAndGet();
                      }
                      return invoke(m, c, a);
                    });
              }
              return result;
            });
  }

  private static Object invoke(Method m, Object target, Object[] args) throws Throwable {
    try {
      return m.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
