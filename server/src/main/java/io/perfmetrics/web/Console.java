package io.perfmetrics.web;

import io.javalin.http.Context;
import java.util.List;
import java.util.Map;

/** The console's frame: navigation and the layout every page template is rendered into. */
public final class Console {
  /** One navigation entry. */
  public record NavEntry(String title, String path) {}

  /**
   * What the layout shows around a page: its title, the navigation with {@code active} highlighted,
   * the user with the session's CSRF token, and the flash messages ({@code ?msg=}, {@code ?err=}).
   */
  public record Frame(
      String title,
      String active,
      List<NavEntry> nav,
      String username,
      String csrf,
      String msg,
      String err) {}

  public static final String SESSION = "perfmetrics.session";

  private final List<NavEntry> nav;
  private final Templates templates = new Templates();

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

  /**
   * Answers with the page template {@code template}, which takes {@code frame} (this page's {@link
   * Frame}) and {@code model} (the page's own record).
   */
  public void render(Context ctx, String template, String title, String active, Object model) {
    Sessions.Session s = session(ctx);
    Frame frame =
        new Frame(
            title,
            active,
            nav,
            s.username(),
            s.csrfToken(),
            nonBlank(ctx.queryParam("msg")),
            nonBlank(ctx.queryParam("err")));
    ctx.html(templates.render(template, Map.of("frame", frame, "model", model)));
  }

  private static String nonBlank(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
