package io.perfmetrics.discovery;

import io.perfmetrics.config.DiscoverySettings;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What the appliance will do to a network, stated ahead of time, and allowlist rules for its
 * address in the formats network teams use.
 */
public record Manifest(
    List<String> sourceAddresses,
    List<Integer> tcpPorts,
    List<Integer> smbPorts,
    boolean icmpEcho,
    String icmpNote,
    boolean nmap,
    String nmapNote,
    boolean reverseDns,
    long hostSpacingMs,
    long globalIntervalMs,
    double globalRatePerSecond,
    int concurrency,
    long connectTimeoutMs,
    int operationsPerAddress,
    int scanlogdPortWeight,
    String schedule,
    List<String> operations,
    Rules rules) {

  private static final java.util.regex.Pattern IPV4 =
      java.util.regex.Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

  /** Ready-to-use rules; each field is a complete file or command list. */
  public record Rules(
      String iptables, String nftables, String netsh, String suricata, String snortSuppress) {}

  /**
   * Source addresses as an admin gives them (IPv4, comma-separated); null or blank: none, which
   * {@link ScanService#manifest} takes as the appliance's own.
   */
  public static List<String> sources(String commaSeparated) {
    List<String> out = new java.util.ArrayList<>();
    if (commaSeparated == null || commaSeparated.isBlank()) {
      return out;
    }
    // limit 0 drops the empty field a trailing comma leaves, which is accepted
    for (String s : commaSeparated.split(",", 0)) {
      if (!IPV4.matcher(s.trim()).matches()) {
        throw new IllegalArgumentException(
            "source must be IPv4 addresses separated by commas, got '" + s + "'");
      }
      out.add(s.trim());
    }
    return out;
  }

  /**
   * scanlogd: privileged ports weigh 3, others 1; a weight of 21 within its 3-second spacing is a
   * scan.
   */
  public static int scanlogdWeight(List<Integer> ports) {
    return ports.stream().distinct().mapToInt(p -> p < 1024 ? 3 : 1).sum();
  }

  static Manifest of(
      DiscoverySettings s,
      List<String> sources,
      boolean icmp,
      String icmpNote,
      boolean nmap,
      String nmapNote,
      int opsPerHost) {
    List<String> ops = new java.util.ArrayList<>();
    if (icmp) {
      ops.add(
          "ICMP echo request (one, ping -c 1), timeout " + s.connectTimeout().toMillis() + " ms");
    }
    if (s.reverseDns()) {
      ops.add(
          "reverse DNS (PTR) lookup of each address through the appliance's configured resolver");
    }
    ops.add(
        "TCP connect to ports "
            + join(s.ports())
            + " (full handshake, then close; an SSH server's identification"
            + " line is read when it sends one)");
    if (!s.smbPorts().isEmpty()) {
      ops.add(
          "on an open SMB port ("
              + join(s.smbPorts())
              + "): SMB2 NEGOTIATE and an anonymous SESSION_SETUP with an"
              + " NTLMSSP NEGOTIATE, to read the server's NTLM challenge (names, OS version); no credentials are sent");
    }
    if (nmap) {
      ops.add(
          "on a host with open ports: nmap -O -Pn -p <those open ports> (OS detection, about 30 packets)");
    }
    ops.add("DNS A lookups of DNS names given as scan targets");
    // appliances sharing a database share a scan's addresses, each pacing only its own packets
    ops.add(
        "pacing is per appliance: the spacing, global rate and concurrency above hold for each appliance;"
            + " several appliances sharing one database split a scan's addresses between them (each address once),"
            + " so together they may send up to that many times the rate, each from its own source address");
    return new Manifest(
        sources,
        s.ports(),
        s.smbPorts(),
        icmp,
        icmpNote,
        nmap,
        nmapNote,
        s.reverseDns(),
        s.hostSpacing().toMillis(),
        s.globalInterval().toMillis(),
        s.globalInterval().isZero() ? 0 : 1000.0 / s.globalInterval().toMillis(),
        s.concurrency(),
        s.connectTimeout().toMillis(),
        opsPerHost,
        scanlogdWeight(s.ports()),
        "on demand only: a scan runs when an admin starts it (POST /api/v1/scans); nothing recurs",
        List.copyOf(ops),
        rules(sources, s.ports(), icmp));
  }

  static Rules rules(List<String> sources, List<Integer> ports, boolean icmp) {
    String portList = join(ports);
    StringBuilder ipt =
        new StringBuilder(
                "# perfmetrics discovery: allow the appliance's probes (iptables-restore -n)\n")
            .append("*filter\n");
    StringBuilder nft =
        new StringBuilder("# perfmetrics discovery: allow the appliance's probes (nft -f)\n")
            .append("table inet perfmetrics_allow {\n")
            .append("  chain input {\n")
            .append("    type filter hook input priority -10; policy accept;\n");
    StringBuilder netsh =
        new StringBuilder(
            "REM perfmetrics discovery: allow the appliance's probes (run as Administrator)\n");
    StringBuilder sur =
        new StringBuilder(
            "# perfmetrics discovery: Snort/Suricata pass rules for the appliance's probes\n");
    StringBuilder sup =
        new StringBuilder(
            "# perfmetrics discovery: Snort threshold.conf, silence sfportscan (gen 122) for the appliance\n");
    int sid = 9_100_001;
    for (String src : sources) {
      ipt.append("-A INPUT -s ")
          .append(src)
          .append("/32 -p tcp -m multiport --dports ")
          .append(portList)
          .append(" -m comment --comment \"perfmetrics discovery\" -j ACCEPT\n");
      if (icmp) {
        ipt.append("-A INPUT -s ")
            .append(src)
            .append("/32 -p icmp --icmp-type echo-request")
            .append(" -m comment --comment \"perfmetrics discovery\" -j ACCEPT\n");
      }
      nft.append("    ip saddr ")
          .append(src)
          .append(" tcp dport { ")
          .append(ports.stream().map(String::valueOf).collect(Collectors.joining(", ")))
          .append(" } accept comment \"perfmetrics discovery\"\n");
      if (icmp) {
        nft.append("    ip saddr ")
            .append(src)
            .append(" icmp type echo-request accept comment \"perfmetrics discovery\"\n");
      }
      netsh
          .append(
              "netsh advfirewall firewall add rule name=\"perfmetrics discovery TCP\" dir=in action=allow")
          .append(" protocol=TCP localport=")
          .append(portList)
          .append(" remoteip=")
          .append(src)
          .append('\n');
      if (icmp) {
        netsh
            .append(
                "netsh advfirewall firewall add rule name=\"perfmetrics discovery ICMP\" dir=in action=allow")
            .append(" protocol=icmpv4:8,any remoteip=")
            .append(src)
            .append('\n');
      }
      sur.append("pass tcp ")
          .append(src)
          .append(" any -> $HOME_NET [")
          .append(portList)
          .append("] (msg:\"perfmetrics discovery probe\"; flow:to_server; sid:")
          .append(sid++)
          .append("; rev:1;)\n");
      sur.append("pass tcp $HOME_NET [")
          .append(portList)
          .append("] -> ")
          .append(src)
          .append(" any (msg:\"perfmetrics discovery answer\"; flow:to_client; sid:")
          .append(sid++)
          .append("; rev:1;)\n");
      if (icmp) {
        sur.append("pass icmp ")
            .append(src)
            .append(" any -> $HOME_NET any (msg:\"perfmetrics discovery echo\"; itype:8;")
            .append(" sid:")
            .append(sid++)
            .append("; rev:1;)\n");
      }
      sup.append("suppress gen_id 122, track by_src, ip ").append(src).append('\n');
    }
    ipt.append("COMMIT\n");
    nft.append("  }\n}\n");
    return new Rules(
        ipt.toString(), nft.toString(), netsh.toString(), sur.toString(), sup.toString());
  }

  private static String join(List<Integer> ports) {
    return ports.stream().map(String::valueOf).collect(Collectors.joining(","));
  }
}
