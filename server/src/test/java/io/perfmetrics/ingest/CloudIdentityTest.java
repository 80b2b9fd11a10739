package io.perfmetrics.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class CloudIdentityTest {
  final ObjectMapper json = new ObjectMapper();

  CloudIdentity of(String cloud) throws Exception {
    return CloudIdentity.from(json.readTree(cloud));
  }

  @Test
  void readsTheAwsIdentityDocument() throws Exception {
    assertThat(
            of(
                "{\"provider\":\"aws\",\"document\":{\"instanceType\":\"c6i.large\",\"region\":\"us-east-1\",\"accountId\":\"1\"}}"))
        .isEqualTo(new CloudIdentity("aws", "c6i.large", "us-east-1"));
  }

  @Test
  void readsAzureInstanceMetadata() throws Exception {
    assertThat(
            of(
                "{\"provider\":\"azure\",\"document\":{\"compute\":{\"vmSize\":\"Standard_D2s_v5\",\"location\":\"westeurope\"}}}"))
        .isEqualTo(new CloudIdentity("azure", "Standard_D2s_v5", "westeurope"));
  }

  @Test
  void readsGcpMetadataPaths() throws Exception {
    assertThat(
            of(
                "{\"provider\":\"gcp\",\"document\":{\"machineType\":\"projects/123/machineTypes/n2-standard-4\","
                    + "\"zone\":\"projects/123/zones/europe-west1-b\"}}"))
        .isEqualTo(new CloudIdentity("gcp", "n2-standard-4", "europe-west1"));
  }

  @Test
  void aGcpPathEndingInASlashNamesNoTypeRatherThanABlankOne() throws Exception {
    // found by scripts/fuzz (HelloBodyFuzzTest, finding-bf0ee19bca47251a)
    assertThat(
            of(
                "{\"provider\":\"gcp\",\"document\":{\"machineType\":\"projects/1/machineTypes/\","
                    + "\"zone\":\"projects/1/zones/-b\"}}"))
        .isEqualTo(new CloudIdentity("gcp", null, null));
  }

  @Test
  void onPremisesHasNone() throws Exception {
    assertThat(CloudIdentity.from(null)).isNull();
    assertThat(of("null")).isNull();
    assertThat(of("{\"provider\":\"aws\"}")).isNull();
  }
}
