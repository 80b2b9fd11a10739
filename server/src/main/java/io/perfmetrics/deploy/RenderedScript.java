package io.perfmetrics.deploy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import org.jspecify.annotations.Nullable;

/**
 * A collector script rendered for one host, to send as text or as gzip. The gzip form is a series
 * of members (RFC 1952), which {@code gzip -d} joins back into one file: each stretch of the
 * template between two values compressed once per appliance, each of the host's values stored as it
 * is. So a fleet deploy compresses nothing per host, and sends about a third of the script's 84 KB.
 */
public final class RenderedScript {
  /** ID1, ID2, CM (deflate), FLG, MTIME (none), XFL, OS (unknown). */
  private static final byte[] HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff};

  /** The largest stored deflate block. */
  private static final int STORED_MAX = 65_535;

  /**
   * A stretch of the script: its text, and the gzip member that carries it, made when first asked
   * for (a template's stretches are shared by every host's script; two threads that both make one
   * make the same bytes).
   */
  static final class Piece {
    private final String text;
    private final boolean deflate;
    private volatile byte @Nullable [] gzip;

    private Piece(String text, boolean deflate) {
      this.text = text;
      this.deflate = deflate;
    }

    /** A stretch of the template, to be deflated. */
    static Piece compressed(String text) {
      return new Piece(text, true);
    }

    /** A host's value, stored: it is short, and per host. */
    static Piece stored(String text) {
      return new Piece(text, false);
    }

    String text() {
      return text;
    }

    byte[] gzip() {
      byte[] g = gzip;
      if (g == null) {
        g = member(text.getBytes(StandardCharsets.UTF_8), deflate);
        gzip = g;
      }
      return g;
    }
  }

  private final List<Piece> pieces;
  private final int length;

  RenderedScript(List<Piece> pieces) {
    this.pieces = List.copyOf(pieces);
    this.length = pieces.stream().mapToInt(p -> p.text().length()).sum();
  }

  /** The script's text. */
  public String text() {
    StringBuilder out = new StringBuilder(length);
    for (Piece p : pieces) {
      out.append(p.text());
    }
    return out.toString();
  }

  /** The script as gzip, for {@code gzip -dc} on the host. */
  public void writeGzip(OutputStream out) throws IOException {
    for (Piece p : pieces) {
      out.write(p.gzip());
    }
  }

  /** The size of {@link #writeGzip}'s output. */
  public int gzipLength() {
    return pieces.stream().mapToInt(p -> p.gzip().length).sum();
  }

  static RenderedScript of(List<Piece> pieces) {
    List<Piece> nonEmpty = new ArrayList<>(pieces.size());
    for (Piece p : pieces) {
      if (!p.text().isEmpty()) {
        nonEmpty.add(p);
      }
    }
    return new RenderedScript(nonEmpty);
  }

  /** One gzip member holding {@code data}, deflated or in stored blocks. */
  static byte[] member(byte[] data, boolean deflate) {
    ByteArrayOutputStream out =
        new ByteArrayOutputStream((deflate ? data.length / 2 : data.length) + 32);
    out.writeBytes(HEADER);
    if (deflate) {
      Deflater d = new Deflater(Deflater.BEST_COMPRESSION, true);
      try {
        d.setInput(data);
        d.finish();
        byte[] buf = new byte[8192];
        while (!d.finished()) {
          out.write(buf, 0, d.deflate(buf));
        }
      } finally {
        d.end();
      }
    } else {
      int at = 0;
      do {
        int n = Math.min(STORED_MAX, data.length - at);
        // BFINAL on the last block, BTYPE 00 (stored), then LEN and its complement, little-endian
        out.write(at + n == data.length ? 1 : 0);
        out.write(n & 0xff);
        out.write(n >>> 8);
        out.write(~n & 0xff);
        out.write((~n >>> 8) & 0xff);
        out.write(data, at, n);
        at += n;
      } while (at < data.length);
    }
    CRC32 crc = new CRC32();
    crc.update(data);
    littleEndian(out, (int) crc.getValue());
    littleEndian(out, data.length);
    return out.toByteArray();
  }

  private static void littleEndian(ByteArrayOutputStream out, int v) {
    out.write(v & 0xff);
    out.write((v >>> 8) & 0xff);
    out.write((v >>> 16) & 0xff);
    out.write(v >>> 24);
  }
}
