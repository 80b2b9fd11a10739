package io.perfmetrics.store;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Tokens: random secrets shown once, stored as SHA-256 digests. A fast digest is right here because
 * the secrets carry 256 bits of entropy; passwords would need a slow hash.
 */
public final class Hashes {
  private static final SecureRandom RANDOM = new SecureRandom();

  private Hashes() {}

  /**
   * Never updated, only cloned: a clone costs a copy of the digest's state, getInstance a provider
   * look-up and a reflective constructor call, on every collector request.
   */
  private static final MessageDigest SHA256 = newSha256();

  private static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  public static byte[] sha256(String s) {
    MessageDigest md;
    try {
      md = (MessageDigest) SHA256.clone();
    } catch (CloneNotSupportedException e) {
      md = newSha256(); // a provider whose digest cannot be cloned
    }
    return md.digest(s.getBytes(StandardCharsets.UTF_8));
  }

  /** Compares in time independent of where the inputs differ. */
  public static boolean sameDigest(byte[] a, byte[] b) {
    return MessageDigest.isEqual(a, b);
  }

  /** 256 random bits, URL-safe base64 without padding (43 characters). */
  public static String randomSecret() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }
}
