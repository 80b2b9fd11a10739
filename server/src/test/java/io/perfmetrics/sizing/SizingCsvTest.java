package io.perfmetrics.sizing;

import static org.assertj.core.api.Assertions.assertThat;

import io.perfmetrics.ingest.SampleBatch;
import java.util.List;
import org.junit.jupiter.api.Test;

class SizingCsvTest {
  @Test
  void cellsWithCommasOrQuotesAreQuotedAndNumbersArePlain() {
    assertThat(SizingCsv.cell("a,b")).isEqualTo("\"a,b\"");
    assertThat(SizingCsv.cell("say \"hi\"")).isEqualTo("\"say \"\"hi\"\"\"");
    assertThat(SizingCsv.cell(146.0)).isEqualTo("146");
    assertThat(SizingCsv.cell(2.6000000000000001)).isEqualTo("2.6");
    assertThat(SizingCsv.cell(null)).isEmpty();
  }

  @Test
  void dirtyHoursAreDistinctSortedCollectorHourPairs() {
    SampleBatch a =
        new SampleBatch(7, 4, new long[] {7200, 7260, 3600, 7300}, new short[4], new double[4]);
    SampleBatch b = new SampleBatch(3, 2, new long[] {10_800, 10_801}, new short[2], new double[2]);
    long[] keys = DirtyHours.keys(List.of(a, b));
    assertThat(keys).containsExactly((3L << 32) | 3, (7L << 32) | 1, (7L << 32) | 2);
  }
}
