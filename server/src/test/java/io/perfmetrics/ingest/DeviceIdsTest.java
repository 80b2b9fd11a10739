package io.perfmetrics.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeviceIdsTest {

  /** The vectors both collector harnesses check their escape against. */
  static List<String[]> sharedVectors() throws IOException {
    List<String[]> out = new ArrayList<>();
    try (InputStream in = DeviceIdsTest.class.getResourceAsStream("device-ids.tsv")) {
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n", -1)) {
        if (!line.isEmpty() && !line.startsWith("#")) {
          out.add(line.split("\t", -1));
        }
      }
    }
    return out;
  }

  @Test
  void escapesEverySharedVectorAsTheCollectorsDo() throws IOException {
    List<String[]> vectors = sharedVectors();
    assertThat(vectors).hasSizeGreaterThan(10);
    for (String[] v : vectors) {
      assertThat(DeviceIds.escape(v[0])).as(v[0]).isEqualTo(v[1]);
    }
  }

  @Test
  void contractExamples() {
    assertThat(DeviceIds.escape("sda")).isEqualTo("sda");
    assertThat(DeviceIds.escape("dm-0")).isEqualTo("dm_2d0");
    assertThat(DeviceIds.escape("/")).isEqualTo("_2f");
    assertThat(DeviceIds.escape("/var/lib")).isEqualTo("_2fvar_2flib");
    assertThat(DeviceIds.escape("C:")).isEqualTo("_43_3a");
    assertThat(DeviceIds.escape("0 C:")).isEqualTo("0_20_43_3a");
    assertThat(DeviceIds.escape("a_b")).isEqualTo("a_5fb");
  }

  @Test
  void nonAsciiNamesAreEscapedByteByByteInUtf8() {
    assertThat(DeviceIds.escape("/données")).isEqualTo("_2fdonn_c3_a9es");
    assertThat(DeviceIds.unescape("_2fdonn_c3_a9es")).isEqualTo("/données");
  }

  @Test
  void unescapeReversesEveryWholeId() throws IOException {
    for (String[] v : sharedVectors()) {
      if (v[1].length() <= DeviceIds.MAX_PLAIN) {
        assertThat(DeviceIds.unescape(v[1])).isEqualTo(v[0]);
      }
    }
  }

  @Test
  void aLongNameIsCutTo31CharactersPlusItsCksum() {
    String raw = "/var/lib/postgresql/16/main-data";
    String id = DeviceIds.escape(raw);
    // 31 + "_h" + 8: disk.<id>.write_bytes_per_s stays within the 64 characters of a metric name
    assertThat(id).hasSize(41).startsWith("_2fvar_2flib_2fpostgresql_2f16_").contains("_h");
    assertThat(MetricIds.NAME.matcher("disk." + id + ".write_bytes_per_s").matches()).isTrue();
    // `printf %s /var/lib/postgresql/16/main-data | cksum` prints 2288716011 = 0x886b0ceb
    assertThat(id).endsWith("_h886b0ceb");
    // the cut fell inside the escape of a "/": the half escape is not shown
    assertThat(DeviceIds.unescape(id)).isEqualTo("/var/lib/postgresql/16…");
  }

  @Test
  void fortyCharactersStayWholeFortyOneAreCut() {
    assertThat(DeviceIds.escape("/mnt/abcdefghijklmnopqrstuvwxyz01234"))
        .hasSize(40)
        .doesNotContain("_h");
    assertThat(DeviceIds.escape("/mnt/abcdefghijklmnopqrstuvwxyz012345"))
        .hasSize(41)
        .contains("_h");
  }

  @Test
  void cksumIsThePosixOne() {
    // values printed by coreutils cksum
    assertThat(DeviceIds.cksum(new byte[0])).isEqualTo(4294967295L);
    assertThat(DeviceIds.cksum("abc".getBytes(StandardCharsets.US_ASCII))).isEqualTo(1219131554L);
  }

  @Test
  void unescapeRefusesWhatNoCollectorWrites() {
    for (String bad : new String[] {"", "Sda", "a_2", "a_zz", "_2F", "a".repeat(41), "a-b"}) {
      assertThatThrownBy(() -> DeviceIds.unescape(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }
}
