package io.perfmetrics.deploy.smb;

import static org.assertj.core.api.Assertions.assertThat;

import io.perfmetrics.deploy.Check;
import io.perfmetrics.deploy.TransportException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import jcifs.smb.SmbException;
import org.junit.jupiter.api.Test;

/** What a Windows deploy and preflight say when the SMB connection fails before any answer. */
class SmbConnectFailureTest {
  @Test
  void aNameThatDoesNotResolveIsSaidSo() {
    SmbException e =
        new SmbException("Failed to connect to server", new UnknownHostException("win1.invalid"));

    TransportException t = SmbTransport.classify("win1.invalid:445", e);
    assertThat(t.kind()).isEqualTo(TransportException.Kind.UNREACHABLE);
    assertThat(t.getMessage()).startsWith("win1.invalid does not resolve");

    Check c = SmbPreflight.connectFailed("win1.invalid", 445, e);
    assertThat(c.result()).isEqualTo("fail");
    assertThat(c.detail()).startsWith("win1.invalid does not resolve");
    assertThat(c.fix()).startsWith("Check the name win1.invalid");
  }

  @Test
  void aRefusedConnectionPointsAtFileSharingAndTheFirewall() {
    SmbException e =
        new SmbException("Failed to connect to server", new ConnectException("Connection refused"));

    assertThat(SmbTransport.classify("127.0.0.9:445", e).getMessage())
        .isEqualTo("127.0.0.9:445 is unreachable: Connection refused");
    Check c = SmbPreflight.connectFailed("127.0.0.9", 445, e);
    assertThat(c.detail()).isEqualTo("127.0.0.9:445 did not answer SMB: connection refused");
    assertThat(c.fix()).contains("File and Printer Sharing").contains("TCP 445");
  }
}
