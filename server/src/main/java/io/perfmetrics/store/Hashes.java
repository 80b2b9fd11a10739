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

  public static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
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
