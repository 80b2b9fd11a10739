package io.perfmetrics.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real OpenSSH sshd for a test: own host key and config in a temporary directory, on a free
 * port of a loopback address ({@code 127.0.0.x}). Optionally a user with a password and/or an
 * authorized key (the user is created with useradd when missing; tests run as root). Fails
 * loudly when it cannot start.
 */
public final class TestSshd implements AutoCloseable {
  private final Path dir;
  private final String address;
  private final int port;
  private final Process process;
  private final Path hostKey;

  public static final class Builder {
    private String address = "127.0.0.1";
    private String user;
    private String password;
    private String authorizedKey;

    public Builder address(String a) {
      address = a;
      return this;
    }

    /** A login user, created when missing; its password is set when given. */
    public Builder user(String name, String pw) {
      user = name;
      password = pw;
      return this;
    }

    /** An OpenSSH public key line accepted for {@link #user}. */
    public Builder authorizedKey(String keyLine) {
      authorizedKey = keyLine;
      return this;
    }

    public TestSshd start() {
      return new TestSshd(this);
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  public static TestSshd on(String address) {
    return builder().address(address).start();
  }

  private TestSshd(Builder b) {
    address = b.address;
    if (!Files.isExecutable(Path.of("/usr/sbin/sshd"))) {
      throw new IllegalStateException("/usr/sbin/sshd is missing: apt-get install -y openssh-server (scripts/test does)");
    }
    try {
      dir = Files.createTempDirectory("perfmetrics-sshd-");
      Files.createDirectories(Path.of("/run/sshd")); // privilege separation directory sshd insists on
      hostKey = dir.resolve("host_ed25519");
      run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", hostKey.toString()));
      StringBuilder conf = new StringBuilder()
          .append("HostKey ").append(hostKey).append('\n')
          .append("PidFile ").append(dir.resolve("sshd.pid")).append('\n')
          .append("UsePAM no\nStrictModes no\nPermitRootLogin no\n")
          .append("PasswordAuthentication ").append(b.password != null ? "yes" : "no").append('\n')
          .append("KbdInteractiveAuthentication no\n");
      if (b.user != null) {
        ensureUser(b.user, b.password);
        conf.append("AllowUsers ").append(b.user).append('\n');
        if (b.authorizedKey != null) {
          Path keys = dir.resolve("authorized_keys");
          Files.writeString(keys, b.authorizedKey.strip() + "\n");
          Files.setPosixFilePermissions(keys, PosixFilePermissions.fromString("rw-r--r--"));
          Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
          conf.append("AuthorizedKeysFile ").append(keys).append('\n');
        }
      }
      Path config = dir.resolve("sshd_config");
      Files.writeString(config, conf.toString());
      port = TestPostgres.freePort();
      process = new ProcessBuilder("/usr/sbin/sshd", "-D", "-e", "-f", config.toString(), "-o",
          "ListenAddress=" + address, "-p", String.valueOf(port))
          .redirectErrorStream(true)
          .redirectOutput(dir.resolve("sshd.log").toFile())
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException("could not start sshd", e);
    }
    waitListening();
  }

  private void waitListening() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("sshd exited " + process.exitValue() + ": " + log());
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(address, port), 200);
        return;
      } catch (IOException e) {
        sleep(50);
      }
    }
    close();
    throw new IllegalStateException("sshd did not listen on " + address + ":" + port + " within 10 s: " + log());
  }

  private static void ensureUser(String user, String password) throws IOException {
    if (run(List.of("id", "-u", user), true) != 0) {
      run(List.of("useradd", "-m", "-s", "/bin/sh", user));
    }
    if (password != null) {
      Process p = new ProcessBuilder("chpasswd").redirectErrorStream(true).start();
      p.getOutputStream().write((user + ":" + password + "\n").getBytes());
      p.getOutputStream().close();
      waitFor(p, "chpasswd");
    }
  }

  private static void run(List<String> cmd) throws IOException {
    run(cmd, false);
  }

  private static int run(List<String> cmd, boolean mayFail) throws IOException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    int code = waitFor(p, String.join(" ", cmd));
    if (code != 0 && !mayFail) {
      throw new IllegalStateException(String.join(" ", cmd) + " exited " + code);
    }
    return code;
  }

  private static int waitFor(Process p, String what) {
    try {
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(what + " did not finish in 30 s");
      }
      return p.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public String address() {
    return address;
  }

  public int port() {
    return port;
  }

  /** The host's public key line (for host-key pinning tests). */
  public String hostPublicKey() {
    try {
      return Files.readString(Path.of(hostKey + ".pub")).strip();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public String log() {
    try {
      return Files.readString(dir.resolve("sshd.log"));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  public void stop() {
    close();
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
    TempDirs.delete(dir);
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

}
