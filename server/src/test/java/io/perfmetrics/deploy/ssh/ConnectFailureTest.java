package io.perfmetrics.deploy.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import io.perfmetrics.deploy.TransportException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** What a deploy and preflight say when SSH cannot connect (SSHJ throws the JDK's exceptions). */
class ConnectFailureTest {
  @Test
  void aNameThatDoesNotResolveIsSaidSoAndItsFixIsTheName() {
    IOException e = new UnknownHostException("web1.invalid");
    TransportException t =
        SshTransport.connectFailure("web1.invalid", 22, Duration.ofSeconds(30), e);

    assertThat(t.kind()).isEqualTo(TransportException.Kind.UNREACHABLE);
    assertThat(t.getMessage()).startsWith("web1.invalid does not resolve");
    assertThat(SshTransport.connectFix("web1.invalid", 22, e))
        .startsWith("Check the name web1.invalid")
        .doesNotContain("sshd");
  }

  @Test
  void aRefusedConnectionStillPointsAtSshdAndTheFirewall() {
    IOException e = new ConnectException("Connection refused");
    TransportException t =
        SshTransport.connectFailure("127.0.0.5", 2222, Duration.ofSeconds(30), e);

    assertThat(t.getMessage()).isEqualTo("127.0.0.5:2222 is unreachable: Connection refused");
    assertThat(SshTransport.connectFix("127.0.0.5", 2222, e))
        .startsWith("Make sure sshd runs on 127.0.0.5:2222")
        .contains("TCP 2222");
  }
}
