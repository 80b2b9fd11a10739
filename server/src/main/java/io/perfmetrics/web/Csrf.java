package io.perfmetrics.web;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The synchronizer-token check: a console request that changes state must carry the token stored
 * with its session (form field {@value #FIELD} or header {@value #HEADER}).
 */
public final class Csrf {
  public static final String FIELD = "csrf";
  public static final String HEADER = "X-CSRF-Token";

  private Csrf() {}

  /** GET, HEAD and OPTIONS change nothing; everything else needs the token. */
  public static boolean needsToken(String method) {
    return !(method.equals("GET") || method.equals("HEAD") || method.equals("OPTIONS"));
  }

  /** Constant-time comparison; a missing or empty token never matches. */
  public static boolean matches(String expected, String given) {
    if (expected == null || expected.isEmpty() || given == null || given.isEmpty()) {
      return false;
    }
    return MessageDigest.isEqual(
        expected.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8));
  }
}
