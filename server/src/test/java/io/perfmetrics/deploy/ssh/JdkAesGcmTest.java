package io.perfmetrics.deploy.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import net.schmizz.sshj.common.SSHRuntimeException;
import net.schmizz.sshj.transport.cipher.Cipher;
import org.junit.jupiter.api.Test;

/**
 * The packet layout SSHJ hands the cipher (4 bytes of length as associated data, the body, room for
 * the tag) against the JDK's AES-GCM called with each packet's nonce spelled out (RFC 5647, 7.1),
 * across a carry of the invocation counter; and a tampered packet refused.
 */
class JdkAesGcmTest {
  private static final byte[] KEY = HexFormat.of().parseHex("000102030405060708090a0b0c0d0e0f");

  /** The fixed field, then an invocation counter two packets before its low byte carries. */
  private static final byte[] IV = HexFormat.of().parseHex("cafebabe00000000000000fe");

  private static byte[] packet(String body) {
    byte[] b = body.getBytes(StandardCharsets.US_ASCII);
    byte[] p = new byte[4 + b.length + 16];
    p[3] = (byte) b.length;
    System.arraycopy(b, 0, p, 4, b.length);
    return p;
  }

  private static void seal(Cipher c, byte[] p) {
    c.updateWithAAD(p, 0, 4, p.length - 4 - 16);
  }

  @Test
  void eachPacketHasTheNextNonceAcrossACarryAndOpensOnTheOtherSide() throws Exception {
    Cipher out = new JdkAesGcm(16);
    out.init(Cipher.Mode.Encrypt, KEY, IV);
    Cipher in = new JdkAesGcm(16);
    in.init(Cipher.Mode.Decrypt, KEY, IV);
    String[] bodies = {"first packet", "second", "third, after the carry"};
    for (int i = 0; i < bodies.length; i++) {
      byte[] p = packet(bodies[i]);
      seal(out, p);

      byte[] nonce = IV.clone();
      nonce[11] = (byte) (0xfe + i);
      nonce[10] = (byte) ((0xfe + i) >> 8);
      javax.crypto.Cipher jdk = javax.crypto.Cipher.getInstance("AES/GCM/NoPadding");
      jdk.init(
          javax.crypto.Cipher.ENCRYPT_MODE,
          new SecretKeySpec(KEY, "AES"),
          new GCMParameterSpec(128, nonce));
      byte[] expected = packet(bodies[i]);
      jdk.updateAAD(expected, 0, 4);
      jdk.doFinal(expected, 4, expected.length - 4 - 16, expected, 4);
      assertThat(p).as("packet %d", i + 1).isEqualTo(expected);

      seal(in, p);
      assertThat(new String(p, 4, p.length - 4 - 16, StandardCharsets.US_ASCII))
          .isEqualTo(bodies[i]);
    }
  }

  @Test
  void aTamperedPacketIsRefused() {
    Cipher out = new JdkAesGcm(32);
    byte[] key = Arrays.copyOf(KEY, 32);
    out.init(Cipher.Mode.Encrypt, key, IV);
    Cipher in = new JdkAesGcm(32);
    in.init(Cipher.Mode.Decrypt, key, IV);
    byte[] p = packet("integrity");
    seal(out, p);
    p[5] ^= 1;
    assertThatThrownBy(() -> seal(in, p)).isInstanceOf(SSHRuntimeException.class);
  }
}
