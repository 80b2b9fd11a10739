package io.perfmetrics.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.perfmetrics.testing.FuzzContract;
import java.util.Set;

/**
 * A hello (inventory and the cloud identity document the collector fetched from the metadata
 * service) comes from a host: any bytes give an inventory the store can write, or a reason.
 */
class HelloBodyFuzzTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @FuzzTest
  void anyHelloGivesAnInventoryOrAReason(byte[] body) {
    FuzzContract.bounded(
        () -> {
          HelloBody hello;
          try {
            hello = HelloBody.read(JSON, body, body.length);
          } catch (MalformedSamplesException e) {
            assertThat(e.getMessage()).isNotBlank();
            return;
          }
          assertThat(hello.hostname()).isNotBlank().hasSizeLessThanOrEqualTo(255);
          // what is stored is re-serialised: well-formed JSON whatever the bytes were
          assertThat(JSON.readTree(JSON.writeValueAsString(hello.tree()))).isEqualTo(hello.tree());
          if (hello.cloud() != null) {
            assertThat(hello.cloud().provider()).isNotBlank();
            if (Set.of("aws", "azure", "gcp").contains(hello.cloud().provider())
                && hello.cloud().instanceType() != null) {
              assertThat(hello.cloud().instanceType()).isNotBlank();
            }
          }
        });
  }
}
