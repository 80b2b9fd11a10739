package io.perfmetrics.web;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.List;
import java.util.function.Predicate;

/**
 * The console's frame: navigation, the page shell, and placeholders for sections whose feature
 * has not arrived yet. A feature adds its page by registering its routes and turning its
 * {@link NavEntry#pending pending} entry into a {@link NavEntry#page page}.
 */
public final class Console {
  /**
   * One navigation entry.
   *
   * @param arrivesWith null for a page that exists; else the feature that brings it
   * @param apiPath the API route whose presence means the feature has arrived
   */
  public record NavEntry(String title, String path, String arrivesWith, String apiPath) {
    public static NavEntry page(String title, String path) {
      return new NavEntry(title, path, null, null);
    }

    public static NavEntry pending(String title, String path, String arrivesWith, String apiPath) {
      return new NavEntry(title, path, arrivesWith, apiPath);
    }
  }

  public static final String SESSION = "perfmetrics.session";

  private final List<NavEntry> nav;
  private volatile Predicate<String> apiRoutePresent = p -> false;

  public Console(List<NavEntry> nav) {
    this.nav = List.copyOf(nav);
  }

  /** Tells the console how to see whether an API route exists (known once the server is built). */
  public void apiRoutes(Predicate<String> present) {
    this.apiRoutePresent = present;
  }

  public void register(RoutesConfig routes) {
    for (NavEntry e : nav) {
      if (e.arrivesWith() != null) {
        routes.get(e.path(), ctx -> placeholder(ctx, e));
      }
    }
  }

  private void placeholder(Context ctx, NavEntry e) {
    String body = apiRoutePresent.test(e.apiPath())
        ? "<p class=\"notice\">The " + Html.esc(e.arrivesWith()) + " API is here (<code>" + Html.esc(e.apiPath())
            + "</code>); its page is not yet.</p>"
        : "<p class=\"notice pending\">" + Html.esc(e.title()) + " arrives with " + Html.esc(e.arrivesWith())
            + ".</p><p>Nothing here talks to the network until then.</p>";
    ctx.html(page(ctx, e.title(), e.path(), body));
  }

  /** The session of a request that passed authentication. */
  public static Sessions.Session session(Context ctx) {
    Sessions.Session s = ctx.attribute(SESSION);
    if (s == null) {
      throw new IllegalStateException("page rendered without a session: " + ctx.path());
    }
    return s;
  }

  public static String csrf(Context ctx) {
    return session(ctx).csrfToken();
  }

  /** A whole page: head, navigation (with {@code active} highlighted), the body as given (already escaped). */
  public String page(Context ctx, String title, String active, String body) {
    Sessions.Session s = session(ctx);
    StringBuilder b = new StringBuilder(4096 + body.length());
    b.append("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        .append("<title>").append(Html.esc(title)).append(" · perfmetrics</title>")
        .append("<meta name=\"csrf-token\" content=\"").append(Html.esc(s.csrfToken())).append("\">")
        .append("<link rel=\"stylesheet\" href=\"/static/console.css\">")
        .append("<script src=\"/static/console.js\" defer></script></head><body>")
        .append("<header><a class=\"brand\" href=\"/\">perfmetrics</a><nav>");
    for (NavEntry e : nav) {
      boolean pending = e.arrivesWith() != null && !apiRoutePresent.test(e.apiPath());
      b.append("<a href=\"").append(Html.esc(e.path())).append("\"")
          .append(e.path().equals(active) ? " class=\"active\"" : pending ? " class=\"pending\"" : "")
          .append(pending ? " title=\"arrives with " + Html.esc(e.arrivesWith()) + "\"" : "")
          .append(">").append(Html.esc(e.title()));
      if (pending) {
        b.append(" <small>(arrives with ").append(Html.esc(e.arrivesWith())).append(")</small>");
      }
      b.append("</a>");
    }
    b.append("</nav><form method=\"post\" action=\"/logout\" class=\"logout\">").append(Html.csrfField(s.csrfToken()))
        .append("<span class=\"user\">").append(Html.esc(s.username())).append("</span>")
        .append("<button type=\"submit\" id=\"logout\">Log out</button></form></header><main>")
        .append("<h1>").append(Html.esc(title)).append("</h1>");
    String flash = ctx.queryParam("msg");
    if (flash != null && !flash.isBlank()) {
      b.append("<p class=\"flash\">").append(Html.esc(flash)).append("</p>");
    }
    String err = ctx.queryParam("err");
    if (err != null && !err.isBlank()) {
      b.append("<p class=\"flash error\">").append(Html.esc(err)).append("</p>");
    }
    b.append(body).append("</main></body></html>");
    return b.toString();
  }
}
