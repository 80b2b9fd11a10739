package io.perfmetrics.ingest;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * The escape of a device name or mount point into one segment of a metric name ({@code
 * disk.<id>.read_ops_per_s}, {@code fs.<id>.used_bytes}), as the collectors write it
 * (DISKS-CONTRACT, docs/collectors.md): bytes {@code a-z0-9} stay, every other byte of the UTF-8
 * name becomes {@code _} and two lowercase hex digits; an id over 40 characters is cut to 31 plus
 * {@code _h} and the POSIX {@code cksum} CRC of the raw name, because a metric name holds at most
 * 64 characters.
 */
public final class DeviceIds {
  /** Longest id that is kept whole. */
  static final int MAX_PLAIN = 40;

  /** What a cut id keeps of the escaped name. */
  static final int CUT = 31;

  private static final Pattern PLAIN = Pattern.compile("(?:[a-z0-9]|_[0-9a-f]{2})+");
  private static final Pattern HASHED = Pattern.compile("[a-z0-9_]{" + CUT + "}_h[0-9a-f]{8}");

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private DeviceIds() {}

  /** The id of a raw device name or mount point. */
  public static String escape(String raw) {
    byte[] bytes = raw.getBytes(StandardCharsets.UTF_8);
    StringBuilder out = new StringBuilder(bytes.length * 3);
    for (byte b : bytes) {
      int c = b & 0xff;
      if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
        out.append((char) c);
      } else {
        out.append('_').append(HEX[c >> 4]).append(HEX[c & 15]);
      }
    }
    if (out.length() <= MAX_PLAIN) {
      return out.toString();
    }
    return out.substring(0, CUT) + "_h" + String.format("%08x", cksum(bytes));
  }

  /**
   * The raw name of an id, for display. A cut id ({@code ..._h<crc>}) cannot be reversed: its
   * decoded prefix followed by "…" is returned (the hello carries the full name).
   *
   * @throws IllegalArgumentException when {@code id} is not something {@link #escape} produces
   */
  public static String unescape(String id) {
    boolean cut = HASHED.matcher(id).matches();
    if (!cut && !(id.length() <= MAX_PLAIN && PLAIN.matcher(id).matches())) {
      throw new IllegalArgumentException("not a device id: " + id);
    }
    String body = cut ? id.substring(0, CUT) : id;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(body.length());
    int i = 0;
    while (i < body.length()) {
      char c = body.charAt(i);
      if (c != '_') {
        bytes.write(c);
        i++;
      } else if (i + 3 <= body.length()) {
        bytes.write(Integer.parseInt(body, i + 1, i + 3, 16));
        i += 3;
      } else {
        // the cut fell inside an escape: that byte is not shown
        break;
      }
    }
    String text = bytes.toString(StandardCharsets.UTF_8);
    return cut ? text + "…" : text;
  }

  /**
   * The CRC that POSIX {@code cksum} prints: CRC-32 with polynomial 0x04C11DB7, most significant
   * bit first, over the bytes and then the length (least significant byte first, as few bytes as
   * needed), complemented.
   */
  static long cksum(byte[] bytes) {
    int crc = 0;
    for (byte b : bytes) {
      crc = step(crc, b & 0xff);
    }
    for (long n = bytes.length; n != 0; n >>>= 8) {
      crc = step(crc, (int) (n & 0xff));
    }
    return ~crc & 0xffffffffL;
  }

  private static int step(int crc, int octet) {
    crc ^= octet << 24;
    for (int k = 0; k < 8; k++) {
      crc = crc < 0 ? (crc << 1) ^ 0x04C11DB7 : crc << 1;
    }
    return crc;
  }
}
