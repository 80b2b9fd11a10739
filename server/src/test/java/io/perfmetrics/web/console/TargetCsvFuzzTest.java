package io.perfmetrics.web.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.perfmetrics.testing.FuzzContract;
import java.nio.charset.StandardCharsets;

/** An uploaded target list: any text gives rows, each usable or with the reason it is not. */
class TargetCsvFuzzTest {
  @FuzzTest
  void anyUploadGivesRowsWithAnAddressOrAReason(byte[] upload) {
    String text = new String(upload, StandardCharsets.UTF_8);
    long lines = text.split("\r?\n", -1).length;
    FuzzContract.bounded(
        () -> {
          for (TargetCsv.Row row : TargetCsv.parse(text)) {
            assertThat((long) row.line()).isBetween(1L, lines);
            if (row.error() == null) {
              assertThat(row.address()).isNotEmpty();
            } else {
              assertThat(row.error()).isNotBlank();
            }
          }
        });
  }
}
