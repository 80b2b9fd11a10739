package io.perfmetrics.network;

import io.perfmetrics.ingest.MalformedSamplesException;
import io.perfmetrics.ingest.SamplesParser;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a {@code POST /api/v1/sockets} body (docs/ports.md): snapshot headers each followed by
 * exactly the listen and conn lines they announce. The whole body is valid or it is refused with
 * the first bad line named, so nothing of it is half-stored. Public for the benchmark's baseline.
 */
public final class SocketsParser {
  /** The protocol's limit for user, process and service, in decoded bytes. */
  static final int MAX_TEXT_BYTES = 255;

  private final Clock clock;

  public SocketsParser(Clock clock) {
    this.clock = clock;
  }

  /** The most rows a snapshot's header may make us allocate for before its lines are read. */
  private static final int PRESIZE_LIMIT = 4096;

  /** An open snapshot while its lines are read. */
  private static final class Open {
    final long ts;
    final String source;
    final int listenerRows;
    final int connectionRows;
    final int dropped;
    final int headerLine;
    int listens;
    int conns;
    final Set<SocketSnapshot.Listener> listeners;
    final Map<SocketSnapshot.Connection, Integer> connections;

    Open(
        long ts, String source, int listenerRows, int connectionRows, int dropped, int headerLine) {
      this.ts = ts;
      this.source = source;
      this.listenerRows = listenerRows;
      this.connectionRows = connectionRows;
      this.dropped = dropped;
      this.headerLine = headerLine;
      // sized for what the header announces (never grown line by line), but not trusting a
      // header that announces millions
      this.listeners = LinkedHashSet.newLinkedHashSet(Math.min(listenerRows, PRESIZE_LIMIT));
      this.connections = LinkedHashMap.newLinkedHashMap(Math.min(connectionRows, PRESIZE_LIMIT));
    }

    SocketSnapshot close() {
      return new SocketSnapshot(
          ts, source, listenerRows, connectionRows, dropped, List.copyOf(listeners), connections);
    }
  }

  public List<SocketSnapshot> parse(byte[] body, int length) throws MalformedSamplesException {
    long maxTs = clock.instant().getEpochSecond() + SamplesParser.MAX_FUTURE_S;
    List<SocketSnapshot> out = new ArrayList<>();
    Set<Long> seen = new HashSet<>();
    Open open = null;
    Fields f = new Fields(body, new Strings());
    // per body: the same interned literal is checked and canonicalised once
    Map<String, String> addresses = HashMap.newHashMap(512);
    Map<String, Long> stamps = new HashMap<>();
    // every line of a snapshot repeats its ts (the same interned String): no lookup, no boxing
    String lastStamp = null;
    long lastTs = 0;
    int line = 0;
    int pos = 0;
    while (pos < length) {
      int end = pos;
      while (end < length && body[end] != '\n') {
        end++;
      }
      line++;
      int from = pos;
      int stop = end > pos && body[end - 1] == '\r' ? end - 1 : end;
      pos = end + 1;
      if (stop <= from) {
        continue;
      }
      f.split(from, stop, line);
      String stamp = f.get(0);
      long ts;
      if (stamp.equals(lastStamp)) {
        ts = lastTs;
      } else {
        Long known = stamps.get(stamp);
        if (known != null) {
          ts = known;
        } else {
          ts = epoch(stamp, line, maxTs);
          stamps.put(stamp, ts);
        }
        lastStamp = stamp;
        lastTs = ts;
      }
      String kind = f.size() > 1 ? f.get(1) : "";
      switch (kind) {
        case "snapshot" -> {
          if (open != null) {
            out.add(finish(open, line));
          }
          count(
              f,
              6,
              line,
              "<ts>,snapshot,<source>,<listener_rows>,<connection_rows>,<dropped_rows>");
          String source = f.get(2);
          if (!source.equals("proc") && !source.equals("cim") && !source.equals("netstat")) {
            throw bad(line, "source must be proc, cim or netstat, got '" + source + "'");
          }
          if (!seen.add(ts)) {
            throw bad(line, "a second snapshot with ts " + ts + " in the same body");
          }
          open =
              new Open(
                  ts,
                  source,
                  number(f.get(3), line, "listener_rows", Integer.MAX_VALUE),
                  number(f.get(4), line, "connection_rows", Integer.MAX_VALUE),
                  number(f.get(5), line, "dropped_rows", Integer.MAX_VALUE),
                  line);
        }
        case "listen" -> {
          Open o = within(open, ts, line);
          count(
              f,
              8,
              line,
              "<ts>,listen,<proto>,<local_addr>,<local_port>,<user>,<process>,<service>");
          if (++o.listens > o.listenerRows) {
            throw bad(
                line,
                "more listen lines than the "
                    + o.listenerRows
                    + " announced by the snapshot on line "
                    + o.headerLine);
          }
          o.listeners.add(
              new SocketSnapshot.Listener(
                  proto(f.get(2), line),
                  address(addresses, f.get(3), line, "local_addr"),
                  port(f.get(4), line, "local_port"),
                  text(f.get(5), line, "user"),
                  text(f.get(6), line, "process"),
                  text(f.get(7), line, "service")));
        }
        case "conn" -> {
          Open o = within(open, ts, line);
          count(
              f,
              12,
              line,
              "<ts>,conn,<direction>,<proto>,<local_addr>,<local_port>,<remote_addr>,<remote_port>,"
                  + "<user>,<process>,<service>,<count>");
          if (++o.conns > o.connectionRows) {
            throw bad(
                line,
                "more conn lines than the "
                    + o.connectionRows
                    + " announced by the snapshot on line "
                    + o.headerLine);
          }
          String direction = f.get(2).equals("in") ? "in" : f.get(2).equals("out") ? "out" : null;
          if (direction == null) {
            throw bad(line, "direction must be in or out, got '" + f.get(2) + "'");
          }
          int localPort = port(f.get(5), line, "local_port");
          int remotePort = port(f.get(7), line, "remote_port");
          // the ephemeral end is not kept: it would make every connection a key of its own
          if (direction.equals("in") && remotePort != 0) {
            throw bad(
                line,
                "an 'in' line carries remote_port 0 (the client's ephemeral port is not kept), got "
                    + remotePort);
          }
          if (direction.equals("out") && localPort != 0) {
            throw bad(
                line,
                "an 'out' line carries local_port 0 (the ephemeral port is not kept), got "
                    + localPort);
          }
          int n = number(f.get(11), line, "count", Integer.MAX_VALUE);
          if (n < 1) {
            throw bad(line, "count must be at least 1, got " + n);
          }
          var key =
              new SocketSnapshot.Connection(
                  direction,
                  proto(f.get(3), line),
                  address(addresses, f.get(4), line, "local_addr"),
                  localPort,
                  address(addresses, f.get(6), line, "remote_addr"),
                  remotePort,
                  text(f.get(8), line, "user"),
                  text(f.get(9), line, "process"),
                  text(f.get(10), line, "service"));
          o.connections.merge(key, n, (a, b) -> (int) Math.min((long) a + b, Integer.MAX_VALUE));
        }
        default ->
            throw bad(
                line, "expected snapshot, listen or conn after the timestamp, got '" + kind + "'");
      }
    }
    if (open != null) {
      out.add(finish(open, open.headerLine));
    }
    return out;
  }

  private static SocketSnapshot finish(Open o, int line) throws MalformedSamplesException {
    if (o.listens != o.listenerRows || o.conns != o.connectionRows) {
      throw bad(
          line,
          "the snapshot on line "
              + o.headerLine
              + " announced "
              + o.listenerRows
              + " listen and "
              + o.connectionRows
              + " conn lines but "
              + o.listens
              + " and "
              + o.conns
              + " followed");
    }
    return o.close();
  }

  private static Open within(Open open, long ts, int line) throws MalformedSamplesException {
    if (open == null) {
      throw bad(line, "a listen or conn line before any snapshot line");
    }
    if (open.ts != ts) {
      throw bad(
          line,
          "ts "
              + ts
              + " differs from its snapshot's "
              + open.ts
              + " (line "
              + open.headerLine
              + ")");
    }
    return open;
  }

  /**
   * The fields of one line as byte ranges of the body; a field becomes a String only when asked
   * for, through the body's {@link Strings}, so the values that repeat on every line (the
   * timestamp, the host's address, process names, small numbers) are one String each per body.
   */
  private static final class Fields {
    /** More fields than any line kind has; the rest are only counted, for the error message. */
    private static final int KEPT = 13;

    private final byte[] body;
    private final Strings strings;
    private final int[] start = new int[KEPT];
    private final int[] end = new int[KEPT];
    private int size;

    Fields(byte[] body, Strings strings) {
      this.body = body;
      this.strings = strings;
    }

    /**
     * Splits on commas. Every byte must be printable ASCII: the protocol percent-encodes all else,
     * so a raw space, control byte or non-ASCII byte is a collector bug worth refusing.
     */
    void split(int from, int to, int line) throws MalformedSamplesException {
      size = 0;
      int s = from;
      for (int i = from; i < to; i++) {
        int c = body[i] & 0xff;
        if (c < 0x21 || c > 0x7e) {
          throw bad(
              line,
              String.format(
                  "byte 0x%02X at column %d; text must be percent-encoded", c, i - from + 1));
        }
        if (c == ',') {
          add(s, i);
          s = i + 1;
        }
      }
      add(s, to);
    }

    private void add(int from, int to) {
      if (size < KEPT) {
        start[size] = from;
        end[size] = to;
      }
      size++;
    }

    int size() {
      return size;
    }

    String get(int i) {
      return strings.get(body, start[i], end[i]);
    }
  }

  /**
   * Interns the ASCII strings of one body: an open-addressing table looked up by the bytes, so a
   * repeated value costs a hash and a compare instead of a String (and later hash codes and equals
   * on the row keys are on identical instances). Bounded: a body of distinct values just gets new
   * Strings once the table is half full.
   */
  private static final class Strings {
    private static final int MAX_LENGTH = 64;
    private final String[] table = new String[1024];
    private int size;

    String get(byte[] b, int from, int to) {
      int len = to - from;
      if (len > MAX_LENGTH) {
        return new String(b, from, len, StandardCharsets.US_ASCII);
      }
      int h = 0;
      for (int i = from; i < to; i++) {
        h = 31 * h + b[i]; // String.hashCode of ASCII
      }
      int mask = table.length - 1;
      for (int i = (h ^ (h >>> 16)) & mask; ; i = (i + 1) & mask) {
        String s = table[i];
        if (s == null) {
          s = new String(b, from, len, StandardCharsets.US_ASCII);
          if (size < table.length / 2) {
            table[i] = s;
            size++;
          }
          return s;
        }
        if (s.hashCode() == h && same(s, b, from, len)) {
          return s;
        }
      }
    }

    private static boolean same(String s, byte[] b, int from, int len) {
      if (s.length() != len) {
        return false;
      }
      for (int k = 0; k < len; k++) {
        if (s.charAt(k) != b[from + k]) {
          return false;
        }
      }
      return true;
    }
  }

  private static void count(Fields f, int n, int line, String form)
      throws MalformedSamplesException {
    if (f.size() != n) {
      throw bad(line, "expected " + n + " comma-separated fields '" + form + "', got " + f.size());
    }
  }

  private static long epoch(String s, int line, long maxTs) throws MalformedSamplesException {
    if (!digits(s, 12)) {
      throw bad(line, "timestamp must be integer epoch seconds, got '" + clip(s) + "'");
    }
    long v = Long.parseLong(s);
    SamplesParser.checkEpoch(v, maxTs, "line " + line);
    return v;
  }

  private static int number(String s, int line, String name, int max)
      throws MalformedSamplesException {
    if (!digits(s, 10)) {
      throw bad(line, name + " must be a non-negative integer, got '" + clip(s) + "'");
    }
    long v = Long.parseLong(s);
    if (v > max) {
      throw bad(line, name + " must be at most " + max + ", got " + v);
    }
    return (int) v;
  }

  private static int port(String s, int line, String name) throws MalformedSamplesException {
    if (!digits(s, 5)) {
      throw bad(line, name + " must be a port number 0-65535, got '" + clip(s) + "'");
    }
    int v = Integer.parseInt(s);
    if (v > 65535) {
      throw bad(line, name + " must be a port number 0-65535, got " + v);
    }
    return v;
  }

  /** 1 to {@code max} ASCII digits (a stream per field cost more than the rest of the line). */
  private static boolean digits(String s, int max) {
    int n = s.length();
    if (n == 0 || n > max) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  private static String proto(String s, int line) throws MalformedSamplesException {
    // the constants, not the line's copies: their hash codes are cached for the row keys
    if (s.equals("tcp")) {
      return "tcp";
    }
    if (s.equals("udp")) {
      return "udp";
    }
    throw bad(line, "proto must be tcp or udp, got '" + clip(s) + "'");
  }

  private static String address(Map<String, String> known, String s, int line, String name)
      throws MalformedSamplesException {
    String c = known.get(s);
    if (c != null) {
      return c;
    }
    c = Addresses.canonical(s);
    if (c != null) {
      known.put(s, c);
    }
    if (c == null) {
      throw bad(line, name + " must be an IPv4 or IPv6 address literal, got '" + clip(s) + "'");
    }
    return c;
  }

  /**
   * Percent-decoded bytes as UTF-8; invalid sequences become U+FFFD, and so does NUL (PostgreSQL
   * text cannot hold it).
   */
  static String text(String s, int line, String name) throws MalformedSamplesException {
    if (s.indexOf('%') < 0) {
      if (s.length() > MAX_TEXT_BYTES) {
        throw bad(line, name + " is longer than " + MAX_TEXT_BYTES + " bytes");
      }
      return s;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c != '%') {
        bytes.write(c);
        continue;
      }
      int hi = i + 2 < s.length() ? Character.digit(s.charAt(i + 1), 16) : -1;
      int lo = hi >= 0 ? Character.digit(s.charAt(i + 2), 16) : -1;
      if (lo < 0) {
        throw bad(line, name + " has a '%' not followed by two hex digits at character " + (i + 1));
      }
      bytes.write((hi << 4) | lo);
      i += 2;
    }
    if (bytes.size() > MAX_TEXT_BYTES) {
      throw bad(line, name + " is longer than " + MAX_TEXT_BYTES + " bytes once decoded");
    }
    return new String(bytes.toByteArray(), StandardCharsets.UTF_8).replace('\u0000', '\uFFFD');
  }

  private static String clip(String s) {
    return s.length() <= 60 ? s : s.substring(0, 60) + "...";
  }

  private static MalformedSamplesException bad(int line, String why) {
    return new MalformedSamplesException("line " + line + ": " + why);
  }
}
