package io.perfmetrics.web.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class TargetCsvTest {
  @Test
  void linesBecomeTargetsWithOptionalColumns() {
    List<TargetCsv.Row> rows =
        TargetCsv.parse(
            "address,port,os_family,credential\n"
                + "web1.example.com,22,unix,ops\n\n# a comment\n127.0.0.5\n\"db,1\",,windows,\n");

    assertThat(rows).hasSize(3);
    assertThat(rows.get(0))
        .isEqualTo(new TargetCsv.Row(2, "web1.example.com", 22, "unix", "ops", null));
    assertThat(rows.get(1)).isEqualTo(new TargetCsv.Row(5, "127.0.0.5", null, null, null, null));
    assertThat(rows.get(2).address()).isEqualTo("db,1");
    assertThat(rows.get(2).osFamily()).isEqualTo("windows");
  }

  @Test
  void badLinesSayWhichAndWhy() {
    List<TargetCsv.Row> rows = TargetCsv.parse("h1,twenty-two\r\nh2,22,unix,ops,extra\n");

    assertThat(rows.get(0).error()).contains("port must be a number").contains("twenty-two");
    assertThat(rows.get(0).line()).isEqualTo(1);
    assertThat(rows.get(1).error()).contains("at most 4 columns");
  }
}
