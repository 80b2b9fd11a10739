package io.perfmetrics.http;

import io.javalin.http.Context;

/**
 * Query parameters the API's list routes share, each refused with a 400 that says what is wanted.
 */
public final class QueryParams {
  private QueryParams() {}

  /** {@code ?format=csv}: true; absent or {@code json}: false; anything else: 400. */
  public static boolean csv(Context ctx) {
    String f = ctx.queryParam("format");
    if (f == null || f.equals("json")) {
      return false;
    }
    if (f.equals("csv")) {
      return true;
    }
    throw ApiException.badRequest("format must be json or csv, got '" + f + "'");
  }

  /** A whole number within [min, max], or {@code dflt} when absent or blank. */
  public static int intParam(Context ctx, String name, int dflt, int min, int max) {
    String v = blank(ctx.queryParam(name));
    if (v == null) {
      return dflt;
    }
    try {
      int i = Integer.parseInt(v);
      if (i >= min && i <= max) {
        return i;
      }
    } catch (NumberFormatException e) {
      // the message below says what is wanted
    }
    throw ApiException.badRequest(
        name + " must be a whole number from " + min + " to " + max + ", got '" + v + "'");
  }

  /** Null for an absent or blank value, else the value trimmed. */
  public static String blank(String v) {
    return v == null || v.isBlank() ? null : v.trim();
  }
}
