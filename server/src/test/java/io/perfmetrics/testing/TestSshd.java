package io.perfmetrics.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real OpenSSH sshd for a test: own config, own host key, a free port on 127.0.0.1, and a real
 * non-root login user with a password and an authorized key. Fails loudly when sshd cannot run.
 */
public final class TestSshd implements AutoCloseable {
  public static final String USER = "pmdeploy";

  private final Path dir;
  private final int port;
  private final String password;
  private final boolean sftp;
  private final java.util.List<String> addresses;

  /**
   * Mode of a private /var/tmp (tmpfs in the sshd's own mount namespace), or null for the
   * machine's.
   */
  private String varTmpMode;

  /** A PATH for sessions that lacks curl and wget, or null for sshd's default. */
  private Path pathWithoutHttpClients;

  /** The folders {@link #userWritableDir} made, removed with this sshd. */
  private final java.util.List<Path> userDirs = new java.util.concurrent.CopyOnWriteArrayList<>();

  /** The network namespace sshd runs in (the test created it), or null for the machine's. */
  private final String netns;

  /** The hostname in sshd's own UTS namespace (so its collector reports it), or null. */
  private final String hostname;

  /** Lets root log in by key: only for an isolated sshd, whose /var/tmp is its own tmpfs. */
  private boolean rootLogin;

  /** What every session runs instead of what the client asked (sshd's ForceCommand), or null. */
  private String forceCommand;

  private Process process;

  /**
   * @param sftp false to disable the SFTP subsystem, as some hardened hosts do
   */
  public TestSshd(boolean sftp) {
    this(sftp, List.of("127.0.0.1", "127.0.0.2"));
  }

  /** An sshd on one loopback address only, e.g. a host for a discovery scan to find. */
  public static TestSshd on(String address) {
    return new TestSshd(true, List.of(address));
  }

  /**
   * An sshd in its own mount namespace with a private /var/tmp (a tmpfs of the given mode: "1777"
   * writable by the user, "0755" not), optionally with a session PATH without curl and wget.
   * Nothing it or its sessions write on /var/tmp reaches the machine's.
   */
  public static TestSshd isolated(
      List<String> addresses, String varTmpMode, boolean withoutHttpClients) {
    return new TestSshd(true, addresses, varTmpMode, withoutHttpClients);
  }

  /**
   * An isolated sshd (see {@link #isolated}, /var/tmp a tmpfs of mode 1777) that also lets root log
   * in with a key ({@link #authorizeNewKey(String, String)}): a root deploy that goes wrong can
   * only reach the private /var/tmp, never the machine's.
   */
  public static TestSshd isolatedWithRoot(List<String> addresses) {
    TestSshd s = new TestSshd(true, addresses, "1777", false);
    s.rootLogin = true;
    s.stop();
    s.start();
    return s;
  }

  /**
   * An sshd (127.0.0.1 and 127.0.0.2) that logs the user in as usual, then runs {@code command} in
   * every session instead of what the client asked: e.g. {@code cat >/dev/null}, a host whose
   * commands never answer (it ends when the connection closes).
   */
  public static TestSshd forcing(String command) {
    TestSshd s = new TestSshd(true);
    s.forceCommand = command;
    s.stop();
    s.start();
    return s;
  }

  /**
   * An isolated sshd (see {@link #isolated}) inside a network namespace the test created, listening
   * on addresses of that namespace: a host of its own for collectors and the programs they watch.
   */
  public static TestSshd inNetns(
      String netns, String hostname, List<String> addresses, String varTmpMode) {
    TestSshd s = new TestSshd(true, addresses, varTmpMode, false, netns, hostname);
    return s;
  }

  private TestSshd(boolean sftp, List<String> addresses) {
    this(sftp, addresses, null, false);
  }

  private TestSshd(
      boolean sftp, List<String> addresses, String varTmpMode, boolean withoutHttpClients) {
    this(sftp, addresses, varTmpMode, withoutHttpClients, null, null);
  }

  private TestSshd(
      boolean sftp,
      List<String> addresses,
      String varTmpMode,
      boolean withoutHttpClients,
      String netns,
      String hostname) {
    this.netns = netns;
    this.hostname = hostname;
    this.varTmpMode = varTmpMode;
    if (withoutHttpClients) {
      try {
        pathWithoutHttpClients = Files.createTempDirectory("perfmetrics-path-");
        Files.setPosixFilePermissions(
            pathWithoutHttpClients,
            java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        for (String bin : List.of("/usr/bin", "/usr/sbin")) {
          try (var files = Files.list(Path.of(bin))) {
            for (Path f : files.toList()) {
              String name = f.getFileName().toString();
              if (!name.equals("curl")
                  && !name.equals("wget")
                  && !Files.exists(pathWithoutHttpClients.resolve(name))) {
                Files.createSymbolicLink(pathWithoutHttpClients.resolve(name), f);
              }
            }
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    this.addresses = List.copyOf(addresses);
    if (!Files.isExecutable(Path.of("/usr/sbin/sshd"))) {
      throw new IllegalStateException(
          "/usr/sbin/sshd is missing: install openssh-server (scripts/test does)");
    }
    this.sftp = sftp;
    try {
      dir = Files.createTempDirectory("perfmetrics-sshd-");
      Files.createDirectories(dir.resolve("authorized_keys"));
      // sshd reads authorized_keys with the user's privileges
      var readable = java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x");
      Files.setPosixFilePermissions(dir, readable);
      Files.setPosixFilePermissions(dir.resolve("authorized_keys"), readable);
      Files.createDirectories(Path.of("/run/sshd"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    port = TestPostgres.freePort();
    password = sharedPassword();
    ensureUser();
    newHostKey();
    start();
  }

  /**
   * The login user's password, made once per machine and kept root-only: every TestSshd (also in
   * other JVMs running tests at the same time) uses the same one, so that none of them resets the
   * password another one's sessions are logging in with.
   */
  private static String sharedPassword() {
    Path file = Path.of("/var/lib/perfmetrics-test/" + USER + ".password");
    try {
      if (!Files.exists(file)) {
        Files.createDirectories(
            file.getParent(),
            java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
        Path tmp = Files.createTempFile(file.getParent(), USER, ".tmp");
        byte[] random = new byte[12];
        new java.security.SecureRandom().nextBytes(random);
        Files.writeString(tmp, "pw-" + java.util.HexFormat.of().formatHex(random));
        try {
          // a hard link, not a rename: it fails when another JVM got there first, whose
          // password then stands
          Files.createLink(file, tmp);
        } catch (java.nio.file.FileAlreadyExistsException raced) {
          // theirs is used below
        } finally {
          Files.deleteIfExists(tmp);
        }
      }
      return Files.readString(file).strip();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Creates the login user once; sets the shared password. */
  private void ensureUser() {
    if (run(List.of("id", USER), null) != 0) {
      check(run(List.of("useradd", "--create-home", "--shell", "/bin/sh", USER), null), "useradd");
    }
    check(run(List.of("chpasswd"), USER + ":" + password + "\n"), "chpasswd");
  }

  /** Replaces the host key: the next connection sees a different server identity. */
  public void newHostKey() {
    Path key = dir.resolve("host_ed25519");
    try {
      Files.deleteIfExists(key);
      Files.deleteIfExists(dir.resolve("host_ed25519.pub"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    check(
        run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key.toString()), null),
        "ssh-keygen");
  }

  /** Creates a key pair for the user and authorizes it; returns the private key text. */
  public String authorizeNewKey(String passphrase) {
    return authorizeNewKey(USER, passphrase);
  }

  /** Creates a key pair for {@code user} and authorizes it; returns the private key text. */
  public String authorizeNewKey(String user, String passphrase) {
    return authorizeNewKey(user, passphrase, "ed25519");
  }

  /**
   * Creates a key pair of an {@code ssh-keygen -t} type for {@code user} and authorizes it (the
   * only key it takes); returns the private key text.
   */
  public String authorizeNewKey(String user, String passphrase, String type) {
    Path key = dir.resolve("client_" + System.nanoTime());
    check(
        run(
            List.of(
                "ssh-keygen",
                "-q",
                "-t",
                type,
                "-N",
                passphrase == null ? "" : passphrase,
                "-f",
                key.toString()),
            null),
        "ssh-keygen");
    try {
      Path authorized = dir.resolve("authorized_keys").resolve(user);
      Files.writeString(
          authorized, Files.readString(key.resolveSibling(key.getFileName() + ".pub")));
      Files.setPosixFilePermissions(
          authorized, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
      return Files.readString(key);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public synchronized void start() {
    Path config = dir.resolve("sshd_config");
    String conf =
        String.join(
            "\n",
            "Port " + port,
            addresses.stream()
                .map(a -> "ListenAddress " + a)
                .collect(java.util.stream.Collectors.joining("\n")),
            "HostKey " + dir.resolve("host_ed25519"),
            "PidFile " + dir.resolve("sshd.pid"),
            "AuthorizedKeysFile " + dir.resolve("authorized_keys") + "/%u",
            "StrictModes no",
            "UsePAM no",
            "PasswordAuthentication yes",
            "KbdInteractiveAuthentication no",
            rootLogin ? "PermitRootLogin prohibit-password" : "PermitRootLogin no",
            "AllowUsers " + USER + (rootLogin ? " root" : ""),
            sftp ? "Subsystem sftp internal-sftp" : "",
            pathWithoutHttpClients == null ? "" : "SetEnv PATH=" + pathWithoutHttpClients,
            forceCommand == null ? "" : "ForceCommand " + forceCommand,
            "LogLevel VERBOSE",
            "");
    try {
      Files.writeString(config, conf);
      List<String> cmd =
          varTmpMode == null
              ? List.of("/usr/sbin/sshd", "-D", "-e", "-f", config.toString())
              // its own mount table: the tmpfs on /var/tmp is seen by this sshd and its sessions
              // only
              : List.of(
                  "unshare",
                  "-m",
                  "-u",
                  "--propagation",
                  "private",
                  "sh",
                  "-c",
                  (hostname == null ? "" : "hostname \"$2\" && ")
                      + "mount -t tmpfs -o size=64m,mode="
                      + varTmpMode
                      + " tmpfs /var/tmp && exec /usr/sbin/sshd -D -e -f \"$1\"",
                  "sh",
                  config.toString(),
                  hostname == null ? "" : hostname);
      if (netns != null) {
        List<String> inNs = new java.util.ArrayList<>(List.of("ip", "netns", "exec", netns));
        inNs.addAll(cmd);
        cmd = inNs;
      }
      process =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("sshd.log").toFile())
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException("could not start sshd", e);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(addresses.get(0), port), 500);
        s.setSoTimeout(2000);
        InputStream in = s.getInputStream();
        byte[] b = new byte[4];
        if (in.readNBytes(b, 0, 4) == 4
            && new String(b, StandardCharsets.US_ASCII).equals("SSH-")) {
          return;
        }
      } catch (IOException e) {
        // not up yet
      }
      if (!process.isAlive()) {
        break;
      }
      sleep(100);
    }
    throw new IllegalStateException(
        "sshd did not start on " + addresses.get(0) + ":" + port + "; its log: " + log());
  }

  public synchronized void stop() {
    if (process != null) {
      process.destroy();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      process = null;
    }
  }

  public int port() {
    return port;
  }

  /** /var/tmp as this sshd's sessions see it (its private one when isolated). */
  public Path varTmp() {
    return varTmpMode == null
        ? Path.of("/var/tmp")
        : Path.of("/proc/" + process.pid() + "/root/var/tmp");
  }

  public String address() {
    return addresses.get(0);
  }

  public String password() {
    return password;
  }

  public String log() {
    try {
      return Files.readString(dir.resolve("sshd.log"));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  /** A directory the login user may write, for a collector's tools folder. */
  public Path userWritableDir() {
    try {
      Path d = Files.createTempDirectory("perfmetrics-target-");
      userDirs.add(d);
      check(run(List.of("chown", USER, d.toString()), null), "chown");
      return d;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    stop();
    TempDirs.delete(dir);
    userDirs.forEach(TempDirs::delete);
    if (pathWithoutHttpClients != null) {
      TempDirs.delete(pathWithoutHttpClients);
    }
  }

  /**
   * Runs a shell command as {@code user} in this sshd's mount namespace (its private /var/tmp when
   * isolated), the way another local user of the target would; returns the exit code.
   */
  public synchronized int runAs(String user, String shellCommand) {
    List<String> su = List.of("su", "-s", "/bin/sh", user, "-c", shellCommand);
    if (varTmpMode == null) {
      return run(su, null);
    }
    List<String> cmd =
        new java.util.ArrayList<>(
            List.of("nsenter", "-t", String.valueOf(process.pid()), "-m", "--"));
    cmd.addAll(su);
    return run(cmd, null);
  }

  /** Runs a command as the login user, e.g. to look at what a collector left behind. */
  public static int runAsUser(String shellCommand) {
    return run(List.of("su", "-s", "/bin/sh", USER, "-c", shellCommand), null);
  }

  public static int run(List<String> cmd, String stdin) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      if (stdin != null) {
        p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
      }
      p.getOutputStream().close();
      p.getInputStream().readAllBytes();
      return p.waitFor();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static void check(int rc, String what) {
    if (rc != 0) {
      throw new IllegalStateException(what + " failed with exit " + rc);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
