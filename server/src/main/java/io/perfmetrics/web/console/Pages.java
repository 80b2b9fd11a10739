package io.perfmetrics.web.console;

import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.perfmetrics.http.ApiException;
import io.perfmetrics.ingest.HostLookup;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What the console's pages do alike: redirect back with a message, read a numeric path id, find the
 * host a page's URL names.
 */
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

  /**
   * The collector id of the one host the {host} path parameter names (its id or hostname); null
   * once the admin was sent back to {@code list}, the page that lists the hosts, because the
   * hostname names several (with their ids). A name no host has is a 404. The API answers a 400 for
   * several ({@link HostLookup#resolve}); a page offers the list to pick from.
   */
  static @Nullable Integer host(Context ctx, HostLookup hosts, String list) {
    String key = ctx.pathParam("host");
    List<Integer> found = hosts.find(key);
    if (found.isEmpty()) {
      throw HostLookup.unknown(key);
    }
    if (found.size() > 1) {
      back(ctx, list, "err", HostLookup.several(key, found) + ": pick one from the list");
      return null;
    }
    return found.get(0);
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
