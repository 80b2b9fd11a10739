package io.perfmetrics.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ApiPathTest {
  @Test
  void whatTheUserTypedIsEncodedAndWhatTheyLeftOutIsLeftOut() {
    assertThat(
            ApiPath.of("/api/v1/ports")
                .segment("web 1/a?b")
                .param("port", 443)
                .param("process", "java&x=y")
                .param("finding", null)
                .param("format", "csv", true)
                .param("include_infrastructure", "false", false)
                .toString())
        .isEqualTo("/api/v1/ports/web%201%2Fa%3Fb?port=443&process=java%26x%3Dy&format=csv");
  }

  @Test
  void nothingGivenIsThePathAlone() {
    assertThat(ApiPath.of("/api/v1/groups").segment(null).param("region", null).toString())
        .isEqualTo("/api/v1/groups");
  }
}
