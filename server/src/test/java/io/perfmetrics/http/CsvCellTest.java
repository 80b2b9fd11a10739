package io.perfmetrics.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CsvCellTest {
  @Test
  void quotesWhatWouldBreakTheRowAndDefusesFormulas() {
    assertThat(CsvCell.cell(null)).isEmpty();
    assertThat(CsvCell.cell("web-01")).isEqualTo("web-01");
    assertThat(CsvCell.cell("a,b")).isEqualTo("\"a,b\"");
    assertThat(CsvCell.cell("say \"hi\"\nbye")).isEqualTo("\"say \"\"hi\"\"\nbye\"");
    assertThat(CsvCell.cell("=HYPERLINK(\"x\")")).isEqualTo("\"'=HYPERLINK(\"\"x\"\")\"");
    assertThat(CsvCell.cell("+1")).isEqualTo("'+1");
    assertThat(CsvCell.cell("-1")).isEqualTo("'-1");
    assertThat(CsvCell.cell("@SUM(A1)")).isEqualTo("'@SUM(A1)");
    assertThat(CsvCell.cell("\tx")).isEqualTo("'\tx");
  }
}
