package io.perfmetrics.discovery;

import io.perfmetrics.config.DiscoverySettings;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Probes one address, paced, and logs every operation it sends: ICMP echo, reverse DNS, a TCP
 * connect per configured port (reading an SSH banner where the server volunteers one), the
 * anonymous SMB negotiate on an open SMB port, and nmap's OS detection on the open ports.
 */
final class HostProber {
  static final String SOURCE = "discovery";
  private static final Duration BANNER_WAIT = Duration.ofMillis(500);

  private final Network net;
  private final Pacer pacer;
  private final NetOpsLog log;
  private final DiscoverySettings settings;
  private final java.time.Clock clock;

  HostProber(
      Network net, Pacer pacer, NetOpsLog log, DiscoverySettings settings, java.time.Clock clock) {
    this.clock = clock;
    this.net = net;
    this.pacer = pacer;
    this.log = log;
    this.settings = settings;
  }

  /** Paced operations sent to every address whatever it answers: the echo request and the ports. */
  int opsPerHost() {
    return (net.pingUnavailable().isPresent() ? 0 : 1) + settings.ports().size();
  }

  HostOutcome probe(long scanId, String address, BooleanSupplier cancelled) {
    try {
      return run(scanId, address, cancelled);
    } catch (InterruptedException e) {
      Thread.interrupted(); // logging below needs a usable thread; the scan is being cancelled
      return new HostOutcome.Cancelled(address);
    } finally {
      pacer.done(address);
    }
  }

  private HostOutcome run(long scanId, String address, BooleanSupplier cancelled)
      throws InterruptedException {
    Entries entries = new Entries(log, scanId, address);
    boolean answered = false;
    if (net.pingUnavailable().isEmpty()) {
      Instant t = pacer.turn(address);
      PingResult ping = net.ping(address, settings.connectTimeout());
      if (!(ping instanceof PingResult.NotPermitted)) {
        entries.record(
            t,
            null,
            "icmp",
            "echo request",
            ping.result(),
            ping instanceof PingResult.Reply r ? "rtt " + r.millis() + " ms" : null);
      }
      answered = ping instanceof PingResult.Reply;
    }
    if (cancelled.getAsBoolean()) {
      return new HostOutcome.Cancelled(address);
    }
    String hostname = null;
    if (settings.reverseDns()) {
      Instant t = clock.instant();
      Optional<String> name = net.reverseName(address);
      hostname = name.orElse(null);
      entries.record(
          t,
          null,
          "dns",
          "reverse lookup (PTR) through the system resolver",
          name.isPresent() ? "name" : "no name",
          hostname);
    }
    List<Integer> open = new ArrayList<>();
    Map<Integer, String> banners = new HashMap<>();
    for (int port : settings.ports()) {
      if (cancelled.getAsBoolean()) {
        return new HostOutcome.Cancelled(address);
      }
      Instant t = pacer.turn(address);
      PortState state = net.connect(address, port, settings.connectTimeout(), BANNER_WAIT);
      String detail =
          switch (state) {
            case PortState.Open o -> o.banner().isEmpty() ? null : o.banner();
            case PortState.Failed f -> f.reason();
            default -> null;
          };
      entries.record(
          t, port, "tcp", "port probe (connect, read banner, close)", state.result(), detail);
      if (cancelled.getAsBoolean() || Thread.currentThread().isInterrupted()) {
        return new HostOutcome.Cancelled(address);
      }
      switch (state) {
        case PortState.Open o -> {
          open.add(port);
          banners.put(port, o.banner());
          answered = true;
        }
        case PortState.Closed c -> answered = true;
        default -> {}
      }
    }
    if (open.isEmpty()) {
      return answered
          ? new HostOutcome.Alive(address, hostname)
          : new HostOutcome.Silent(address, hostname);
    }

    List<OsHint> hints = new ArrayList<>();
    banners.values().stream().map(SshBanner::parse).flatMap(Optional::stream).forEach(hints::add);
    for (int port : settings.smbPorts()) {
      if (open.contains(port) && !cancelled.getAsBoolean()) {
        Instant t = pacer.turn(address);
        String result;
        String detail = null;
        try {
          Optional<SmbNtlm.Challenge> ch = net.smb(address, port, settings.connectTimeout());
          result = ch.isPresent() ? "challenge" : "no smb2 answer";
          if (ch.isPresent()) {
            OsHint h = ch.get().hint();
            hints.add(h);
            detail = h.detail();
          }
        } catch (IOException e) {
          result = "error";
          detail = e.toString();
        }
        entries.record(
            t,
            port,
            "smb",
            "smb2 negotiate + ntlm challenge (anonymous, no credentials sent)",
            result,
            detail);
      }
    }
    if (net.nmapUnavailable().isEmpty() && !cancelled.getAsBoolean()) {
      Instant t = pacer.turn(address);
      Network.NmapResult r = net.nmap(address, open);
      entries.record(
          t,
          null,
          "nmap",
          "os detection: nmap -O -Pn -p "
              + join(open)
              + " (about 30 packets; TCP to these ports, one closed TCP"
              + " and one closed UDP port)",
          r.match() == null ? "no match" : "match",
          r.match() == null ? r.note() : r.match() + " (" + r.accuracy() + "%)");
      if (r.match() != null) {
        hints.add(new OsHint("nmap", r.family(), r.match(), r.accuracy() / 100.0 * 0.8));
      }
    }
    hints.add(portsHint(open));
    return new HostOutcome.Found(
        address, hostname, family(hints), List.copyOf(open), List.copyOf(hints));
  }

  /** The operations-log entries of one address's probes in one scan. */
  private record Entries(NetOpsLog log, long scanId, String address) {
    void record(
        Instant t,
        @Nullable Integer port,
        String protocol,
        String purpose,
        String result,
        @Nullable String detail) {
      log.record(
          new NetOpsLog.Operation(
              t, SOURCE, scanId, address, port, protocol, purpose, result, detail));
    }
  }

  static OsHint portsHint(List<Integer> open) {
    boolean win = open.stream().anyMatch(p -> p == 135 || p == 139 || p == 3389);
    boolean ssh = open.contains(22);
    String family = win && !ssh ? "windows" : ssh && !win ? "unix" : "unknown";
    return new OsHint(
        "open-ports", family, "open: " + join(open), family.equals("unknown") ? 0.1 : 0.3);
  }

  /** The family with the most confidence summed over its hints. */
  static String family(List<OsHint> hints) {
    Map<String, Double> score = new HashMap<>();
    for (OsHint h : hints) {
      if (!h.family().equals("unknown")) {
        score.merge(h.family(), h.confidence(), Double::sum);
      }
    }
    return score.entrySet().stream()
        .max(Map.Entry.comparingByValue())
        .map(Map.Entry::getKey)
        .orElse("unknown");
  }

  private static String join(List<Integer> ports) {
    return String.join(",", ports.stream().map(String::valueOf).toList());
  }
}
