package io.perfmetrics.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.perfmetrics.deploy.ssh.SshTransport;
import io.perfmetrics.testing.Busybox;
import io.perfmetrics.testing.TempDirs;
import io.perfmetrics.testing.TestPostgres;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The deploy program (what one SSH exec runs on a host) on a host whose shell and tools are all
 * BusyBox's, as on Alpine: {@code sh}, {@code ls}, {@code mkdir}, {@code setsid}, and for the
 * collector {@code awk} and {@code wget} (no curl). The folder check reads {@code ls -ldin} output,
 * whose columns BusyBox prints its own way. Run here without sshd: the program is the same bytes
 * the exec channel carries, with the status read first and the script on stdin after "go".
 */
class DeployProgramBusyboxIT {
  Path dir;
  Path bin;
  final List<Long> started = new ArrayList<>();

  @BeforeEach
  void busyboxOnly() throws Exception {
    Path busybox = Busybox.path();
    dir = Files.createTempDirectory("perfmetrics-busybox-");
    bin = Files.createDirectory(dir.resolve("bin"));
    Process list = new ProcessBuilder(busybox.toString(), "--list").start();
    String applets = new String(list.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(list.waitFor()).isZero();
    for (String applet : applets.split("\n")) {
      if (!applet.isBlank()) {
        Files.createSymbolicLink(bin.resolve(applet.strip()), busybox);
      }
    }
    assertThat(bin.resolve("sh")).exists();
    assertThat(bin.resolve("curl")).doesNotExist();
  }

  @AfterEach
  void stopAndRemove() {
    for (long pid : started) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
    }
    for (long pid : started) {
      awaitExit(pid);
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
    TempDirs.delete(dir);
  }

  /** A host root of its own under the test's directory, mode 755. */
  Path hostRoot(String name) throws IOException {
    Path root = Files.createDirectory(dir.resolve(name));
    Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
    return root;
  }

  /** The collector as a deploy renders it, reporting to a closed port (it spools, as offline). */
  static String collector(Path tools) {
    Map<String, String> v = TemplateRendererTest.values();
    String nowhere = "http://127.0.0.1:" + TestPostgres.freePort();
    v.put("URL", nowhere);
    v.put("METADATA_URL", nowhere);
    v.put("TOOLS_DIR", tools.toString());
    return new TemplateRenderer().render(CollectorTemplate.UNIX_SH, v);
  }

  /** Runs the deploy program under BusyBox with {@code stdin}; returns its output lines. */
  List<String> deploy(Path tools, String stdin) throws Exception {
    return deploy(tools, stdin.getBytes(StandardCharsets.UTF_8));
  }

  List<String> deploy(Path tools, byte[] stdin) throws Exception {
    Path in = Files.write(dir.resolve("stdin"), stdin);
    ProcessBuilder pb =
        new ProcessBuilder(
                bin.resolve("sh").toString(), "-c", SshTransport.deployCommand(tools.toString()))
            .redirectInput(in.toFile())
            .redirectError(ProcessBuilder.Redirect.DISCARD);
    pb.environment().clear();
    pb.environment().put("PATH", bin.toString());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("the program ended").isTrue();
    List<String> lines = List.of(out.split("\n"));
    // every collector it started, for the clean-up, whatever the test asserts next
    lines.stream()
        .map(DeployProgramBusyboxIT::startedPid)
        .flatMap(Optional::stream)
        .forEach(started::add);
    return lines;
  }

  private static final String STARTED = "result=started pid=";

  /** The collector's pid from the program's result line. */
  static Optional<Long> startedPid(String line) {
    return line.startsWith(STARTED)
        ? Optional.of(Long.parseLong(line.substring(STARTED.length()).trim()))
        : Optional.empty();
  }

  /** The pid of the collector started by the run whose output this is (its last line). */
  static long pidOf(List<String> lines) {
    String last = lines.get(lines.size() - 1);
    assertThat(last).as(String.join("\n", lines)).startsWith(STARTED);
    return startedPid(last).orElseThrow();
  }

  /** Waits up to 10 s for a process (not this JVM's child) to end. */
  static void awaitExit(long pid) {
    ProcessHandle.of(pid)
        .ifPresent(p -> p.onExit().completeOnTimeout(p, 10, TimeUnit.SECONDS).join());
  }

  /** The collector writes its state and log after it confirmed its start: up to 10 s for them. */
  static void waitFor(Path file, String text) throws Exception {
    for (int i = 0; i < 100; i++) {
      if (Files.exists(file) && Files.readString(file).contains(text)) {
        return;
      }
      Thread.sleep(100);
    }
    assertThat(Files.exists(file) ? Files.readString(file) : "(no " + file + ")").contains(text);
  }

  static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  @Test
  void deploysARunningCollectorIntoAPrivateFolderAndRestartsIt() throws Exception {
    Path tools = hostRoot("host").resolve("perfmetrics/tools");
    String script = collector(tools);

    List<String> first = deploy(tools, "go\n" + script);
    assertThat(first.get(0)).as(String.join("\n", first)).isEqualTo("absent");
    long pid = pidOf(first);
    assertThat(alive(pid)).isTrue();
    assertThat(Files.readString(tools.resolve("collector.pid")).trim())
        .isEqualTo(Long.toString(pid));
    assertThat(Files.readString(tools.resolve("collector.sh"))).isEqualTo(script);
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(tools.resolve("collector.sh"))))
        .isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tools)))
        .isEqualTo("rwx------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tools.getParent())))
        .isEqualTo("rwx------");

    // a redeploy finds it running, with its state (written before its loop), and replaces it
    waitFor(tools.resolve("collector.state"), "pid=" + pid);
    List<String> second = deploy(tools, "go\n" + script);
    assertThat(second.get(0)).as(String.join("\n", second)).isEqualTo("running");
    assertThat(second).contains("pid=" + pid, "#end");
    long again = pidOf(second);
    assertThat(again).isNotEqualTo(pid);
    assertThat(alive(again)).isTrue();
    awaitExit(pid);
    assertThat(alive(pid)).as("the old collector stopped").isFalse();
    waitFor(tools.resolve("collector.log"), "[" + again + "] starting collector");
    assertThat(Files.readString(tools.resolve("collector.log")))
        .contains("[" + pid + "] stopping: signal");

    // "skip" leaves it as it is
    List<String> skipped = deploy(tools, "skip\n");
    assertThat(skipped.get(0)).isEqualTo("running");
    assertThat(skipped).noneMatch(l -> l.startsWith("result="));
    assertThat(alive(again)).isTrue();
  }

  @Test
  void aHostWithGzipGetsTheScriptPackedAndOneWithoutGetsItAsText() throws Exception {
    Path tools = hostRoot("gzip").resolve("perfmetrics/tools");
    Map<String, String> v = TemplateRendererTest.values();
    String nowhere = "http://127.0.0.1:" + TestPostgres.freePort();
    v.put("URL", nowhere);
    v.put("METADATA_URL", nowhere);
    v.put("TOOLS_DIR", tools.toString());
    RenderedScript script = new TemplateRenderer().script(CollectorTemplate.UNIX_SH, v);
    java.io.ByteArrayOutputStream stdin = new java.io.ByteArrayOutputStream();
    stdin.writeBytes("go gzip\n".getBytes(StandardCharsets.US_ASCII));
    script.writeGzip(stdin);

    // BusyBox's gzip applet, as on Alpine: the status says so right after the state
    List<String> packed = deploy(tools, stdin.toByteArray());
    assertThat(packed.subList(0, 2))
        .as(String.join("\n", packed))
        .containsExactly("absent", "#gzip");
    long pid = pidOf(packed);
    assertThat(Files.readString(tools.resolve("collector.sh"))).isEqualTo(script.text());
    waitFor(tools.resolve("collector.state"), "pid=" + pid);

    // without gzip: no such line, and a text script replaces the running collector
    Files.delete(bin.resolve("gzip"));
    List<String> plain = deploy(tools, "go\n" + script.text());
    assertThat(plain.get(0)).as(String.join("\n", plain)).isEqualTo("running");
    assertThat(plain).doesNotContain("#gzip").contains("pid=" + pid, "#end");
    long again = pidOf(plain);
    assertThat(again).isNotEqualTo(pid);
    assertThat(Files.readString(tools.resolve("collector.sh"))).isEqualTo(script.text());

    // a truncated stream installs nothing and leaves the running collector as it was
    byte[] cut = java.util.Arrays.copyOf(stdin.toByteArray(), stdin.size() / 2);
    Files.createSymbolicLink(bin.resolve("gzip"), Busybox.path());
    Files.writeString(tools.resolve("collector.sh"), "# marker\n");
    List<String> broken = deploy(tools, cut);
    assertThat(broken).as(String.join("\n", broken)).noneMatch(l -> l.startsWith("result=started"));
    assertThat(Files.readString(tools.resolve("collector.sh"))).isEqualTo("# marker\n");
    assertThat(tools.resolve("collector.sh.new")).doesNotExist();
  }

  @Test
  void refusesAFolderOthersCanWriteAndWritesNothing() throws Exception {
    Path root = hostRoot("planted");
    Path planted = Files.createDirectory(root.resolve("perfmetrics"));
    Files.setPosixFilePermissions(planted, PosixFilePermissions.fromString("rwxrwxrwx"));
    Path tools = planted.resolve("tools");

    List<String> out = deploy(tools, "go\n" + collector(tools));
    assertThat(out)
        .as(String.join("\n", out))
        .anyMatch(l -> l.startsWith("unsafe=") && l.contains("drwxrwxrwx"))
        .noneMatch(l -> l.startsWith("result=started"));
    assertThat(tools).doesNotExist();
    try (Stream<Path> left = Files.list(planted)) {
      assertThat(left).isEmpty();
    }
    assertThat(started).isEmpty();
  }
}
