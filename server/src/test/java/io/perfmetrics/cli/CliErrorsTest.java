package io.perfmetrics.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a user reads when a command cannot do its work: one line that says why, and exit code 2 (1
 * is for an appliance that answered no, or a host that failed a check).
 */
class CliErrorsTest {
  record Run(int rc, String out, String err) {
    /**
     * The lines the command wrote: in a full test run the JVM's other writers to System.err (the
     * fuzz tests' Jazzer agent reports what it instruments) share the captured stream.
     */
    List<String> said() {
      return err.lines().filter(l -> l.startsWith("perfmetrics:")).toList();
    }

    /**
     * What picocli's default handler prints: the exception's own line, then its stack (the Jazzer
     * agent's traces, of other exceptions, may pass through the CLI's frames).
     */
    boolean stackTrace() {
      return err.lines().anyMatch(l -> l.startsWith("java.io.IOException"));
    }
  }

  /** Runs the command as main does; the commands print to System.out and System.err. */
  static Run run(String... args) {
    var out = new ByteArrayOutputStream();
    var err = new ByteArrayOutputStream();
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    int rc;
    try {
      rc = Main.commandLine().execute(args);
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
    return new Run(rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** A loopback port that nothing listens on (bound, then closed). */
  static int closedPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Test
  void anApplianceThatIsNotThereIsOneLineNotAStackTrace() throws Exception {
    String url = "http://127.0.0.1:" + closedPort();
    Run r = run("targets", "list", "--url=" + url, "--token=pma_test");

    assertThat(r.rc()).as(r.err()).isEqualTo(2);
    assertThat(r.said())
        .containsExactly(
            "perfmetrics: cannot reach "
                + url
                + ": the connection was refused or the address is unreachable (ConnectException)");
    assertThat(r.stackTrace()).as(r.err()).isFalse();
    assertThat(r.out()).isEmpty();
  }

  @Test
  void aDeployToAnApplianceThatIsNotThereIsOneLineToo() throws Exception {
    String url = "http://127.0.0.1:" + closedPort();
    Run r = run("preflight", "--url=" + url, "--token=pma_test");

    assertThat(r.rc()).as(r.err()).isEqualTo(2);
    assertThat(r.said()).hasSize(1);
    assertThat(r.said().get(0)).startsWith("perfmetrics: cannot reach " + url + ": ");
    assertThat(r.stackTrace()).as(r.err()).isFalse();
  }

  @Test
  void reportsFromAnApplianceThatIsNotThereAreOneLineAndExitTwoToo() throws Exception {
    String url = "http://127.0.0.1:" + closedPort();
    for (String command : List.of("sizing", "ports")) {
      Run r = run(command, "--csv", "--url=" + url, "--token=pma_test");

      assertThat(r.rc()).as(command + ": " + r.err()).isEqualTo(2);
      assertThat(r.said())
          .as(command)
          .containsExactly(
              "perfmetrics: cannot reach "
                  + url
                  + ": the connection was refused or the address is unreachable (ConnectException)");
      assertThat(r.out()).as(command).isEmpty();
    }
  }

  @Test
  void anErrorAnswerIsItsDetailAndStatusNotItsJson() {
    assertThat(
            new AdminClient.Answer(400, "{\"error\":\"bad request\",\"detail\":\"no target 99\"}")
                .problem())
        .isEqualTo("no target 99 (400 bad request)");
    assertThat(new AdminClient.Answer(502, "<html>Bad Gateway</html>").problem())
        .isEqualTo("answered 502: <html>Bad Gateway</html>");
    assertThat(new AdminClient.Answer(503, "").problem()).isEqualTo("answered 503");
  }

  @Test
  void aSecretFileThatIsNotThereIsNamed(@TempDir Path dir) throws Exception {
    Path missing = dir.resolve("no-such-key");
    Run r =
        run(
            "credentials",
            "add",
            "--kind=ssh_key",
            "--name=web",
            "--username=deploy",
            "--secret-file=" + missing,
            "--url=http://127.0.0.1:" + closedPort(),
            "--token=pma_test");

    assertThat(r.rc()).as(r.err()).isEqualTo(2);
    assertThat(r.said()).containsExactly("perfmetrics: " + missing + ": no such file");
    assertThat(r.stackTrace()).as(r.err()).isFalse();
  }

  @Test
  void anUnreadableCaFileSaysSo(@TempDir Path dir) throws Exception {
    Path ca = dir.resolve("ca.pem");
    Files.writeString(ca, "");
    Path gone = dir.resolve("other.pem");
    Run r =
        run(
            "targets",
            "list",
            "--url=https://127.0.0.1:" + closedPort(),
            "--token=pma_test",
            "--ca=" + gone);

    assertThat(r.rc()).as(r.err()).isEqualTo(2);
    assertThat(r.said()).containsExactly("perfmetrics: --ca " + gone + ": no such readable file");
  }
}
