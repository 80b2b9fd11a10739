package io.perfmetrics.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A real Samba smbd for a test: own smb.conf and state directories in a temporary directory,
 * bound to one loopback address on a free port. Fails loudly when it cannot start.
 */
public final class TestSamba implements AutoCloseable {
  public static final String NETBIOS_NAME = "PMTESTSMB";
  public static final String WORKGROUP = "PMTESTGROUP";

  private final Path dir;
  private final String address;
  private final int port;
  private final Process process;

  public TestSamba(String address) {
    this.address = address;
    if (!Files.isExecutable(Path.of("/usr/sbin/smbd"))) {
      throw new IllegalStateException("/usr/sbin/smbd is missing: apt-get install -y samba (scripts/test does)");
    }
    try {
      dir = Files.createTempDirectory("perfmetrics-smb-");
      for (String d : new String[] {"private", "lock", "state", "cache", "pid", "ncalrpc", "share"}) {
        Files.createDirectories(dir.resolve(d));
      }
      port = TestPostgres.freePort();
      String conf = "[global]\n"
          + "  netbios name = " + NETBIOS_NAME + "\n"
          + "  workgroup = " + WORKGROUP + "\n"
          + "  server role = standalone server\n"
          + "  smb ports = " + port + "\n"
          + "  interfaces = " + address + "/8\n" // loopback is a /8; the exact address is bound
          + "  bind interfaces only = yes\n"
          + "  private dir = " + dir.resolve("private") + "\n"
          + "  lock directory = " + dir.resolve("lock") + "\n"
          + "  state directory = " + dir.resolve("state") + "\n"
          + "  cache directory = " + dir.resolve("cache") + "\n"
          + "  pid directory = " + dir.resolve("pid") + "\n"
          + "  ncalrpc dir = " + dir.resolve("ncalrpc") + "\n"
          + "  log file = " + dir.resolve("smbd.log") + "\n"
          + "  disable spoolss = yes\n  load printers = no\n  printing = bsd\n  printcap name = /dev/null\n"
          + "  disable netbios = yes\n"
          + "[share]\n  path = " + dir.resolve("share") + "\n  read only = yes\n";
      Path smbConf = dir.resolve("smb.conf");
      Files.writeString(smbConf, conf);
      // setsid: smbd signals its whole process group when it stops; with --no-process-group that
      // group would be the test JVM's and Maven's
      process = new ProcessBuilder("setsid", "/usr/sbin/smbd", "--foreground", "--no-process-group", "--debug-stdout", "-s",
          smbConf.toString())
          .redirectErrorStream(true)
          .redirectOutput(dir.resolve("stdout.log").toFile())
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException("could not start smbd", e);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("smbd exited " + process.exitValue() + ": " + log());
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(address, port), 200);
        return;
      } catch (IOException e) {
        TestSshd.sleep(100);
      }
    }
    close();
    throw new IllegalStateException("smbd did not listen on " + address + ":" + port + " within 20 s: " + log());
  }

  public String address() {
    return address;
  }

  public int port() {
    return port;
  }

  public String log() {
    try {
      return Files.readString(dir.resolve("stdout.log"));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  public void stop() {
    close();
  }

  @Override
  public void close() {
    // smbd forks a child per connection; they outlive the parent unless stopped too
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    if (process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
    try {
      // rm is quicker than a Java walk over smbd's lock/state tdb files
      Process rm = new ProcessBuilder("rm", "-rf", "--one-file-system", dir.toString()).start();
      if (!rm.waitFor(30, TimeUnit.SECONDS)) {
        rm.destroyForcibly();
      }
    } catch (IOException e) {
      TempDirs.delete(dir);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
