package io.perfmetrics.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.perfmetrics.ingest.MalformedSamplesException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class SocketsParserTest {
  static final long T = 1_764_000_000L;
  final SocketsParser parser =
      new SocketsParser(Clock.fixed(Instant.ofEpochSecond(T + 600), ZoneOffset.UTC));

  List<SocketSnapshot> parse(String body) throws MalformedSamplesException {
    byte[] b = body.getBytes(StandardCharsets.ISO_8859_1);
    return parser.parse(b, b.length);
  }

  String bad(String body) {
    try {
      parse(body);
    } catch (MalformedSamplesException e) {
      return e.getMessage();
    }
    throw new AssertionError("accepted: " + body);
  }

  @Test
  void theProtocolsExampleIsRead() throws Exception {
    String body =
        T
            + ",snapshot,proc,3,2,0\n"
            + T
            + ",listen,tcp,0.0.0.0,22,root,sshd,\n"
            + T
            + ",listen,tcp,127.0.0.1,5432,postgres,postgres,\n"
            + T
            + ",listen,udp,::,123,ntp,ntpd,\n"
            + T
            + ",conn,in,tcp,192.0.2.5,22,192.0.2.9,0,root,sshd,,1\n"
            + T
            + ",conn,out,tcp,192.0.2.5,0,192.0.2.7,5432,app,java,,14\n";

    List<SocketSnapshot> s = parse(body);

    assertThat(s).hasSize(1);
    assertThat(s.get(0).source()).isEqualTo("proc");
    assertThat(s.get(0).listeners())
        .containsExactly(
            new SocketSnapshot.Listener("tcp", "0.0.0.0", 22, "root", "sshd", ""),
            new SocketSnapshot.Listener("tcp", "127.0.0.1", 5432, "postgres", "postgres", ""),
            new SocketSnapshot.Listener("udp", "::", 123, "ntp", "ntpd", ""));
    assertThat(s.get(0).connections())
        .containsEntry(
            new SocketSnapshot.Connection(
                "out", "tcp", "192.0.2.5", 0, "192.0.2.7", 5432, "app", "java", ""),
            14);
  }

  @Test
  void severalSnapshotsAndEmptyOnesAndCrlfAreFine() throws Exception {
    String body =
        T
            + ",snapshot,cim,0,0,0\r\n"
            + (T + 300)
            + ",snapshot,netstat,1,0,7\r\n"
            + (T + 300)
            + ",listen,tcp,fe80:0:0:0:0:0:0:1,3389,,svchost.exe,TermService\r\n";

    List<SocketSnapshot> s = parse(body);

    assertThat(s).hasSize(2);
    assertThat(s.get(1).droppedRows()).isEqualTo(7);
    assertThat(s.get(1).listeners().get(0).addr()).isEqualTo("fe80::1");
  }

  @Test
  void textIsPercentDecodedAndInvalidUtf8BecomesReplacementCharacters() throws Exception {
    String body =
        T
            + ",snapshot,proc,1,0,0\n"
            + T
            + ",listen,tcp,0.0.0.0,8080,uid:1001,a%2Cb%22c%0A%3Cscript%3E%FF%00%C3%A9,\n";

    SocketSnapshot.Listener l = parse(body).get(0).listeners().get(0);

    assertThat(l.process()).isEqualTo("a,b\"c\n<script>\uFFFD\uFFFD\u00e9");
    assertThat(l.user()).isEqualTo("uid:1001");
  }

  @Test
  void repeatedConnectionKeysAddTheirCounts() throws Exception {
    String line = T + ",conn,out,tcp,192.0.2.5,0,192.0.2.7,443,app,curl,,2\n";
    List<SocketSnapshot> s = parse(T + ",snapshot,proc,0,2,0\n" + line + line);
    assertThat(s.get(0).connections().values()).containsExactly(4);
  }

  @Test
  void malformedLinesAreNamedWithWhy() {
    String h = T + ",snapshot,proc,1,0,0\n";
    assertThat(bad(h + T + ",listen,tcp,0.0.0.0,22,root,sshd\n"))
        .startsWith("line 2: expected 8 comma-separated");
    assertThat(bad(h + T + ",listen,sctp,0.0.0.0,22,root,sshd,\n"))
        .startsWith("line 2: proto must be tcp or udp");
    assertThat(bad(h + T + ",listen,tcp,web1.example,22,root,sshd,\n"))
        .contains("line 2: local_addr must be an IPv4");
    assertThat(bad(h + T + ",listen,tcp,0.0.0.0,65536,root,sshd,\n"))
        .contains("line 2: local_port must be a port");
    assertThat(bad(h + T + ",listen,tcp,0.0.0.0,22,ro ot,sshd,\n")).contains("line 2: byte 0x20");
    assertThat(bad(h + T + ",listen,tcp,0.0.0.0,22,root,ss%G1,\n"))
        .contains("line 2: process has a '%'");
    assertThat(bad(h + (T + 1) + ",listen,tcp,0.0.0.0,22,root,sshd,\n"))
        .contains("line 2: ts " + (T + 1) + " differs");
    assertThat(bad(T + ",listen,tcp,0.0.0.0,22,root,sshd,\n"))
        .contains("line 1: a listen or conn line before any");
    assertThat(bad(h)).contains("line 1: the snapshot on line 1 announced 1 listen");
    assertThat(
            bad(
                h
                    + T
                    + ",listen,tcp,0.0.0.0,22,root,sshd,\n"
                    + T
                    + ",listen,tcp,0.0.0.0,23,root,x,\n"))
        .contains("line 3: more listen lines than the 1 announced");
    assertThat(bad("946684799,snapshot,proc,0,0,0\n"))
        .contains("line 1: timestamp 946684799 is outside");
    assertThat(bad(T + ",snapshot,proc,0,0,0\n" + T + ",snapshot,proc,0,0,0\n"))
        .contains("line 2: a second snapshot");
    assertThat(bad(T + ",snapshot,ss,0,0,0\n"))
        .contains("line 1: source must be proc, cim or netstat");
    assertThat(bad(T + ",hello\n")).contains("line 1: expected snapshot, listen or conn");
    String c = T + ",snapshot,proc,0,1,0\n";
    assertThat(bad(c + T + ",conn,in,tcp,192.0.2.5,22,192.0.2.9,51000,root,sshd,,1\n"))
        .contains("remote_port 0");
    assertThat(bad(c + T + ",conn,out,tcp,192.0.2.5,51000,192.0.2.9,22,root,ssh,,1\n"))
        .contains("local_port 0");
    assertThat(bad(c + T + ",conn,out,tcp,192.0.2.5,0,192.0.2.9,22,root,ssh,,0\n"))
        .contains("count must be at least 1");
    assertThat(bad(c + T + ",conn,sideways,tcp,192.0.2.5,0,192.0.2.9,22,root,ssh,,1\n"))
        .contains("direction must be");
    assertThat(bad(h + T + ",listen,tcp,0.0.0.0,22,root," + "%41".repeat(256) + ",\n"))
        .contains("longer than 255");
  }

  @Test
  void aBadLineAnywhereRefusesTheWholeBody() {
    String good = T + ",snapshot,proc,0,0,0\n";
    assertThatThrownBy(
            () ->
                parse(
                    good
                        + (T + 300)
                        + ",snapshot,proc,1,0,0\n"
                        + (T + 300)
                        + ",listen,tcp,x,1,,,\n"))
        .hasMessageStartingWith("line 3:");
  }
}
