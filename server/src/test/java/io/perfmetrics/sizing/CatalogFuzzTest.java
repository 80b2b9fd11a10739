package io.perfmetrics.sizing;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.perfmetrics.testing.FuzzContract;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;

/** An operator's catalog file: any text gives a catalog or an error naming the line. */
class CatalogFuzzTest {
  @FuzzTest
  void anyCatalogFileLoadsOrNamesTheLine(byte[] file) {
    String text = new String(file, StandardCharsets.UTF_8);
    FuzzContract.bounded(
        () -> {
          Catalog catalog;
          try {
            catalog = Catalog.parse(new StringReader(text), "fuzz.csv");
          } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).startsWith("fuzz.csv");
            return;
          }
          assertThat(catalog.size()).isPositive();
        });
  }
}
