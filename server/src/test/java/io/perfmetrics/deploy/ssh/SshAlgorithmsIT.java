package io.perfmetrics.deploy.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.perfmetrics.testing.TestSshd;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.connection.channel.direct.Session;
import net.schmizz.sshj.transport.verification.PromiscuousVerifier;
import net.schmizz.sshj.userauth.UserAuthException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The algorithms the appliance puts first, each offered alone to a real OpenSSH sshd: the key
 * exchange on Bouncy Castle's X25519 ({@link Curve25519Exchange}) under both of its names, with
 * AES-GCM on the JDK's provider with either key size ({@link JdkAesGcm}). A wrong shared secret,
 * hash, key derivation or nonce fails the first encrypted packet or the next; 200 KB through {@code
 * cat} and back (many packets, each its own nonce) checks both directions. And the login by key in
 * one signed request ({@link SignedPublickey}) for each kind of key OpenSSH makes.
 */
class SshAlgorithmsIT {
  static TestSshd sshd;

  @BeforeAll
  static void server() {
    sshd = new TestSshd(false);
  }

  @AfterAll
  static void stop() {
    if (sshd != null) {
      sshd.close();
    }
  }

  @ParameterizedTest
  @CsvSource({
    "curve25519-sha256, aes128-gcm@openssh.com",
    "curve25519-sha256@libssh.org, aes128-gcm@openssh.com",
    "curve25519-sha256, aes256-gcm@openssh.com"
  })
  void theKeyExchangeAndCipherAloneGiveAWorkingSession(String kex, String cipher) throws Exception {
    net.schmizz.sshj.Config config = SshTransport.sshConfig();
    config.setKeyExchangeFactories(
        config.getKeyExchangeFactories().stream().filter(f -> f.getName().equals(kex)).toList());
    config.setCipherFactories(
        config.getCipherFactories().stream().filter(f -> f.getName().equals(cipher)).toList());
    assertThat(config.getKeyExchangeFactories())
        .singleElement()
        .isInstanceOf(Curve25519Exchange.Named.class);
    assertThat(config.getCipherFactories()).singleElement().isInstanceOf(JdkAesGcm.Named.class);

    byte[] data = new byte[200_000];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) ('a' + i % 26);
    }
    try (SSHClient ssh = new SSHClient(config)) {
      ssh.addHostKeyVerifier(new PromiscuousVerifier());
      ssh.connect(sshd.address(), sshd.port());
      ssh.authPassword(TestSshd.USER, sshd.password());
      try (Session s = ssh.startSession()) {
        Session.Command cmd = s.exec("cat");
        try (OutputStream in = cmd.getOutputStream()) {
          in.write(data);
        }
        byte[] back = cmd.getInputStream().readAllBytes();
        cmd.join(10, TimeUnit.SECONDS);
        assertThat(back).isEqualTo(data);
        assertThat(cmd.getExitStatus()).isZero();
      }
      // a second channel on the same connection
      try (Session s = ssh.startSession()) {
        Session.Command cmd = s.exec("echo " + kex.length());
        String out = new String(cmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        cmd.join(10, TimeUnit.SECONDS);
        assertThat(out.trim()).isEqualTo(String.valueOf(kex.length()));
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"ed25519", "ecdsa", "rsa"})
  void aKeyLogsInWithOneSignedRequestAndAnUnknownKeyIsRefused(String type) throws Exception {
    String key = sshd.authorizeNewKey(TestSshd.USER, null, type);
    try (SSHClient ssh = new SSHClient(SshTransport.sshConfig())) {
      ssh.addHostKeyVerifier(new PromiscuousVerifier());
      ssh.connect(sshd.address(), sshd.port());
      ssh.auth(TestSshd.USER, new SignedPublickey(ssh.loadKeys(key, null, null)));
      assertThat(ssh.isAuthenticated()).isTrue();
      try (Session s = ssh.startSession()) {
        Session.Command cmd = s.exec("id -un");
        String out = new String(cmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        cmd.join(10, TimeUnit.SECONDS);
        assertThat(out.trim()).isEqualTo(TestSshd.USER);
      }
    }
    // another key of the same kind, not authorized: refused, whatever signature algorithm is tried
    String other = sshd.authorizeNewKey("nobody-" + type, null, type);
    try (SSHClient ssh = new SSHClient(SshTransport.sshConfig())) {
      ssh.addHostKeyVerifier(new PromiscuousVerifier());
      ssh.connect(sshd.address(), sshd.port());
      assertThatThrownBy(
              () -> ssh.auth(TestSshd.USER, new SignedPublickey(ssh.loadKeys(other, null, null))))
          .isInstanceOf(UserAuthException.class);
      assertThat(ssh.isAuthenticated()).isFalse();
    }
  }
}
