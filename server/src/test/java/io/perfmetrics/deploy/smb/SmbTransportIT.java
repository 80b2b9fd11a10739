package io.perfmetrics.deploy.smb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.perfmetrics.config.Config;
import io.perfmetrics.deploy.HostAttempt;
import io.perfmetrics.deploy.RemoteStatus;
import io.perfmetrics.deploy.Transport;
import io.perfmetrics.deploy.TransportException;
import io.perfmetrics.targets.Credential;
import io.perfmetrics.targets.CredentialSecretsForTests;
import io.perfmetrics.targets.Target;
import io.perfmetrics.testing.TestSamba;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The SMB transport against a real Samba smbd on 127.0.0.1 with a share named ADMIN$. */
class SmbTransportIT {
  static TestSamba samba;
  final SmbTransport transport = new SmbTransport(Config.Collectors.defaults(), Clock.systemUTC());

  @BeforeAll
  static void start() {
    samba = new TestSamba("ADMIN$");
  }

  @AfterAll
  static void stop() {
    if (samba != null) {
      samba.close();
    }
  }

  static Target target(int port) {
    return new Target(1, "127.0.0.1", port, Target.WINDOWS, 1L, "manual", Instant.now());
  }

  static io.perfmetrics.targets.CredentialSecrets login(String user, String password) {
    return CredentialSecretsForTests.of(Credential.SMB_PASSWORD, user, password);
  }

  @Test
  void uploadsReadsBackOverwritesAndRemovesTheCollector() throws Exception {
    // the SMB session itself: the test takes its install step alone
    try (SmbTransport.SmbSession s =
        (SmbTransport.SmbSession)
            transport.connect(
                target(samba.port()),
                login(TestSamba.USER, samba.password()),
                Duration.ofSeconds(10),
                HostAttempt.unbounded())) {
      assertThat(s.status().state()).isEqualTo(RemoteStatus.ABSENT);

      s.install("WScript.Echo \"one\"\n");
      var file = samba.shareDir().resolve("Temp/perfmetrics/tools/collector.vbs");
      assertThat(Files.readString(file)).isEqualTo("WScript.Echo \"one\"\r\n");
      assertThat(s.status().state()).isEqualTo(RemoteStatus.STOPPED);

      s.install("WScript.Echo \"two\"\n");
      assertThat(Files.readString(file)).isEqualTo("WScript.Echo \"two\"\r\n");

      // a collector that runs: pidfile plus a fresh state file, as collector.vbs writes them
      Files.writeString(file.resolveSibling("collector.pid"), "4242\r\n");
      Files.writeString(
          file.resolveSibling("collector.state"),
          "status=running\r\nupdated_at="
              + Instant.now().getEpochSecond()
              + "\r\nexpires_at=1\r\n");
      RemoteStatus running = s.status();
      assertThat(running.state()).isEqualTo(RemoteStatus.RUNNING);
      assertThat(running.facts()).containsEntry("status", "running");

      Files.delete(file.resolveSibling("collector.pid"));
      s.remove();
      assertThat(Files.exists(samba.shareDir().resolve("Temp/perfmetrics/tools"))).isFalse();
      assertThat(s.status().state()).isEqualTo(RemoteStatus.ABSENT);
    }
  }

  @Test
  void negotiatesSmb311WithSigning() throws Exception {
    try (Transport.Session s =
        transport.connect(
            target(samba.port()),
            login(TestSamba.USER, samba.password()),
            Duration.ofSeconds(10),
            HostAttempt.unbounded())) {
      s.status();
      String status = samba.smbstatus();
      assertThat(status).as(status).contains("SMB3_11");
    }
  }

  @Test
  void aWrongPasswordSaysSoForThatHost() {
    assertThatThrownBy(
            () ->
                transport.connect(
                    target(samba.port()),
                    login(TestSamba.USER, "wrong"),
                    Duration.ofSeconds(10),
                    HostAttempt.unbounded()))
        .isInstanceOf(TransportException.class)
        .satisfies(
            e ->
                assertThat(((TransportException) e).kind())
                    .isEqualTo(TransportException.Kind.AUTH_FAILED))
        .hasMessageContaining("127.0.0.1:" + samba.port())
        .hasMessageContaining("authentication failed");
  }

  @Test
  void aMissingAdminShareSaysSo() {
    try (TestSamba noAdmin = new TestSamba("OTHER")) {
      assertThatThrownBy(
              () ->
                  transport.connect(
                      target(noAdmin.port()),
                      login(TestSamba.USER, noAdmin.password()),
                      Duration.ofSeconds(10),
                      HostAttempt.unbounded()))
          .isInstanceOf(TransportException.class)
          .hasMessageContaining("127.0.0.1:" + noAdmin.port())
          .hasMessageContaining("ADMIN$ not found");
    }
  }
}
