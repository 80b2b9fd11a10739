package io.perfmetrics.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.perfmetrics.store.StorageUnavailableException;
import io.perfmetrics.testing.FuzzContract;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * Sample bodies come from collectors. Any bytes give a batch of valid samples or a 400 that says
 * why. Names the parser has not seen are registered in the database, which is not part of this
 * target: reaching it with well-formed names is the third allowed outcome.
 */
class SamplesParserFuzzTest {
  private static final Instant NOW = Instant.parse("2026-11-01T00:00:00Z");
  private static final SamplesParser PARSER = parser();

  private static SamplesParser parser() {
    MetricIds ids = new MetricIds(new NoDatabase());
    short id = 1;
    for (String name : new String[] {"cpu.busy_pct", "mem.used_bytes", "net.rx_bytes_per_s"}) {
      ids.remember(name, id++);
    }
    return new SamplesParser(ids, Clock.fixed(NOW, ZoneOffset.UTC));
  }

  @FuzzTest
  void anyTextBodyGivesSamplesOrAReason(byte[] body) {
    FuzzContract.bounded(() -> check(() -> PARSER.parseText(7, body, body.length)));
  }

  @FuzzTest
  void anyJsonBodyGivesSamplesOrAReason(byte[] body) {
    FuzzContract.bounded(() -> check(() -> PARSER.parseJson(7, body, body.length)));
  }

  private interface Parse {
    SampleBatch run() throws MalformedSamplesException;
  }

  private static void check(Parse parse) {
    SampleBatch batch;
    try {
      batch = parse.run();
    } catch (MalformedSamplesException e) {
      assertThat(e.getMessage()).isNotBlank();
      return;
    } catch (StorageUnavailableException e) {
      assertThat(e.getMessage()).contains("no database in this target");
      return;
    }
    for (int i = 0; i < batch.size(); i++) {
      assertThat(batch.epochSeconds()[i])
          .isBetween(SamplesParser.MIN_EPOCH_S, NOW.getEpochSecond() + SamplesParser.MAX_FUTURE_S);
      assertThat(Double.isFinite(batch.values()[i])).isTrue();
      assertThat(batch.metricIds()[i]).isPositive();
    }
  }

  /** The database boundary, refused: registering a new name is outside the parser. */
  private static final class NoDatabase implements DataSource {
    @Override
    public Connection getConnection() throws SQLException {
      throw new SQLException("no database in this target");
    }

    @Override
    public Connection getConnection(String user, String password) throws SQLException {
      return getConnection();
    }

    @Override
    public PrintWriter getLogWriter() {
      return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {}

    @Override
    public void setLoginTimeout(int seconds) {}

    @Override
    public int getLoginTimeout() {
      return 0;
    }

    @Override
    public Logger getParentLogger() {
      return Logger.getGlobal();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
      throw new SQLException("not a wrapper");
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
      return false;
    }
  }
}
