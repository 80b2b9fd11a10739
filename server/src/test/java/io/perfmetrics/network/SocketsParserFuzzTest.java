package io.perfmetrics.network;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.perfmetrics.ingest.MalformedSamplesException;
import io.perfmetrics.testing.FuzzContract;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

/** Socket snapshots come from collectors: any bytes give snapshots or a line-numbered 400. */
class SocketsParserFuzzTest {
  private static final SocketsParser PARSER =
      new SocketsParser(Clock.fixed(Instant.parse("2026-11-01T00:00:00Z"), ZoneOffset.UTC));

  @FuzzTest
  void anyBodyParsesOrIsRefusedWithALine(byte[] body) {
    FuzzContract.bounded(
        () -> {
          try {
            List<SocketSnapshot> snapshots = PARSER.parse(body, body.length);
            for (SocketSnapshot s : snapshots) {
              assertThat(s.listeners().size() + s.connections().size())
                  .isLessThanOrEqualTo(body.length);
            }
          } catch (MalformedSamplesException e) {
            assertThat(e.getMessage()).isNotBlank();
          }
        });
  }
}
