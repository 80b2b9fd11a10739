package io.perfmetrics.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class MetricIdsTest {

  @Test
  void theGuardLeavesRoomForPerDeviceNamesAndStaysWithinSmallint() {
    // 64 disks x 4 + 64 volumes x 2 names per collector (DeviceIds): a fleet of varied device
    // names and mount points must fit, and every id must still be a smallint
    assertThat(MetricIds.MAX_METRICS).isGreaterThanOrEqualTo(20_000).isLessThan(Short.MAX_VALUE);
  }

  @Test
  void moreDistinctNamesThanTheGuardAreRefusedBeforeTheDatabaseIsAsked() {
    MetricIds ids = new MetricIds(null);
    List<String> names =
        IntStream.rangeClosed(0, MetricIds.MAX_METRICS)
            .mapToObj(i -> "disk." + DeviceIds.escape("dm-" + i) + ".read_ops_per_s")
            .toList();

    assertThatThrownBy(() -> ids.resolve(names))
        .isInstanceOf(MalformedSamplesException.class)
        .hasMessageContaining("30000");
  }
}
