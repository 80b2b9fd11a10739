package io.perfmetrics.discovery;

import io.perfmetrics.config.DiscoverySettings;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Sockets, the {@code ping} binary and {@code nmap}. ICMP: Java's InetAddress.isReachable sends
 * ICMP only with CAP_NET_RAW and silently falls back to TCP port 7 otherwise, so the log could not
 * say what was sent; the iputils {@code ping} binary (setuid or with the capability on every
 * distribution) sends exactly one echo request ({@code -c 1}), its arguments passed as a list,
 * never through a shell. Without it, no ICMP is sent and the TCP probes decide liveness.
 */
final class RealNetwork implements Network {
  private static final Pattern PING_TIME = Pattern.compile("time[=<]([\\d.]+) ms");
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

  private final Path pingBinary;
  private final String pingMissing;
  private final Path nmapBinary;
  private final String nmapMissing;

  RealNetwork(DiscoverySettings settings) {
    Path ping = null;
    String pingWhy = null;
    if ("off".equalsIgnoreCase(settings.ping())) {
      pingWhy = "ICMP is switched off (" + DiscoverySettings.PING + "=off)";
    } else {
      ping =
          "auto".equalsIgnoreCase(settings.ping())
              ? onPath("ping")
              : executable(Path.of(settings.ping()));
      if (ping == null) {
        pingWhy = "no ping binary (" + settings.ping() + "); TCP probes decide liveness";
      }
    }
    pingBinary = ping;
    pingMissing = pingWhy;
    Path nmap = null;
    String nmapWhy = null;
    if ("off".equalsIgnoreCase(settings.nmap())) {
      nmapWhy = "nmap is switched off (" + DiscoverySettings.NMAP + "=off)";
    } else {
      nmap =
          "auto".equalsIgnoreCase(settings.nmap())
              ? onPath("nmap")
              : executable(Path.of(settings.nmap()));
      if (nmap == null) {
        nmapWhy = "nmap is not installed (" + settings.nmap() + ")";
      }
    }
    nmapBinary = nmap;
    nmapMissing = nmapWhy;
  }

  @Override
  public Optional<String> pingUnavailable() {
    return Optional.ofNullable(pingMissing);
  }

  @Override
  public PingResult ping(String address, Duration timeout) throws InterruptedException {
    if (pingBinary == null) {
      return new PingResult.NotPermitted(pingMissing);
    }
    if (!IPV4.matcher(address).matches()) {
      return new PingResult.NotPermitted("ping is sent to IPv4 addresses only");
    }
    long seconds = Math.max(1, (timeout.toMillis() + 999) / 1000);
    List<String> cmd =
        List.of(pingBinary.toString(), "-n", "-c", "1", "-W", String.valueOf(seconds), address);
    Process p = null;
    try {
      p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(seconds + 2, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return new PingResult.NoReply();
      }
      int code = p.exitValue();
      if (code == 0) {
        Matcher m = PING_TIME.matcher(out);
        return new PingResult.Reply(m.find() ? Math.round(Double.parseDouble(m.group(1))) : 0);
      }
      if (code == 1) {
        return new PingResult.NoReply();
      }
      return new PingResult.NotPermitted("ping exited " + code + ": " + out.strip());
    } catch (IOException e) {
      return new PingResult.NotPermitted("could not run " + pingBinary + ": " + e.getMessage());
    } finally {
      if (p != null && p.isAlive()) {
        p.destroyForcibly();
      }
    }
  }

  @Override
  public Optional<String> reverseName(String address) {
    try {
      InetAddress a = InetAddress.getByName(address);
      String name = a.getCanonicalHostName();
      return name.equals(a.getHostAddress()) ? Optional.empty() : Optional.of(name);
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  @Override
  public PortState connect(String address, int port, Duration timeout, Duration bannerWait) {
    try (Socket s = new Socket()) {
      s.connect(
          new InetSocketAddress(InetAddress.getByName(address), port), (int) timeout.toMillis());
      String banner = "";
      if (!bannerWait.isZero()) {
        s.setSoTimeout((int) bannerWait.toMillis());
        try {
          InputStream in = s.getInputStream();
          byte[] buf = new byte[256];
          int n = in.read(buf);
          if (n > 0) {
            banner = new String(buf, 0, n, StandardCharsets.ISO_8859_1).strip();
          }
        } catch (SocketTimeoutException e) {
          // a server that waits for the client to speak first
        }
      }
      return new PortState.Open(banner);
    } catch (ConnectException e) {
      return e.getMessage() != null && e.getMessage().contains("refused")
          ? new PortState.Closed()
          : new PortState.Failed(e.getMessage());
    } catch (SocketTimeoutException e) {
      return new PortState.Filtered();
    } catch (NoRouteToHostException e) {
      return new PortState.Failed("no route to host");
    } catch (IOException e) {
      return new PortState.Failed(e.toString());
    }
  }

  @Override
  public Optional<SmbNtlm.Challenge> smb(String address, int port, Duration timeout)
      throws IOException {
    try (Socket s = new Socket()) {
      s.connect(
          new InetSocketAddress(InetAddress.getByName(address), port), (int) timeout.toMillis());
      s.setSoTimeout((int) Math.max(timeout.toMillis(), 2000));
      return SmbNtlm.exchange(s.getInputStream(), s.getOutputStream());
    }
  }

  @Override
  public Optional<String> nmapUnavailable() {
    return Optional.ofNullable(nmapMissing);
  }

  @Override
  public NmapResult nmap(String address, List<Integer> openPorts) throws InterruptedException {
    if (nmapBinary == null) {
      return new NmapResult("unknown", null, 0, nmapMissing);
    }
    String ports = openPorts.stream().map(String::valueOf).collect(Collectors.joining(","));
    List<String> cmd =
        new ArrayList<>(
            List.of(
                nmapBinary.toString(),
                "-O",
                "-Pn",
                "-n",
                "-p",
                ports,
                "--max-retries",
                "1",
                "--host-timeout",
                "60s",
                "-oX",
                "-",
                address));
    Process p = null;
    try {
      p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
      String xml = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor(90, TimeUnit.SECONDS);
      return NmapXml.parse(xml);
    } catch (IOException e) {
      return new NmapResult("unknown", null, 0, "nmap failed: " + e.getMessage());
    } finally {
      if (p != null && p.isAlive()) {
        p.destroyForcibly();
      }
    }
  }

  private static Path onPath(String name) {
    String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
    for (String dir : (path + ":/usr/sbin:/sbin:/usr/bin:/bin").split(":", -1)) {
      Path p = executable(Path.of(dir, name));
      if (p != null) {
        return p;
      }
    }
    return null;
  }

  private static Path executable(Path p) {
    return Files.isRegularFile(p) && Files.isExecutable(p) ? p : null;
  }
}
