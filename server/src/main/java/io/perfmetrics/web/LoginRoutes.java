package io.perfmetrics.web;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** The login form, login with rate limiting, and logout. */
public final class LoginRoutes {
  public static final String LOGIN = "/login";
  public static final String LOGOUT = "/logout";

  private final AdminUsers users;
  private final Sessions sessions;
  private final LoginLimiter limiter;
  private final WebSupport web;
  private final Templates templates = new Templates();

  public LoginRoutes(AdminUsers users, Sessions sessions, LoginLimiter limiter, WebSupport web) {
    this.users = users;
    this.sessions = sessions;
    this.limiter = limiter;
    this.web = web;
  }

  public void register(RoutesConfig routes) {
    routes.get(
        LOGIN,
        ctx -> {
          if (sessions.find(ctx.cookie(WebSupport.SESSION_COOKIE)).isPresent()) {
            ctx.redirect(safeNext(ctx.queryParam("next")));
            return;
          }
          ctx.html(form(ctx.queryParam("next"), null, null));
        });
    routes.post(LOGIN, this::login);
    routes.post(
        LOGOUT,
        ctx -> {
          sessions.close(Console.session(ctx));
          ctx.header("Set-Cookie", web.clearedSessionCookie(ctx));
          ctx.redirect(LOGIN + "?out=1", io.javalin.http.HttpStatus.SEE_OTHER);
        });
  }

  private void login(Context ctx) {
    String username = ctx.formParam("username");
    String password = ctx.formParam("password");
    String next = ctx.formParam("next");
    String address = ctx.ip();
    Optional<Duration> wait = limiter.blocked(username, address);
    if (wait.isPresent()) {
      long s = LoginLimiter.retryAfterSeconds(wait.get());
      ctx.header("Retry-After", String.valueOf(s));
      ctx.status(429)
          .html(form(next, username, "Too many failed logins. Try again in " + s + " s."));
      return;
    }
    Optional<AdminUsers.User> user = users.authenticate(username, password);
    if (user.isEmpty()) {
      limiter.failed(username, address);
      ctx.status(401).html(form(next, username, "Wrong username or password."));
      return;
    }
    limiter.succeeded(username, address);
    Sessions.Opened opened = sessions.open(user.get());
    ctx.header("Set-Cookie", web.sessionCookie(ctx, opened.cookieValue()));
    ctx.redirect(safeNext(next), io.javalin.http.HttpStatus.SEE_OTHER);
  }

  /**
   * Only a path on this appliance: never another host ({@code //evil}, {@code /\evil}, {@code
   * https:}).
   */
  static String safeNext(String next) {
    if (next == null
        || !next.startsWith("/")
        || next.startsWith("//")
        || next.startsWith("/\\")
        || next.startsWith(LOGIN)
        || next.chars().anyMatch(c -> c < 0x20)) {
      return "/";
    }
    return next;
  }

  private String form(String next, String username, String error) {
    Map<String, Object> params = new HashMap<>();
    params.put("next", safeNext(next));
    params.put("username", username);
    params.put("error", error);
    return templates.render("login.jte", params);
  }
}
