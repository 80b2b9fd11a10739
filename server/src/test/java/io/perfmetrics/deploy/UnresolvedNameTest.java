package io.perfmetrics.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;

class UnresolvedNameTest {
  @Test
  void findsItInTheExceptionOrAnyOfItsCauses() {
    assertThat(UnresolvedName.isCause(new UnknownHostException("web1.invalid"))).isTrue();
    assertThat(
            UnresolvedName.isCause(
                new IOException("connect failed", new UnknownHostException("web1.invalid"))))
        .isTrue();
  }

  @Test
  void aRefusedConnectionIsNotAnUnresolvedName() {
    assertThat(UnresolvedName.isCause(new ConnectException("Connection refused"))).isFalse();
    assertThat(UnresolvedName.isCause(new IOException("x", new ConnectException("refused"))))
        .isFalse();
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
