package io.perfmetrics.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What discovery sends and how fast. Defaults stay under scanlogd's and Snort sfportscan's default
 * thresholds; the README explains the numbers.
 *
 * @param ports TCP ports probed on every address, in this order
 * @param smbPorts those of {@code ports} where an open port gets the anonymous SMB negotiate
 * @param hostSpacing least time between two operations sent to the same address
 * @param globalInterval least time between two operations sent anywhere (1 / global rate)
 * @param concurrency addresses probed at the same time
 * @param connectTimeout how long a TCP connect or a read waits
 * @param exclude CIDR ranges never scanned (in addition to the appliance's own addresses)
 * @param nmap "auto" (use nmap when installed), "off", or the path of the nmap binary
 * @param ping "auto" (the ping binary when installed, else TCP only), "off", or a path
 * @param reverseDns look up PTR names of scanned addresses
 */
public record DiscoverySettings(
    List<Integer> ports,
    List<Integer> smbPorts,
    Duration hostSpacing,
    Duration globalInterval,
    int concurrency,
    Duration connectTimeout,
    List<String> exclude,
    String nmap,
    String ping,
    boolean reverseDns) {

  public static final String PORTS = "PERFMETRICS_SCAN_PORTS";
  public static final String SMB_PORTS = "PERFMETRICS_SCAN_SMB_PORTS";
  public static final String HOST_SPACING = "PERFMETRICS_SCAN_HOST_SPACING";
  public static final String GLOBAL_INTERVAL = "PERFMETRICS_SCAN_GLOBAL_INTERVAL";
  public static final String CONCURRENCY = "PERFMETRICS_SCAN_CONCURRENCY";
  public static final String CONNECT_TIMEOUT = "PERFMETRICS_SCAN_CONNECT_TIMEOUT";
  public static final String EXCLUDE = "PERFMETRICS_SCAN_EXCLUDE";
  public static final String NMAP = "PERFMETRICS_SCAN_NMAP";
  public static final String PING = "PERFMETRICS_SCAN_PING";
  public static final String REVERSE_DNS = "PERFMETRICS_SCAN_REVERSE_DNS";

  public static final List<Integer> DEFAULT_PORTS = List.of(22, 135, 139, 445, 3389, 443, 9443);

  public DiscoverySettings {
    ports = List.copyOf(ports);
    smbPorts = List.copyOf(smbPorts);
    if (!ports.containsAll(smbPorts)) {
      throw new ConfigException(
          SMB_PORTS + " " + smbPorts + " must be among " + PORTS + " " + ports);
    }
    exclude = List.copyOf(exclude);
    if (ports.isEmpty() || ports.size() > 64) {
      throw new ConfigException(PORTS + " must list 1 to 64 ports, got " + ports.size());
    }
    for (int p : ports) {
      if (p < 1 || p > 65535) {
        throw new ConfigException(PORTS + " has " + p + ", not a TCP port 1-65535");
      }
    }
    if (hostSpacing.isNegative() || globalInterval.isNegative()) {
      throw new ConfigException(HOST_SPACING + " and " + GLOBAL_INTERVAL + " must not be negative");
    }
    if (concurrency < 1 || concurrency > 1024) {
      throw new ConfigException(CONCURRENCY + " must be 1-1024, got " + concurrency);
    }
    if (connectTimeout.toMillis() < 10 || connectTimeout.toMillis() > 30_000) {
      throw new ConfigException(
          CONNECT_TIMEOUT + " must be 10ms-30s, got " + connectTimeout.toMillis() + " ms");
    }
  }

  public static DiscoverySettings defaults() {
    return new DiscoverySettings(
        DEFAULT_PORTS,
        List.of(445),
        Duration.ofSeconds(16),
        Duration.ofSeconds(16),
        16,
        Duration.ofSeconds(1),
        List.of(),
        "auto",
        "auto",
        true);
  }

  static DiscoverySettings from(Map<String, String> v) {
    DiscoverySettings d = defaults();
    List<Integer> ports = portList(v, PORTS, d.ports());
    List<Integer> smbPorts = portList(v, SMB_PORTS, ports.contains(445) ? List.of(445) : List.of());
    List<String> exclude = new ArrayList<>();
    String ex = v.get(EXCLUDE);
    if (ex != null && !ex.isBlank()) {
      // limit 0 drops the empty field a trailing separator leaves ("a,b,")
      for (String s : ex.split("[,\\s]+", 0)) {
        exclude.add(s.trim());
      }
    }
    return new DiscoverySettings(
        ports,
        smbPorts,
        duration(v, HOST_SPACING, d.hostSpacing()),
        duration(v, GLOBAL_INTERVAL, d.globalInterval()),
        integer(v, CONCURRENCY, d.concurrency()),
        duration(v, CONNECT_TIMEOUT, d.connectTimeout()),
        exclude,
        v.getOrDefault(NMAP, d.nmap()).trim(),
        v.getOrDefault(PING, d.ping()).trim(),
        !"false".equalsIgnoreCase(v.getOrDefault(REVERSE_DNS, "true").trim()));
  }

  /** "250ms", "16s", "2m" or a bare number of seconds. */
  public static Duration parseDuration(String key, String s) {
    String t = s.trim().toLowerCase(Locale.ROOT);
    try {
      if (t.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2).trim()));
      }
      if (t.endsWith("s")) {
        return Duration.ofMillis(
            Math.round(Double.parseDouble(t.substring(0, t.length() - 1).trim()) * 1000));
      }
      if (t.endsWith("m")) {
        return Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1).trim()) * 60);
      }
      return Duration.ofMillis(Math.round(Double.parseDouble(t) * 1000));
    } catch (NumberFormatException e) {
      throw new ConfigException(
          key + " must be a duration such as 250ms, 16s or 2m, got '" + s + "'");
    }
  }

  private static List<Integer> portList(Map<String, String> v, String key, List<Integer> dflt) {
    String p = v.get(key);
    if (p == null || p.isBlank()) {
      return dflt;
    }
    List<Integer> ports = new ArrayList<>();
    // limit 0 drops the empty field a trailing separator leaves ("22,80,"), which is accepted
    for (String s : p.split("[,\\s]+", 0)) {
      try {
        ports.add(Integer.parseInt(s.trim()));
      } catch (NumberFormatException e) {
        throw new ConfigException(key + " must be comma-separated TCP ports, got '" + s + "'");
      }
    }
    return ports;
  }

  private static Duration duration(Map<String, String> v, String key, Duration dflt) {
    String s = v.get(key);
    return s == null || s.isBlank() ? dflt : parseDuration(key, s);
  }

  private static int integer(Map<String, String> v, String key, int dflt) {
    String s = v.get(key);
    if (s == null || s.isBlank()) {
      return dflt;
    }
    try {
      return Integer.parseInt(s.trim());
    } catch (NumberFormatException e) {
      throw new ConfigException(key + " must be an integer, got '" + s + "'");
    }
  }

  public DiscoverySettings withPorts(List<Integer> newPorts, List<Integer> newSmbPorts) {
    return new DiscoverySettings(
        newPorts,
        newSmbPorts,
        hostSpacing,
        globalInterval,
        concurrency,
        connectTimeout,
        exclude,
        nmap,
        ping,
        reverseDns);
  }

  public DiscoverySettings withPacing(Duration newHostSpacing, Duration newGlobalInterval) {
    return new DiscoverySettings(
        ports,
        smbPorts,
        newHostSpacing,
        newGlobalInterval,
        concurrency,
        connectTimeout,
        exclude,
        nmap,
        ping,
        reverseDns);
  }

  public DiscoverySettings withConcurrency(int n) {
    return new DiscoverySettings(
        ports,
        smbPorts,
        hostSpacing,
        globalInterval,
        n,
        connectTimeout,
        exclude,
        nmap,
        ping,
        reverseDns);
  }

  public DiscoverySettings withNmap(String newNmap) {
    return new DiscoverySettings(
        ports,
        smbPorts,
        hostSpacing,
        globalInterval,
        concurrency,
        connectTimeout,
        exclude,
        newNmap,
        ping,
        reverseDns);
  }

  public DiscoverySettings withPing(String newPing) {
    return new DiscoverySettings(
        ports,
        smbPorts,
        hostSpacing,
        globalInterval,
        concurrency,
        connectTimeout,
        exclude,
        nmap,
        newPing,
        reverseDns);
  }

  public DiscoverySettings withExclude(List<String> newExclude) {
    return new DiscoverySettings(
        ports,
        smbPorts,
        hostSpacing,
        globalInterval,
        concurrency,
        connectTimeout,
        newExclude,
        nmap,
        ping,
        reverseDns);
  }

  public DiscoverySettings withReverseDns(boolean on) {
    return new DiscoverySettings(
        ports,
        smbPorts,
        hostSpacing,
        globalInterval,
        concurrency,
        connectTimeout,
        exclude,
        nmap,
        ping,
        on);
  }
}
