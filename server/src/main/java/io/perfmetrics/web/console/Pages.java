package io.perfmetrics.web.console;

import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.perfmetrics.http.ApiException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** What the console's pages do alike: redirect back with a message, read a numeric path id. */
final class Pages {
  private Pages() {}

  /**
   * POST/redirect/GET: back to {@code path} with a flash message ({@code kind} msg or err) in the
   * query.
   */
  static void back(Context ctx, String path, String kind, String message) {
    ctx.redirect(
        path + "?" + kind + "=" + URLEncoder.encode(message, StandardCharsets.UTF_8),
        HttpStatus.SEE_OTHER);
  }

  /** The {id} path parameter; anything but a number is a page that does not exist. */
  static long id(Context ctx) {
    try {
      return Long.parseLong(ctx.pathParam("id"));
    } catch (NumberFormatException e) {
      throw ApiException.notFound("no such page: " + ctx.path());
    }
  }
}
