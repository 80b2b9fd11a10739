package io.perfmetrics.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ParsersTest {
  @Test
  void an_openssh_debian_banner_says_unix_debian_12() {
    OsHint h = SshBanner.parse("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3").orElseThrow();
    assertThat(h.family()).isEqualTo("unix");
    assertThat(h.detail()).startsWith("OpenSSH 9.2p1, Debian 12");
    assertThat(h.confidence()).isEqualTo(0.9);
  }

  @Test
  void an_openssh_for_windows_banner_says_windows() {
    assertThat(SshBanner.parse("SSH-2.0-OpenSSH_for_Windows_8.1").orElseThrow().family())
        .isEqualTo("windows");
    assertThat(SshBanner.parse("HTTP/1.1 400 Bad Request")).isEmpty();
  }

  @Test
  void an_ntlm_challenge_gives_names_and_the_windows_build() {
    byte[] msg = challenge(10, 0, 20348);
    SmbNtlm.Challenge c = SmbNtlm.parseChallenge(msg, 0x0302).orElseThrow();
    assertThat(c.names())
        .containsEntry("netbios_computer", "WIN2022")
        .containsEntry("dns_domain", "corp.example");
    assertThat(c.version()).isEqualTo("10.0.20348");
    OsHint h = c.hint();
    assertThat(h.family()).isEqualTo("windows");
    assertThat(h.detail()).startsWith("Windows Server 2022 (10.0.20348); SMB 3.0.2");
  }

  @Test
  void a_challenge_with_build_0_is_samba() {
    assertThat(SmbNtlm.parseChallenge(challenge(6, 1, 0), 0x0302).orElseThrow().hint().family())
        .isEqualTo("unix");
  }

  @Test
  void
      a_scan_bigger_than_a_slash_16_is_refused_unless_forced_and_own_and_excluded_addresses_are_skipped() {
    assertThatThrownBy(
            () ->
                ScanTargets.expand(
                    List.of("127.0.0.0/15"), List.of(), false, Set.of(), n -> List.of()))
        .hasMessageContaining("131072")
        .hasMessageContaining("force");
    assertThat(
            ScanTargets.expand(List.of("127.0.0.0/15"), List.of(), true, Set.of(), n -> List.of())
                .addresses())
        .hasSize(131072);
    var e =
        ScanTargets.expand(
            List.of("127.0.9.0/29", "db.example"),
            List.of("127.0.9.4/30"),
            false,
            Set.of("127.0.9.1"),
            n -> List.of("127.9.9.9"));
    assertThat(e.addresses())
        .extracting(ScanTargets.Address::address)
        .containsExactly("127.0.9.0", "127.0.9.2", "127.0.9.3", "127.9.9.9");
    assertThat(e.skippedOwn()).isEqualTo(1);
    assertThat(e.skippedExcluded()).isEqualTo(4);
    assertThat(
            ScanTargets.expand(
                    List.of("nowhere.invalid"), List.of(), false, Set.of(), n -> List.of())
                .unresolved())
        .hasSize(1);
  }

  @Test
  void the_default_ports_stay_under_scanlogds_weight_of_21() {
    assertThat(Manifest.scanlogdWeight(io.perfmetrics.config.DiscoverySettings.DEFAULT_PORTS))
        .isEqualTo(17);
  }

  @Test
  void csv_quotes_cells_and_defuses_formulas() {
    var op =
        new NetOp(
            1,
            java.time.Instant.EPOCH,
            "127.0.9.1",
            22,
            "tcp",
            "port probe",
            "open",
            "=cmd, \"x\"",
            3L,
            "discovery");
    assertThat(NetOpsLog.csv(List.of(op)))
        .endsWith(
            "1,1970-01-01T00:00:00Z,127.0.9.1,22,tcp,port probe,open,"
                + "\"'=cmd, \"\"x\"\"\",3,discovery\r\n");
  }

  /** A minimal NTLMSSP CHALLENGE with target info, after 8 bytes of unrelated SMB framing. */
  static byte[] challenge(int major, int minor, int build) {
    byte[] info = avPairs();
    ByteBuffer b = ByteBuffer.allocate(8 + 56 + info.length).order(ByteOrder.LITTLE_ENDIAN);
    b.put(new byte[8]);
    b.put("NTLMSSP\0".getBytes(StandardCharsets.US_ASCII));
    b.putInt(2);
    b.putShort((short) 0).putShort((short) 0).putInt(56); // target name
    b.putInt(0x02800215); // flags incl. VERSION and TARGET_INFO
    b.put(new byte[8]); // challenge
    b.put(new byte[8]); // reserved
    b.putShort((short) info.length).putShort((short) info.length).putInt(56);
    b.put((byte) major).put((byte) minor).putShort((short) build).put(new byte[3]).put((byte) 15);
    b.put(info);
    return b.array();
  }

  static byte[] avPairs() {
    ByteBuffer b = ByteBuffer.allocate(200).order(ByteOrder.LITTLE_ENDIAN);
    pair(b, 1, "WIN2022");
    pair(b, 4, "corp.example");
    b.putShort((short) 0).putShort((short) 0);
    byte[] out = new byte[b.position()];
    b.flip().get(out);
    return out;
  }

  static void pair(ByteBuffer b, int id, String v) {
    byte[] s = v.getBytes(StandardCharsets.UTF_16LE);
    b.putShort((short) id).putShort((short) s.length).put(s);
  }
}
