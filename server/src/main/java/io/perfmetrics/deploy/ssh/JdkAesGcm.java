package io.perfmetrics.deploy.ssh;

import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import net.schmizz.sshj.common.Factory;
import net.schmizz.sshj.common.SSHRuntimeException;
import net.schmizz.sshj.transport.cipher.Cipher;

/**
 * aes128-gcm and aes256-gcm@openssh.com (RFC 5647) on the JDK's AES-GCM, which uses the CPU's AES
 * and carry-less multiply instructions. SSHJ's own {@code GcmCipher} first takes a cipher from its
 * provider, Bouncy Castle, for every direction of every connection, and the JDK's would only
 * replace it; this one asks the JDK alone, once per direction.
 *
 * <p>The nonce is the 4-byte fixed part and an 8-byte invocation counter, one per packet. The JDK
 * needs a new {@code init} for each nonce, so the cipher is initialized lazily before a packet's
 * associated data (its length field) or, for a packet without, its body.
 */
final class JdkAesGcm implements Cipher {
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BYTES = 16;

  /** Its factory under its OpenSSH name, for a key of 16 or 32 bytes. */
  record Named(String name, int keyBytes) implements Factory.Named<Cipher> {
    @Override
    public Cipher create() {
      return new JdkAesGcm(keyBytes);
    }

    @Override
    public String getName() {
      return name;
    }
  }

  private final int keyBytes;
  private javax.crypto.Cipher cipher;
  private int opmode;
  private SecretKeySpec key;
  private byte[] nonce;
  private boolean initialized;

  JdkAesGcm(int keyBytes) {
    this.keyBytes = keyBytes;
  }

  /**
   * The key's length, as SSHJ's {@code GcmCipher} answers: SSHJ derives the key by it and pads
   * packets to a multiple of it, a multiple of AES's 16-byte block either way.
   */
  @Override
  public int getBlockSize() {
    return keyBytes;
  }

  @Override
  public int getIVSize() {
    return NONCE_BYTES;
  }

  @Override
  public int getAuthenticationTagSize() {
    return TAG_BYTES;
  }

  @Override
  public void init(Mode mode, byte[] key, byte[] iv) {
    try {
      cipher = javax.crypto.Cipher.getInstance("AES/GCM/NoPadding");
    } catch (GeneralSecurityException e) {
      throw new SSHRuntimeException("every JDK has AES/GCM/NoPadding", e);
    }
    opmode =
        mode == Mode.Encrypt ? javax.crypto.Cipher.ENCRYPT_MODE : javax.crypto.Cipher.DECRYPT_MODE;
    this.key = new SecretKeySpec(key, 0, keyBytes, "AES");
    nonce = Arrays.copyOf(iv, NONCE_BYTES);
    initialized = false;
  }

  private javax.crypto.Cipher ready() throws GeneralSecurityException {
    if (!initialized) {
      // the spec copies the nonce, and the JDK wants a nonce it has not seen with this key
      cipher.init(opmode, key, new GCMParameterSpec(TAG_BYTES * Byte.SIZE, nonce));
      initialized = true;
    }
    return cipher;
  }

  @Override
  public void updateAAD(byte[] data, int offset, int length) {
    try {
      ready().updateAAD(data, offset, length);
    } catch (GeneralSecurityException e) {
      throw new SSHRuntimeException("AES-GCM: " + e.getMessage(), e);
    }
  }

  @Override
  public void updateAAD(byte[] data) {
    updateAAD(data, 0, data.length);
  }

  /**
   * Encrypts a packet's body and appends its tag, or checks the tag that follows it and decrypts,
   * in place; then the next packet's nonce.
   */
  @Override
  public void update(byte[] input, int inputOffset, int inputLen) {
    int len = opmode == javax.crypto.Cipher.DECRYPT_MODE ? inputLen + TAG_BYTES : inputLen;
    try {
      ready().doFinal(input, inputOffset, len, input, inputOffset);
    } catch (GeneralSecurityException e) {
      throw new SSHRuntimeException("AES-GCM: " + e.getMessage(), e);
    }
    incrementCounter();
    initialized = false;
  }

  @Override
  public void updateWithAAD(byte[] input, int offset, int aadLen, int inputLen) {
    updateAAD(input, offset, aadLen);
    update(input, offset + aadLen, inputLen);
  }

  /** GCM's nonce counts packets itself; the sequence number is not part of it. */
  @Override
  public void setSequenceNumber(long seq) {}

  /** RFC 5647, 7.1: the invocation counter, the nonce's last 8 bytes big-endian, plus one. */
  private void incrementCounter() {
    for (int i = NONCE_BYTES - 1; i >= NONCE_BYTES - 8; i--) {
      if (++nonce[i] != 0) {
        return;
      }
    }
    // 2^64 packets: OpenSSH rekeys long before; never reuse a nonce
    throw new SSHRuntimeException(
        "AES-GCM invocation counter exhausted; the connection must rekey");
  }
}
