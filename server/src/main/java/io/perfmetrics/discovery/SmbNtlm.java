package io.perfmetrics.discovery;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Anonymous SMB2 hint: NEGOTIATE, then SESSION_SETUP carrying an NTLMSSP NEGOTIATE (wrapped in
 * SPNEGO), and reads the server's NTLMSSP CHALLENGE: its target info names the computer and domain,
 * and its version field the Windows build. No credentials are sent; the session is never completed.
 */
final class SmbNtlm {
  /** What the CHALLENGE told. */
  record Challenge(int dialect, Map<String, String> names, String version, int build) {
    OsHint hint() {
      String who =
          String.join(
              ", ", names.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList());
      if (version == null) {
        return new OsHint("smb-ntlm", "windows", "SMB " + dialectName() + "; " + who, 0.5);
      }
      if (build == 0) {
        // Windows always has a build number; Samba fills the field with a fixed 6.1 and build 0
        return new OsHint(
            "smb-ntlm",
            "unix",
            "Samba (NTLM version " + version + "); SMB " + dialectName() + "; " + who,
            0.7);
      }
      return new OsHint(
          "smb-ntlm",
          "windows",
          windowsName() + " (" + version + "); SMB " + dialectName() + "; " + who,
          0.9);
    }

    String dialectName() {
      return String.format("%d.%d.%d", dialect >> 8, (dialect >> 4) & 0xf, dialect & 0xf);
    }

    String windowsName() {
      if (version.startsWith("10.0.")) {
        if (build >= 26100) return "Windows Server 2025 / Windows 11 24H2";
        if (build >= 22000) return "Windows 11 / Windows Server 2022 family";
        if (build == 20348) return "Windows Server 2022";
        if (build == 17763) return "Windows Server 2019 / Windows 10 1809";
        if (build == 14393) return "Windows Server 2016 / Windows 10 1607";
        return "Windows 10 / Windows Server 2016+";
      }
      if (version.startsWith("6.3.")) return "Windows Server 2012 R2 / Windows 8.1";
      if (version.startsWith("6.2.")) return "Windows Server 2012 / Windows 8";
      if (version.startsWith("6.1.")) return "Windows Server 2008 R2 / Windows 7";
      if (version.startsWith("6.0.")) return "Windows Server 2008 / Vista";
      return "Windows";
    }
  }

  private static final byte[] NTLMSSP = "NTLMSSP\0".getBytes(StandardCharsets.US_ASCII);
  private static final int NEGOTIATE_FLAGS =
      0x00000001 // UNICODE
          | 0x00000004 // REQUEST_TARGET
          | 0x00000200 // NTLM
          | 0x00008000 // ALWAYS_SIGN
          | 0x00080000 // EXTENDED_SESSIONSECURITY
          | 0x00800000 // TARGET_INFO
          | 0x02000000 // VERSION
          | 0x20000000 // 128
          | 0x80000000; // 56

  private SmbNtlm() {}

  /** Runs the exchange over a connected socket's streams. */
  static Optional<Challenge> exchange(InputStream in, OutputStream out) throws IOException {
    out.write(frame(negotiate()));
    out.flush();
    byte[] neg = readFrame(in);
    if (neg.length < 64 + 8 || neg[0] != (byte) 0xFE || neg[1] != 'S') {
      return Optional.empty();
    }
    int dialect = u16(neg, 64 + 4);
    out.write(frame(sessionSetup()));
    out.flush();
    byte[] ss = readFrame(in);
    return parseChallenge(ss, dialect);
  }

  static byte[] negotiate() {
    ByteBuffer b = ByteBuffer.allocate(64 + 36 + 8);
    b.order(ByteOrder.LITTLE_ENDIAN);
    header(b, 0x0000, 0);
    b.putShort((short) 36); // StructureSize
    b.putShort((short) 4); // DialectCount
    b.putShort((short) 1); // SecurityMode: signing enabled
    b.putShort((short) 0);
    b.putInt(0); // Capabilities
    b.put(new byte[16]); // ClientGuid
    b.putLong(0); // ClientStartTime
    b.putShort((short) 0x0202)
        .putShort((short) 0x0210)
        .putShort((short) 0x0300)
        .putShort((short) 0x0302);
    return b.array();
  }

  static byte[] sessionSetup() {
    byte[] token = spnegoInit(ntlmNegotiate());
    ByteBuffer b = ByteBuffer.allocate(64 + 24 + token.length);
    b.order(ByteOrder.LITTLE_ENDIAN);
    header(b, 0x0001, 1);
    b.putShort((short) 25); // StructureSize
    b.put((byte) 0); // Flags
    b.put((byte) 1); // SecurityMode: signing enabled
    b.putInt(0); // Capabilities
    b.putInt(0); // Channel
    b.putShort((short) (64 + 24)); // SecurityBufferOffset
    b.putShort((short) token.length);
    b.putLong(0); // PreviousSessionId
    b.put(token);
    return b.array();
  }

  static byte[] ntlmNegotiate() {
    ByteBuffer b = ByteBuffer.allocate(40);
    b.order(ByteOrder.LITTLE_ENDIAN);
    b.put(NTLMSSP);
    b.putInt(1);
    b.putInt(NEGOTIATE_FLAGS);
    b.putLong(0); // DomainNameFields
    b.putLong(0); // WorkstationFields
    b.put(new byte[] {10, 0, 0x61, 0x4a, 0, 0, 0, 15}); // Version 10.0.19041, NTLM revision 15
    return b.array();
  }

  /** Finds the NTLMSSP CHALLENGE anywhere in an SMB2 SESSION_SETUP response and reads it. */
  static Optional<Challenge> parseChallenge(byte[] msg, int dialect) {
    int at = indexOf(msg, NTLMSSP);
    if (at < 0 || at + 48 > msg.length || u32(msg, at + 8) != 2) {
      return Optional.empty();
    }
    int flags = u32(msg, at + 20);
    int infoLen = u16(msg, at + 40);
    // an unsigned 32-bit offset from the server: in long, so no value wraps to a negative index
    long infoOff = u32(msg, at + 44) & 0xffffffffL;
    Map<String, String> names = new LinkedHashMap<>();
    int p = (int) Math.min(msg.length, at + infoOff);
    int end = (int) Math.min(msg.length, at + infoOff + infoLen);
    while (p + 4 <= end) {
      int id = u16(msg, p);
      int len = u16(msg, p + 2);
      if (id == 0 || p + 4 + len > end) {
        break;
      }
      String key =
          switch (id) {
            case 1 -> "netbios_computer";
            case 2 -> "netbios_domain";
            case 3 -> "dns_computer";
            case 4 -> "dns_domain";
            case 5 -> "dns_tree";
            default -> null;
          };
      if (key != null) {
        names.put(key, new String(msg, p + 4, len, StandardCharsets.UTF_16LE));
      }
      p += 4 + len;
    }
    String version = null;
    int build = -1;
    if ((flags & 0x02000000) != 0 && at + 56 <= msg.length && infoOff >= 56) {
      int major = msg[at + 48] & 0xff;
      int minor = msg[at + 49] & 0xff;
      build = u16(msg, at + 50);
      version = major + "." + minor + "." + build;
    }
    return Optional.of(new Challenge(dialect, names, version, build));
  }

  private static byte[] spnegoInit(byte[] ntlm) {
    byte[] ntlmOid = {
      0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, (byte) 0x82, 0x37, 0x02, 0x02, 0x0a
    };
    byte[] mechTypes = der(0xa0, der(0x30, ntlmOid));
    byte[] mechToken = der(0xa2, der(0x04, ntlm));
    byte[] negTokenInit = der(0xa0, der(0x30, concat(mechTypes, mechToken)));
    byte[] spnegoOid = {0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02};
    return der(0x60, concat(spnegoOid, negTokenInit));
  }

  private static byte[] der(int tag, byte[] content) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    o.write(tag);
    int n = content.length;
    if (n < 128) {
      o.write(n);
    } else if (n < 256) {
      o.write(0x81);
      o.write(n);
    } else {
      o.write(0x82);
      o.write(n >> 8);
      o.write(n & 0xff);
    }
    o.writeBytes(content);
    return o.toByteArray();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] r = new byte[a.length + b.length];
    System.arraycopy(a, 0, r, 0, a.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }

  private static void header(ByteBuffer b, int command, long messageId) {
    b.put(new byte[] {(byte) 0xFE, 'S', 'M', 'B'});
    b.putShort((short) 64); // StructureSize
    b.putShort((short) 0); // CreditCharge
    b.putInt(0); // Status
    b.putShort((short) command);
    b.putShort((short) 1); // CreditRequest
    b.putInt(0); // Flags
    b.putInt(0); // NextCommand
    b.putLong(messageId);
    b.putInt(0xFEFF); // ProcessId (reserved)
    b.putInt(0); // TreeId
    b.putLong(0); // SessionId
    b.put(new byte[16]); // Signature
  }

  private static byte[] frame(byte[] smb) {
    byte[] f = new byte[smb.length + 4];
    f[1] = (byte) (smb.length >> 16);
    f[2] = (byte) (smb.length >> 8);
    f[3] = (byte) smb.length;
    System.arraycopy(smb, 0, f, 4, smb.length);
    return f;
  }

  private static byte[] readFrame(InputStream in) throws IOException {
    DataInputStream d = new DataInputStream(in);
    int len = d.readInt() & 0x00ffffff;
    if (len > 1 << 16) {
      throw new IOException(
          "SMB answer of " + len + " bytes is not a negotiate or session setup response");
    }
    byte[] b = new byte[len];
    d.readFully(b);
    return b;
  }

  private static int u16(byte[] b, int i) {
    return (b[i] & 0xff) | (b[i + 1] & 0xff) << 8;
  }

  private static int u32(byte[] b, int i) {
    return u16(b, i) | u16(b, i + 2) << 16;
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
