package io.perfmetrics.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Samba smbd for a test: own smb.conf and state in a temporary directory, a free port on
 * 127.0.0.1, a share (named {@code ADMIN$} unless told otherwise) and a test user. Fails loudly
 * when smbd cannot run.
 */
public final class TestSamba implements AutoCloseable {
  public static final String USER = "pmsmb";
  public static final String NETBIOS_NAME = "PMTESTSMB";
  public static final String WORKGROUP = "PMTESTGROUP";

  private final Path dir;
  private final int port;
  private final String password;
  private final String shareName;
  private final String address;
  private Process process;

  /** A Samba on 127.0.0.1 serving one share with the given name. */
  public TestSamba(String shareName) {
    this(shareName, "127.0.0.1");
  }

  /** A Samba on another loopback address, e.g. a host for a discovery scan to find. */
  public static TestSamba on(String address) {
    return new TestSamba("ADMIN$", address);
  }

  /**
   * A Samba on 127.0.0.1 whose share keeps Windows security descriptors as they are set (vfs
   * acl_xattr, the file system's own permissions left alone), as NTFS does: for tests of ACLs.
   */
  public static TestSamba withNtAcls(String shareName) {
    return new TestSamba(shareName, "127.0.0.1", true);
  }

  private final boolean ntAcls;

  private TestSamba(String shareName, String address) {
    this(shareName, address, false);
  }

  private TestSamba(String shareName, String address, boolean ntAcls) {
    this.ntAcls = ntAcls;
    this.address = address;
    if (!Files.isExecutable(Path.of("/usr/sbin/smbd"))) {
      throw new IllegalStateException(
          "/usr/sbin/smbd is missing: install samba (scripts/test does)");
    }
    this.shareName = shareName;
    try {
      dir = Files.createTempDirectory("perfmetrics-smb-");
      // smbd serves the share as the logged-in user, who must be able to reach it
      Files.setPosixFilePermissions(
          dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
      for (String d :
          List.of("private", "lock", "state", "cache", "pid", "ncalrpc", "share", "log")) {
        Files.createDirectories(dir.resolve(d));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    port = TestPostgres.freePort();
    password = "Pw-" + Long.toHexString(System.nanoTime());
    writeConfig();
    if (TestSshd.run(List.of("id", USER), null) != 0) {
      check(
          TestSshd.run(
              List.of("useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", USER), null),
          "useradd");
    }
    check(TestSshd.run(List.of("chown", USER, dir.resolve("share").toString()), null), "chown");
    check(
        TestSshd.run(
            List.of("smbpasswd", "-c", config().toString(), "-s", "-a", USER),
            password + "\n" + password + "\n"),
        "smbpasswd");
    start();
  }

  private Path config() {
    return dir.resolve("smb.conf");
  }

  private void writeConfig() {
    String conf =
        String.join(
            "\n",
            "[global]",
            "  smb ports = " + port,
            // loopback is a /8 on one interface; with bind interfaces only, the exact address is
            // bound
            "  interfaces = " + address + "/8",
            "  bind interfaces only = yes",
            "  disable netbios = yes",
            "  workgroup = " + WORKGROUP,
            "  netbios name = " + NETBIOS_NAME,
            "  server role = standalone server",
            "  server min protocol = SMB2_02",
            "  server max protocol = SMB3_11",
            "  server signing = mandatory",
            "  private dir = " + dir.resolve("private"),
            "  lock directory = " + dir.resolve("lock"),
            "  state directory = " + dir.resolve("state"),
            "  cache directory = " + dir.resolve("cache"),
            "  pid directory = " + dir.resolve("pid"),
            "  ncalrpc dir = " + dir.resolve("ncalrpc"),
            "  log file = " + dir.resolve("log") + "/log.%m",
            "  passdb backend = tdbsam:" + dir.resolve("private/passdb.tdb"),
            "  load printers = no",
            "  printing = bsd",
            "  printcap name = /dev/null",
            "  disable spoolss = yes",
            "  map to guest = never",
            // like a local administrator on Windows: ADMIN$ and the SCM are for admins
            "  admin users = " + USER,
            "",
            "[" + shareName + "]",
            "  path = " + dir.resolve("share"),
            "  read only = no",
            "  valid users = " + USER,
            ntAcls ? "  vfs objects = acl_xattr\n  acl_xattr:ignore system acls = yes" : "",
            "");
    try {
      Files.writeString(config(), conf);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public synchronized void start() {
    try {
      // its own process group: at shutdown smbd signals its whole group, which must not be ours
      process =
          new ProcessBuilder(
                  "/usr/sbin/smbd", "--foreground", "--debug-stdout", "-s", config().toString())
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("log/smbd.out").toFile())
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException("could not start smbd", e);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (System.nanoTime() < deadline && process.isAlive()) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(address, port), 300);
        return;
      } catch (IOException e) {
        sleep(100);
      }
    }
    throw new IllegalStateException(
        "smbd did not start on " + address + ":" + port + "; its output: " + output());
  }

  public String output() {
    try {
      return Files.readString(dir.resolve("log/smbd.out"), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(none)";
    }
  }

  /** What smbstatus says about current sessions (protocol versions, signing, encryption). */
  public String smbstatus() {
    try {
      Process p =
          new ProcessBuilder("smbstatus", "-s", config().toString(), "-b")
              .redirectErrorStream(true)
              .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor(10, TimeUnit.SECONDS);
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  public int port() {
    return port;
  }

  public String address() {
    return address;
  }

  public String password() {
    return password;
  }

  /** The share's directory on this machine, to look at what a client wrote. */
  public Path shareDir() {
    return dir.resolve("share");
  }

  @Override
  public synchronized void close() {
    if (process != null) {
      process.destroy();
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      // smbd forks a child per connection and samba-dcerpcd helpers; they share our config path
      TestSshd.run(List.of("pkill", "-f", config().toString()), null);
    }
    TempDirs.delete(dir);
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
