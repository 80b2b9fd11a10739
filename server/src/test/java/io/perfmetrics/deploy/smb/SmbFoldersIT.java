package io.perfmetrics.deploy.smb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.perfmetrics.config.Config;
import io.perfmetrics.deploy.HostAttempt;
import io.perfmetrics.deploy.TransportException;
import io.perfmetrics.targets.Credential;
import io.perfmetrics.targets.CredentialSecretsForTests;
import io.perfmetrics.targets.Target;
import io.perfmetrics.testing.TempDirs;
import io.perfmetrics.testing.TestSamba;
import io.perfmetrics.testing.TestSshd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import jcifs.ACE;
import jcifs.smb.SmbFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 15, hostile local users on Windows targets, against a real Samba smbd: the tools folders
 * get an explicit protected ACL, and a folder someone else made first is refused.
 */
class SmbFoldersIT {
  static TestSamba samba;
  final SmbTransport transport = new SmbTransport(Config.Collectors.defaults(), Clock.systemUTC());

  @BeforeAll
  static void start() {
    // NTFS keeps an ACL as set; stock Samba maps it onto Unix permissions and drops SYSTEM
    samba = TestSamba.withNtAcls("ADMIN$");
  }

  @AfterAll
  static void stop() {
    if (samba != null) {
      samba.close();
    }
  }

  @AfterEach
  void clean() {
    TempDirs.delete(samba.shareDir().resolve("Temp"));
  }

  /** The SMB session itself: the tests take its install step alone. */
  SmbTransport.SmbSession connect() throws TransportException {
    return (SmbTransport.SmbSession)
        transport.connect(
            new Target(1, "127.0.0.1", samba.port(), Target.WINDOWS, 1L, "manual", Instant.now()),
            CredentialSecretsForTests.of(Credential.SMB_PASSWORD, TestSamba.USER, samba.password()),
            Duration.ofSeconds(10),
            HostAttempt.unbounded());
  }

  @Test
  void theFoldersAreCreatedForSystemAndAdministratorsOnlyWithoutInheritance() throws Exception {
    try (SmbTransport.SmbSession s = connect()) {
      s.install("WScript.Echo \"one\"\n");
      // a redeploy finds its own folders and accepts them
      s.install("WScript.Echo \"two\"\n");
    }
    assertThat(Files.readString(samba.shareDir().resolve("Temp/perfmetrics/tools/collector.vbs")))
        .isEqualTo("WScript.Echo \"two\"\r\n");

    for (String folder : List.of("Temp/perfmetrics/", "Temp/perfmetrics/tools/")) {
      try (SmbFile f =
          new SmbFile(
              "smb://127.0.0.1:" + samba.port() + "/ADMIN$/" + folder,
              SmbTransport.context(
                  CredentialSecretsForTests.of(
                      Credential.SMB_PASSWORD, TestSamba.USER, samba.password()),
                  Duration.ofSeconds(10)))) {
        ACE[] aces = f.getSecurity();
        assertThat(Arrays.stream(aces).map(a -> a.getSID().toString()).distinct().sorted())
            .as(folder + ": " + Arrays.toString(aces))
            .containsExactly(SafeFolders.SYSTEM, SafeFolders.ADMINISTRATORS);
        assertThat(aces).as(folder).allMatch(a -> a.isAllow() && !a.isInherited());
      }
    }
  }

  @Test
  void aFolderAnotherUserMadeFirstIsRefusedAndLeftAlone() throws Exception {
    Path planted = samba.shareDir().resolve("Temp/perfmetrics");
    Files.createDirectories(planted.resolve("tools"));
    Files.writeString(planted.resolve("tools/keep.txt"), "keep");
    for (Path p : List.of(planted, planted.resolve("tools"), planted.resolve("tools/keep.txt"))) {
      assertThat(TestSshd.run(List.of("chown", "nobody", p.toString()), null)).isZero();
    }
    assertThat(TestSshd.run(List.of("chmod", "-R", "777", planted.toString()), null)).isZero();

    try (SmbTransport.SmbSession s = connect()) {
      assertThatThrownBy(() -> s.install("WScript.Echo \"one\"\n"))
          .isInstanceOf(TransportException.class)
          .hasMessageContaining("refusing the tools folder %WINDIR%\\Temp\\perfmetrics: owner S-1-")
          .hasMessageContaining("owned by neither the deploy account");
      assertThatThrownBy(s::remove)
          .isInstanceOf(TransportException.class)
          .hasMessageContaining("refusing the tools folder %WINDIR%\\Temp\\perfmetrics");
    }

    try (var files = Files.list(planted.resolve("tools"))) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("keep.txt");
    }
    assertThat(Files.readString(planted.resolve("tools/keep.txt"))).isEqualTo("keep");
  }
}
