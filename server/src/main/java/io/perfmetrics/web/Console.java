package io.perfmetrics.web;

import io.javalin.http.Context;
import java.util.List;

/** The console's frame: navigation and the page shell every page is rendered into. */
public final class Console {
  /** One navigation entry. */
  public record NavEntry(String title, String path) {}

  public static final String SESSION = "perfmetrics.session";

  private final List<NavEntry> nav;

  public Console(List<NavEntry> nav) {
    this.nav = List.copyOf(nav);
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
      b.append("<a href=\"").append(Html.esc(e.path())).append("\"")
          .append(e.path().equals(active) ? " class=\"active\"" : "")
          .append(">").append(Html.esc(e.title())).append("</a>");
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
