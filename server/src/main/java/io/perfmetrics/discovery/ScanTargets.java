package io.perfmetrics.discovery;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Turns what an admin asked for (CIDR ranges, addresses, DNS names) into the addresses to probe:
 * refuses more than a /16 unless forced, skips the appliance's own addresses and the excluded
 * ranges.
 */
final class ScanTargets {
  static final int MAX_UNFORCED = 1 << 16;
  static final int MAX_FORCED = 1 << 20;
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
  private static final Pattern CIDR = Pattern.compile("(\\d{1,3}(?:\\.\\d{1,3}){3})/(\\d{1,2})");
  private static final Pattern NAME =
      Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*\\.?");

  /** Resolves DNS names; the real one logs the lookup. */
  interface Resolver {
    List<String> resolve(String name);
  }

  /** An address to probe; {@code name} is the DNS name it came from, if any. */
  record Address(String address, String name) {}

  /** A name that did not resolve. */
  record Unresolved(String name, String reason) {}

  record Expansion(
      List<Address> addresses, List<Unresolved> unresolved, int skippedOwn, int skippedExcluded) {}

  /** Thrown for a request the admin must change; the message says what and with numbers. */
  static final class Refused extends RuntimeException {
    Refused(String message) {
      super(message, null, false, false);
    }
  }

  private ScanTargets() {}

  static Expansion expand(
      List<String> targets,
      List<String> exclude,
      boolean force,
      Set<String> own,
      Resolver resolver) {
    if (targets.isEmpty()) {
      throw new Refused("targets is empty: give CIDR ranges, addresses or DNS names");
    }
    List<long[]> excluded = new ArrayList<>();
    for (String e : exclude) {
      excluded.add(range(e.trim(), "exclude"));
    }
    long total = 0;
    List<long[]> ranges = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (String raw : targets) {
      String t = raw.trim();
      if (IPV4.matcher(t).matches() || CIDR.matcher(t).matches()) {
        long[] r = range(t, "targets");
        ranges.add(r);
        total += r[1] - r[0] + 1;
      } else if (NAME.matcher(t).matches() && t.length() <= 253) {
        names.add(t);
        total++;
      } else {
        throw new Refused(
            "'" + t + "' is neither an IPv4 address, a CIDR range (10.0.0.0/24) nor a DNS name");
      }
    }
    long limit = force ? MAX_FORCED : MAX_UNFORCED;
    if (total > limit) {
      throw new Refused(
          force
              ? "the scan covers "
                  + total
                  + " addresses; even forced, at most "
                  + MAX_FORCED
                  + " (a /12)"
              : "the scan covers "
                  + total
                  + " addresses, more than a /16 ("
                  + MAX_UNFORCED
                  + "); split it or set \"force\": true");
    }
    Map<String, Address> out = new LinkedHashMap<>();
    int skippedOwn = 0;
    int skippedExcluded = 0;
    TreeSet<Long> seen = new TreeSet<>();
    for (long[] r : ranges) {
      for (long a = r[0]; a <= r[1]; a++) {
        if (!seen.add(a)) {
          continue;
        }
        String s = text(a);
        if (own.contains(s)) {
          skippedOwn++;
        } else if (inAny(a, excluded)) {
          skippedExcluded++;
        } else {
          out.put(s, new Address(s, null));
        }
      }
    }
    List<Unresolved> unresolved = new ArrayList<>();
    for (String n : names) {
      List<String> addrs = resolver.resolve(n);
      if (addrs.isEmpty()) {
        unresolved.add(new Unresolved(n, "the name did not resolve"));
      }
      for (String s : addrs) {
        if (own.contains(s)) {
          skippedOwn++;
        } else if (IPV4.matcher(s).matches() && inAny(parse(s), excluded)) {
          skippedExcluded++;
        } else {
          out.putIfAbsent(s, new Address(s, n));
        }
      }
    }
    return new Expansion(List.copyOf(out.values()), unresolved, skippedOwn, skippedExcluded);
  }

  /** Every address on this machine's interfaces (the appliance never scans itself). */
  static Set<String> ownAddresses() {
    Set<String> own = new TreeSet<>();
    try {
      for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        for (InetAddress a : Collections.list(nic.getInetAddresses())) {
          if (a instanceof Inet4Address) {
            own.add(a.getHostAddress());
          }
        }
      }
    } catch (SocketException e) {
      // no interfaces to skip
    }
    return own;
  }

  /** IPv4 addresses of a name through the system resolver. */
  static List<String> systemResolve(String name) {
    try {
      List<String> out = new ArrayList<>();
      for (InetAddress a : InetAddress.getAllByName(name)) {
        if (a instanceof Inet4Address) {
          out.add(a.getHostAddress());
        }
      }
      return out;
    } catch (UnknownHostException e) {
      return List.of();
    }
  }

  static long[] range(String s, String field) {
    var m = CIDR.matcher(s);
    if (m.matches()) {
      int bits = Integer.parseInt(m.group(2));
      if (bits > 32) {
        throw new Refused(field + ": '" + s + "' has a prefix longer than 32");
      }
      long base = parse(m.group(1));
      long size = 1L << (32 - bits);
      long start = base & ~(size - 1) & 0xffffffffL;
      return new long[] {start, start + size - 1};
    }
    if (IPV4.matcher(s).matches()) {
      long a = parse(s);
      return new long[] {a, a};
    }
    throw new Refused(field + ": '" + s + "' is not an IPv4 address or CIDR range");
  }

  static long parse(String ip) {
    String[] p = ip.split("\\.", -1);
    long v = 0;
    for (String o : p) {
      int n = Integer.parseInt(o);
      if (n > 255) {
        throw new Refused("'" + ip + "' is not an IPv4 address (" + n + " > 255)");
      }
      v = v << 8 | n;
    }
    return v;
  }

  static String text(long a) {
    return (a >> 24 & 255) + "." + (a >> 16 & 255) + "." + (a >> 8 & 255) + "." + (a & 255);
  }

  private static boolean inAny(long a, List<long[]> ranges) {
    for (long[] r : ranges) {
      if (a >= r[0] && a <= r[1]) {
        return true;
      }
    }
    return false;
  }
}
