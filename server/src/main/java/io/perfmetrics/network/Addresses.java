package io.perfmetrics.network;

/**
 * IP address literals as collectors send them: validated by hand (never {@code InetAddress}, which
 * would resolve anything that is not a literal) and put in one canonical form, so that the same
 * socket seen twice is one row: IPv4 dotted quad, IPv6 compressed lowercase (RFC 5952), an
 * IPv4-mapped IPv6 address as its IPv4 form.
 */
final class Addresses {
  private Addresses() {}

  /** The canonical form, or null when {@code s} is not an IPv4 or IPv6 literal. */
  static String canonical(String s) {
    if (s.isEmpty() || s.length() > 45) {
      return null;
    }
    if (s.indexOf(':') < 0) {
      // what ipv4 accepts (digits, no leading zeros, at most 255) is its own canonical form
      return ipv4(s) < 0 ? null : s;
    }
    int[] g = ipv6(s);
    if (g == null) {
      return null;
    }
    if (g[0] == 0 && g[1] == 0 && g[2] == 0 && g[3] == 0 && g[4] == 0 && g[5] == 0xffff) {
      return (g[6] >> 8) + "." + (g[6] & 0xff) + "." + (g[7] >> 8) + "." + (g[7] & 0xff);
    }
    return format(g);
  }

  /**
   * The address bytes of a canonical literal (4 for IPv4, 16 for IPv6), for binary COPY; null when
   * it is not a literal.
   */
  static byte[] bytes(String canonical) {
    if (canonical.indexOf(':') < 0) {
      long v4 = ipv4(canonical);
      return v4 < 0
          ? null
          : new byte[] {(byte) (v4 >> 24), (byte) (v4 >> 16), (byte) (v4 >> 8), (byte) v4};
    }
    int[] g = ipv6(canonical);
    if (g == null) {
      return null;
    }
    byte[] out = new byte[16];
    for (int i = 0; i < 8; i++) {
      out[2 * i] = (byte) (g[i] >> 8);
      out[2 * i + 1] = (byte) g[i];
    }
    return out;
  }

  /**
   * The four octets as an unsigned 32-bit value, or -1 (no array: it runs for every address of
   * every body). Leading zeros are refused: some tools read them as octal.
   */
  private static long ipv4(String s) {
    long out = 0;
    int part = 0;
    int i = 0;
    int n = s.length();
    while (part < 4) {
      int start = i;
      int v = 0;
      while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9' && i - start < 3) {
        v = v * 10 + (s.charAt(i) - '0');
        i++;
      }
      int len = i - start;
      if (len == 0 || v > 255 || (len > 1 && s.charAt(start) == '0')) {
        return -1;
      }
      out = (out << 8) | v;
      part++;
      if (part < 4) {
        if (i >= n || s.charAt(i) != '.') {
          return -1;
        }
        i++;
      }
    }
    return i == n ? out : -1;
  }

  /** Eight 16-bit groups, or null. Accepts '::' once and a trailing dotted quad; no zone ids. */
  private static int[] ipv6(String s) {
    int[] head = new int[8];
    int[] tail = new int[8];
    int nh = 0;
    int nt = 0;
    boolean compressed = false;
    int i = 0;
    int n = s.length();
    if (s.startsWith("::")) {
      compressed = true;
      i = 2;
      if (i == n) {
        return new int[8];
      }
    } else if (s.charAt(0) == ':') {
      return null;
    }
    while (i < n) {
      int start = i;
      int v = 0;
      while (i < n && hex(s.charAt(i)) >= 0 && i - start < 4) {
        v = (v << 4) | hex(s.charAt(i));
        i++;
      }
      if (i < n && s.charAt(i) == '.') {
        // an embedded IPv4 address ends the literal and takes two groups
        long v4 = ipv4(s.substring(start));
        if (v4 < 0 || (compressed ? nt : nh) > 6) {
          return null;
        }
        int[] into = compressed ? tail : head;
        int at = compressed ? nt : nh;
        into[at] = (int) (v4 >> 16);
        into[at + 1] = (int) (v4 & 0xffff);
        if (compressed) {
          nt += 2;
        } else {
          nh += 2;
        }
        i = n;
        break;
      }
      if (i == start) {
        return null;
      }
      if (compressed) {
        if (nt == 8) {
          return null;
        }
        tail[nt++] = v;
      } else {
        if (nh == 8) {
          return null;
        }
        head[nh++] = v;
      }
      if (i == n) {
        break;
      }
      if (s.charAt(i) != ':') {
        return null;
      }
      i++;
      if (i < n && s.charAt(i) == ':') {
        if (compressed) {
          return null;
        }
        compressed = true;
        i++;
        if (i == n) {
          break;
        }
      } else if (i == n) {
        return null;
      }
    }
    int total = nh + nt;
    if (compressed ? total > 7 : total != 8) {
      return null;
    }
    int[] g = new int[8];
    System.arraycopy(head, 0, g, 0, nh);
    System.arraycopy(tail, 0, g, 8 - nt, nt);
    return g;
  }

  private static int hex(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }

  /**
   * RFC 5952: lowercase, no leading zeros, the longest run of two or more zero groups (the first of
   * equals) as '::'.
   */
  private static String format(int[] g) {
    int bestStart = -1;
    int bestLen = 1;
    for (int i = 0; i < 8; ) {
      if (g[i] != 0) {
        i++;
        continue;
      }
      int j = i;
      while (j < 8 && g[j] == 0) {
        j++;
      }
      if (j - i > bestLen) {
        bestStart = i;
        bestLen = j - i;
      }
      i = j;
    }
    StringBuilder b = new StringBuilder(39);
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        b.append("::");
        i += bestLen - 1;
        continue;
      }
      if (b.length() > 0 && b.charAt(b.length() - 1) != ':') {
        b.append(':');
      }
      b.append(Integer.toHexString(g[i]));
    }
    return b.toString();
  }

  /** Where a bound address listens: every interface, loopback only, or one specific address. */
  static String scope(String canonical) {
    if (canonical.equals("0.0.0.0") || canonical.equals("::")) {
      return "all";
    }
    if (canonical.equals("::1") || canonical.startsWith("127.")) {
      return "loopback";
    }
    return "specific";
  }
}
