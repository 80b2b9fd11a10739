package io.perfmetrics.dependencies;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The map's rules, pure: hosts, their observed connections and the infrastructure rules in, edges
 * out. A remote address is a known host when any host is known by it, else an external network (its
 * /24, or /64 for IPv6). The client's {@code out} row and the server's {@code in} row of one
 * connection make one edge.
 */
final class EdgeBuilder {
  /**
   * Built-in infrastructure services by server port (docs/dependencies.md lists them): name
   * resolution, time, directory and authentication, logging.
   */
  static final Map<Integer, String> INFRA_PORTS =
      Map.ofEntries(
          Map.entry(53, "DNS"),
          Map.entry(123, "NTP"),
          Map.entry(88, "Kerberos"),
          Map.entry(464, "Kerberos password"),
          Map.entry(389, "LDAP"),
          Map.entry(636, "LDAPS"),
          Map.entry(3268, "AD global catalog"),
          Map.entry(3269, "AD global catalog (TLS)"),
          Map.entry(514, "syslog"),
          Map.entry(6514, "syslog (TLS)"));

  /** Admin access: a client that reaches this many servers on 22 or 3389 is a jump host. */
  static final int JUMP_HOST_SERVERS = 3;

  private EdgeBuilder() {}

  /** What decides infrastructure besides the built-in ports. */
  record Infrastructure(Set<String> applianceAddresses, List<InfraRule> rules) {
    static final Infrastructure NONE = new Infrastructure(Set.of(), List.of());
  }

  private static final class Acc {
    final Endpoint client;
    final Endpoint server;
    final int port;
    final String proto;
    Instant first;
    Instant last;
    int clientHours;
    int serverHours;
    long maxConnections;
    final Set<String> clientProcs = new TreeSet<>();
    final Set<String> serverProcs = new TreeSet<>();

    Acc(Endpoint client, Endpoint server, int port, String proto) {
      this.client = client;
      this.server = server;
      this.port = port;
      this.proto = proto;
    }
  }

  static List<Edge> build(List<KnownHost> hosts, List<Observation> rows, Infrastructure infra) {
    return build(hosts, rows, infra, Map.of());
  }

  /**
   * @param names the DNS names discovery knows for addresses: an external address with a name is an
   *     endpoint of its own under that name, the others are grouped into their network
   */
  static List<Edge> build(
      List<KnownHost> hosts,
      List<Observation> rows,
      Infrastructure infra,
      Map<String, String> names) {
    Map<Integer, KnownHost> byId = new HashMap<>();
    Map<String, KnownHost> byAddress = new HashMap<>();
    for (KnownHost h : hosts) {
      byId.put(h.id(), h);
      for (String a : h.addresses()) {
        // an address two hosts claim (NAT, overlapping private ranges) names the lower id, the
        // same one every time
        byAddress.merge(a, h, (x, y) -> x.id() <= y.id() ? x : y);
      }
    }
    // a name's addresses make one endpoint (round-robin DNS, several interfaces)
    Map<String, List<String>> addressesOfName = new HashMap<>();
    names.forEach((a, n) -> addressesOfName.computeIfAbsent(n, k -> new ArrayList<>()).add(a));
    Map<String, Endpoint> named = new HashMap<>();
    addressesOfName.forEach(
        (n, as) -> named.put(n, Endpoint.named(n, as.stream().sorted().toList())));
    Map<String, Acc> edges = new LinkedHashMap<>();
    // a fleet has far fewer addresses than rows: parse each once (literal() runs regexes)
    Map<String, Boolean> localOnly = new HashMap<>();
    Map<String, Endpoint> externals = new HashMap<>();
    Map<Integer, Endpoint> hostEndpoints = new HashMap<>();
    for (Observation o : rows) {
      KnownHost self = byId.get(o.hostId());
      if (self == null || localOnly.computeIfAbsent(o.remoteAddr(), EdgeBuilder::isLocalOnly)) {
        continue;
      }
      KnownHost other = byAddress.get(o.remoteAddr());
      if (other != null && other.id() == self.id()) {
        // a host talking to itself over one of its own addresses moves with itself
        continue;
      }
      Endpoint me = hostEndpoints.computeIfAbsent(self.id(), k -> Endpoint.host(self));
      Endpoint them =
          other != null
              ? hostEndpoints.computeIfAbsent(other.id(), k -> Endpoint.host(other))
              : infra.applianceAddresses().contains(o.remoteAddr())
                  ? Endpoint.appliance()
                  : externals.computeIfAbsent(o.remoteAddr(), r -> external(r, names, named));
      Endpoint client = o.outbound() ? me : them;
      Endpoint server = o.outbound() ? them : me;
      int port = o.outbound() ? o.remotePort() : o.localPort();
      Acc a =
          edges.computeIfAbsent(
              Edge.id(client, server, port, o.proto()),
              k -> new Acc(client, server, port, o.proto()));
      a.first = a.first == null || o.firstSeen().isBefore(a.first) ? o.firstSeen() : a.first;
      a.last = a.last == null || o.lastSeen().isAfter(a.last) ? o.lastSeen() : a.last;
      a.maxConnections = Math.max(a.maxConnections, o.maxConnections());
      String proc = process(o);
      if (o.outbound()) {
        a.clientHours = Math.max(a.clientHours, o.hours());
        if (proc != null) {
          a.clientProcs.add(proc);
        }
      } else {
        a.serverHours = Math.max(a.serverHours, o.hours());
        if (proc != null) {
          a.serverProcs.add(proc);
        }
      }
    }
    Set<Integer> jumpHosts = jumpHosts(edges.values());
    List<Edge> out = new ArrayList<>(edges.size());
    for (Map.Entry<String, Acc> e : edges.entrySet()) {
      Acc a = e.getValue();
      String seenBy =
          a.clientHours > 0 && a.serverHours > 0 ? "both" : a.clientHours > 0 ? "client" : "server";
      out.add(
          new Edge(
              e.getKey(),
              a.client,
              a.server,
              a.port,
              a.proto,
              a.first,
              a.last,
              Math.max(a.clientHours, a.serverHours),
              a.maxConnections,
              seenBy,
              List.copyOf(a.clientProcs),
              List.copyOf(a.serverProcs),
              infrastructure(a, infra, byId, jumpHosts),
              null));
    }
    out.sort(Comparator.comparing(Edge::id));
    return out;
  }

  private static Endpoint external(
      String address, Map<String, String> names, Map<String, Endpoint> named) {
    String name = names.get(address);
    return name == null ? Endpoint.external(network(address)) : named.get(name);
  }

  /** Clients that reach {@link #JUMP_HOST_SERVERS} or more hosts on SSH or RDP. */
  private static Set<Integer> jumpHosts(Iterable<Acc> edges) {
    Map<Integer, Set<Integer>> servers = new HashMap<>();
    for (Acc a : edges) {
      if ((a.port == 22 || a.port == 3389) && a.client.isHost() && a.server.isHost()) {
        servers.computeIfAbsent(a.client.hostId(), k -> new HashSet<>()).add(a.server.hostId());
      }
    }
    Set<Integer> out = new HashSet<>();
    servers.forEach(
        (client, s) -> {
          if (s.size() >= JUMP_HOST_SERVERS) {
            out.add(client);
          }
        });
    return out;
  }

  private static String infrastructure(
      Acc a, Infrastructure infra, Map<Integer, KnownHost> hosts, Set<Integer> jumpHosts) {
    for (InfraRule r : infra.rules()) {
      switch (r.kind()) {
        case "port" -> {
          if (r.port() == a.port && (r.proto() == null || r.proto().equals(a.proto))) {
            return r.label() + " (operator: port " + a.port + ")";
          }
        }
        case "host" -> {
          if (r.hostId().equals(a.server.hostId()) || r.hostId().equals(a.client.hostId())) {
            KnownHost h = hosts.get(r.hostId());
            return r.label() + " (operator: host " + (h == null ? r.hostId() : h.hostname()) + ")";
          }
        }
        case "address" -> {
          if (serverIn(a, r.address(), hosts)) {
            return r.label() + " (operator: " + r.address() + ")";
          }
        }
        default -> {
          // the store admits only the kinds above
        }
      }
    }
    if (touchesAppliance(a.server, infra.applianceAddresses(), hosts)
        || touchesAppliance(a.client, infra.applianceAddresses(), hosts)) {
      return "the appliance";
    }
    String builtIn = INFRA_PORTS.get(a.port);
    if (builtIn != null) {
      return builtIn;
    }
    if ((a.port == 22 || a.port == 3389)
        && a.client.isHost()
        && jumpHosts.contains(a.client.hostId())) {
      return (a.port == 22 ? "SSH" : "RDP")
          + " admin access from a jump host (reaches "
          + JUMP_HOST_SERVERS
          + " or more hosts)";
    }
    return null;
  }

  private static boolean touchesAppliance(
      Endpoint e, Set<String> appliance, Map<Integer, KnownHost> hosts) {
    if (e.id().equals("appliance")) {
      return true;
    }
    if (!e.isHost() || appliance.isEmpty()) {
      return false;
    }
    // the appliance's own host, when it runs a collector too
    KnownHost h = hosts.get(e.hostId());
    return h != null && h.addresses().stream().anyMatch(appliance::contains);
  }

  private static boolean serverIn(Acc a, String cidr, Map<Integer, KnownHost> hosts) {
    if (a.server.isHost()) {
      KnownHost h = hosts.get(a.server.hostId());
      return h != null && h.addresses().stream().anyMatch(addr -> inCidr(addr, cidr));
    }
    if (a.server.id().startsWith("name:")) {
      return a.server.addresses().stream().anyMatch(addr -> inCidr(addr, cidr));
    }
    if (!a.server.id().startsWith("net:")) {
      return false;
    }
    // the external network lies inside the range (or is the range)
    String net = a.server.label();
    int slash = net.indexOf('/');
    return inCidr(net.substring(0, slash), cidr)
        && Integer.parseInt(net.substring(slash + 1)) >= prefix(cidr);
  }

  private static String process(Observation o) {
    if (o.process().isEmpty() && o.user().isEmpty()) {
      return null;
    }
    if (o.user().isEmpty()) {
      return o.process();
    }
    return (o.process().isEmpty() ? "?" : o.process()) + " (" + o.user() + ")";
  }

  /** Loopback, unspecified and link-local: a host talking to itself or its own link. */
  static boolean isLocalOnly(String address) {
    InetAddress a = literal(address);
    return a == null || a.isLoopbackAddress() || a.isAnyLocalAddress() || a.isLinkLocalAddress();
  }

  /** The /24 (IPv4) or /64 (IPv6) an external address is grouped into. */
  static String network(String address) {
    InetAddress a = literal(address);
    if (a == null) {
      return address;
    }
    int bits = a instanceof Inet4Address ? 24 : 64;
    return masked(a.getAddress(), bits) + "/" + bits;
  }

  static boolean inCidr(String address, String cidr) {
    int slash = cidr.indexOf('/');
    InetAddress net = literal(slash < 0 ? cidr : cidr.substring(0, slash));
    InetAddress a = literal(address);
    if (net == null || a == null || net.getAddress().length != a.getAddress().length) {
      return false;
    }
    int bits = slash < 0 ? a.getAddress().length * 8 : prefix(cidr);
    byte[] x = net.getAddress();
    byte[] y = a.getAddress();
    for (int i = 0; i < bits; i++) {
      int mask = 0x80 >>> (i % 8);
      if ((x[i / 8] & mask) != (y[i / 8] & mask)) {
        return false;
      }
    }
    return true;
  }

  private static int prefix(String cidr) {
    int slash = cidr.indexOf('/');
    if (slash < 0) {
      InetAddress a = literal(cidr);
      return a == null ? 0 : a.getAddress().length * 8;
    }
    return Integer.parseInt(cidr.substring(slash + 1));
  }

  static String masked(byte[] b, int bits) {
    byte[] m = b.clone();
    for (int i = 0; i < m.length * 8; i++) {
      if (i >= bits) {
        m[i / 8] &= (byte) ~(0x80 >>> (i % 8));
      }
    }
    try {
      String s = InetAddress.getByAddress(m).getHostAddress();
      return m.length == 16 ? compress(s) : s;
    } catch (UnknownHostException e) {
      throw new IllegalStateException("4 or 16 bytes are always an address", e);
    }
  }

  /** An address as PostgreSQL's host() prints it. */
  static String canonical(InetAddress a) {
    return a instanceof Inet4Address ? a.getHostAddress() : compress(a.getHostAddress());
  }

  /** Java prints 2001:db8:0:0:0:0:0:0; PostgreSQL and people write 2001:db8::. */
  private static String compress(String full) {
    String[] g = full.split(":", -1);
    int bestAt = -1;
    int bestLen = 1;
    for (int i = 0; i < g.length; ) {
      int j = i;
      while (j < g.length && g[j].equals("0")) {
        j++;
      }
      if (j - i > bestLen) {
        bestAt = i;
        bestLen = j - i;
      }
      i = j == i ? i + 1 : j;
    }
    if (bestAt < 0) {
      return full;
    }
    String head = String.join(":", java.util.Arrays.copyOfRange(g, 0, bestAt));
    String tail = String.join(":", java.util.Arrays.copyOfRange(g, bestAt + bestLen, g.length));
    return head + "::" + tail;
  }

  /** An IP literal as an address, or null; never a name lookup. */
  static InetAddress literal(String s) {
    if (s == null || s.isEmpty()) {
      return null;
    }
    try {
      if (s.indexOf(':') < 0) {
        // a dotted quad parsed here, by hand: getByName would ask DNS about anything else, and a
        // regex per address was a tenth of a cold map of 5,000 hosts
        byte[] quad = new byte[4];
        int part = 0;
        int value = 0;
        int digits = 0;
        for (int i = 0; i <= s.length(); i++) {
          char ch = i < s.length() ? s.charAt(i) : '.';
          if (ch == '.') {
            if (digits == 0 || part == 4) {
              return null;
            }
            quad[part++] = (byte) value;
            value = 0;
            digits = 0;
          } else if (ch >= '0' && ch <= '9' && digits < 3) {
            value = value * 10 + (ch - '0');
            digits++;
            if (value > 255) {
              return null;
            }
          } else {
            return null;
          }
        }
        return part == 4 ? InetAddress.getByAddress(quad) : null;
      }
      return IPV6_CHARS.matcher(s).matches() ? InetAddress.getByName(s) : null;
    } catch (UnknownHostException e) {
      return null;
    }
  }

  private static final java.util.regex.Pattern IPV6_CHARS =
      java.util.regex.Pattern.compile("[0-9A-Fa-f:.]+");
}
