package io.perfmetrics.web;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Console passwords: PBKDF2-HMAC-SHA256 from the JDK, a random 16-byte salt per password, stored as
 * {@code pbkdf2-sha256$<iterations>$<salt>$<hash>}. The iteration count is part of the stored
 * string, so raising it later leaves existing hashes verifiable.
 */
public final class PasswordHasher {
  /**
   * OWASP's figure for PBKDF2-HMAC-SHA256 (2023): about 0.2-0.5 s per hash on this appliance's
   * cores.
   */
  public static final int DEFAULT_ITERATIONS = 600_000;

  /** Below this a stored hash is refused as too weak to trust. */
  public static final int MIN_ITERATIONS = 310_000;

  private static final String SCHEME = "pbkdf2-sha256";
  private static final int SALT_BYTES = 16;
  private static final int HASH_BITS = 256;

  private final SecureRandom random;
  private final int iterations;

  public PasswordHasher() {
    this(new SecureRandom(), DEFAULT_ITERATIONS);
  }

  PasswordHasher(SecureRandom random, int iterations) {
    if (iterations < MIN_ITERATIONS) {
      throw new IllegalArgumentException(
          "PBKDF2 needs at least " + MIN_ITERATIONS + " iterations, got " + iterations);
    }
    this.random = random;
    this.iterations = iterations;
  }

  public String hash(String password) {
    byte[] salt = new byte[SALT_BYTES];
    random.nextBytes(salt);
    Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
    return SCHEME
        + "$"
        + iterations
        + "$"
        + b64.encodeToString(salt)
        + "$"
        + b64.encodeToString(derive(password, salt, iterations));
  }

  /**
   * True when the password matches; compares in constant time; false for any malformed stored
   * value.
   */
  public boolean verify(String password, String stored) {
    if (password == null || stored == null) {
      return false;
    }
    // limit 0 (trailing empty fields dropped): stored hashes are read as they always were
    String[] p = stored.split("\\$", 0);
    if (p.length != 4 || !SCHEME.equals(p[0])) {
      return false;
    }
    int n;
    byte[] salt;
    byte[] expected;
    try {
      n = Integer.parseInt(p[1]);
      salt = Base64.getDecoder().decode(p[2]);
      expected = Base64.getDecoder().decode(p[3]);
    } catch (IllegalArgumentException e) {
      return false;
    }
    if (n < MIN_ITERATIONS || salt.length < SALT_BYTES || expected.length != HASH_BITS / 8) {
      return false;
    }
    return MessageDigest.isEqual(expected, derive(password, salt, n));
  }

  /** True when a stored hash was made with fewer iterations than this hasher uses now. */
  public boolean needsRehash(String stored) {
    // limit 0 (trailing empty fields dropped): stored hashes are read as they always were
    String[] p = stored.split("\\$", 0);
    try {
      return p.length != 4 || !SCHEME.equals(p[0]) || Integer.parseInt(p[1]) < iterations;
    } catch (NumberFormatException e) {
      return true;
    }
  }

  private static byte[] derive(String password, byte[] salt, int iterations) {
    char[] chars = password.toCharArray();
    PBEKeySpec spec = new PBEKeySpec(chars, salt, iterations, HASH_BITS);
    try {
      return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every JDK has PBKDF2WithHmacSHA256", e);
    } finally {
      spec.clearPassword();
      java.util.Arrays.fill(chars, '\0');
    }
  }

  /** A random password for the first admin: 20 characters of base64url (120 bits). */
  public String randomPassword() {
    byte[] b = new byte[15];
    random.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }
}
