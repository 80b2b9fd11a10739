package io.perfmetrics.ingest;

/**
 * A collector's bearer token, {@code pm1.<collector id>.<secret>}. The id lets the receiver fetch
 * exactly one stored digest and compare it in constant time, instead of looking tokens up by value.
 */
public record CollectorToken(int collectorId, String secret) {
  private static final String PREFIX = "pm1.";

  public static CollectorToken parse(String token) {
    if (token == null || !token.startsWith(PREFIX)) {
      return null;
    }
    int dot = token.indexOf('.', PREFIX.length());
    if (dot < 0 || dot == PREFIX.length() || dot > PREFIX.length() + 10) {
      return null;
    }
    int id;
    try {
      id = Integer.parseInt(token, PREFIX.length(), dot, 10);
    } catch (NumberFormatException e) {
      return null;
    }
    String secret = token.substring(dot + 1);
    if (id <= 0 || secret.length() < 32 || secret.length() > 128) {
      return null;
    }
    return new CollectorToken(id, secret);
  }

  /** Takes the token from an {@code Authorization: Bearer ...} header value. */
  public static CollectorToken fromAuthorization(String header) {
    if (header == null || header.length() < 8 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    return parse(header.substring(7).trim());
  }

  public String value() {
    return PREFIX + collectorId + "." + secret;
  }

  @Override
  public String toString() {
    return "CollectorToken[collector " + collectorId + ", secret ****]";
  }
}
