package io.perfmetrics.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.perfmetrics.testing.FuzzContract;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/**
 * What scanned hosts answer, which the appliance never trusts: an SSH identification line, an SMB2
 * negotiate and session-setup exchange with its NTLM challenge, and nmap's XML about them. Each
 * gives a hint or nothing, never an exception the scan does not expect.
 */
class DiscoveryParsersFuzzTest {
  @FuzzTest
  void anySshBannerGivesAHintOrNone(byte[] banner) {
    String text = new String(banner, StandardCharsets.ISO_8859_1);
    FuzzContract.bounded(
        () -> {
          Optional<OsHint> hint = SshBanner.parse(text);
          hint.ifPresent(h -> assertThat(h.family()).isIn("unix", "windows", "unknown"));
        });
  }

  @FuzzTest
  void anySessionSetupAnswerGivesAChallengeOrNone(byte[] answer) {
    FuzzContract.bounded(
        () -> {
          int dialect = answer.length > 1 ? (answer[0] & 0xff) | (answer[1] & 0xff) << 8 : 0;
          byte[] msg = answer.length > 2 ? Arrays.copyOfRange(answer, 2, answer.length) : answer;
          SmbNtlm.parseChallenge(msg, dialect)
              .ifPresent(
                  c -> {
                    assertThat(c.dialect()).isEqualTo(dialect);
                    assertThat(c.hint().family()).isIn("unix", "windows", "unknown");
                  });
        });
  }

  /** The whole exchange against a server that answers these bytes. */
  @FuzzTest
  void anyServerAnswersGiveAChallengeNoneOrAnIoError(byte[] server) {
    FuzzContract.bounded(
        () -> {
          try {
            SmbNtlm.exchange(new ByteArrayInputStream(server), new ByteArrayOutputStream())
                .ifPresent(c -> assertThat(c.hint().source()).isNotBlank());
          } catch (IOException expected) {
            // a short or oversized answer: the scan records the host as not answering SMB
          }
        });
  }

  @FuzzTest
  void anyNmapOutputGivesAFamily(byte[] xml) {
    String text = new String(xml, StandardCharsets.UTF_8);
    FuzzContract.bounded(
        () -> assertThat(NmapXml.parse(text).family()).isIn("unix", "windows", "unknown"));
  }
}
