package io.perfmetrics.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;

class UnresolvedNameTest {
  @Test
  void findsTheNameInTheExceptionOrAnyOfItsCauses() {
    assertThat(UnresolvedName.in(new UnknownHostException("web1.invalid")))
        .isEqualTo("web1.invalid");
    assertThat(
            UnresolvedName.in(
                new IOException("connect failed", new UnknownHostException("web1.invalid"))))
        .isEqualTo("web1.invalid");
  }

  @Test
  void aRefusedConnectionIsNotAnUnresolvedName() {
    assertThat(UnresolvedName.in(new ConnectException("Connection refused"))).isNull();
    assertThat(UnresolvedName.in(new IOException("x", new ConnectException("refused")))).isNull();
  }

  @Test
  void theFixIsAboutTheNameNotTheNetwork() {
    assertThat(UnresolvedName.problem("web1")).startsWith("web1 does not resolve");
    assertThat(UnresolvedName.fix("web1"))
        .contains("Check the name web1")
        .contains("IP address")
        .doesNotContain("firewall");
  }
}
