package io.perfmetrics.web;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.staticfiles.Location;
import io.perfmetrics.config.Config;
import io.perfmetrics.http.ApiException;
import io.perfmetrics.http.ErrorBody;
import io.perfmetrics.ingest.IngestRoutes;
import io.perfmetrics.ingest.SampleWriter;
import io.perfmetrics.store.Database;
import io.perfmetrics.store.Hashes;
import io.perfmetrics.store.StorageUnavailableException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every route shares: authentication (admin bearer token or console session, CSRF for the
 * session), security headers, health checks and the one error mapper.
 */
public final class WebSupport {
  private static final Logger log = LoggerFactory.getLogger(WebSupport.class);

  /**
   * Routes a collector token opens; everything else under /api needs an admin token or a session.
   */
  private static final Set<String> COLLECTOR_PATHS =
      Set.of(IngestRoutes.HELLO, IngestRoutes.METRICS, io.perfmetrics.network.SocketRoutes.SOCKETS);

  private static final Set<String> PUBLIC_PATHS =
      Set.of(
          "/healthz",
          "/readyz",
          LoginRoutes.LOGIN,
          "/favicon.ico",
          io.perfmetrics.tls.TlsRoutes.CA_PEM);
  private static final String CSP =
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
          + " connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";
  public static final String SESSION_COOKIE = "pm_session";

  /** Prometheus scrapes: the admin token, the scrape token or a session open it. */
  public static final String METRICS = "/metrics";

  private final AdminTokens adminTokens;
  private final Sessions sessions;
  private final Config.Web web;
  private final Database database;
  private final Templates templates = new Templates();

  public WebSupport(AdminTokens adminTokens, Sessions sessions, Config.Web web, Database database) {
    this.adminTokens = adminTokens;
    this.sessions = sessions;
    this.web = web;
    this.database = database;
  }

  public void register(JavalinConfig config) {
    // the console's own script and style, and the chart library from its webjar: nothing from
    // elsewhere
    config.staticFiles.add(
        s -> {
          s.hostedPath = "/static";
          s.directory = "/console";
          s.location = Location.CLASSPATH;
        });
    config.staticFiles.enableWebjars();
    var routes = config.routes;
    routes.before(this::authenticate);
    routes.get("/healthz", ctx -> ctx.json(Map.of("status", "ok")));
    routes.get(
        "/readyz",
        ctx -> {
          if (database.isReachable()) {
            ctx.json(Map.of("status", "ready", "database", "reachable"));
          } else {
            ctx.status(503).json(new ErrorBody("not ready", "database unreachable"));
          }
        });

    routes.exception(ApiException.class, (e, ctx) -> error(ctx, e.status(), e.error(), e.detail()));
    routes.exception(
        StorageUnavailableException.class,
        (e, ctx) -> {
          ctx.header("Retry-After", "30");
          error(ctx, 503, "storage unavailable", e.getMessage());
        });
    routes.exception(
        SampleWriter.OverloadedException.class,
        (e, ctx) -> {
          ctx.header("Retry-After", "5");
          error(ctx, 503, "busy", e.getMessage());
        });
    routes.exception(
        HttpResponseException.class,
        (e, ctx) -> error(ctx, e.getStatus(), reason(e.getStatus()), e.getMessage()));
    routes.exception(
        Exception.class,
        (e, ctx) -> {
          log.error("unexpected error on {} {}", ctx.method(), ctx.path(), e);
          error(ctx, 500, "internal error", "see the appliance log");
        });
  }

  /** True when the browser reached us over https (directly, or through a trusted proxy). */
  public boolean secure(Context ctx) {
    if ("https".equalsIgnoreCase(ctx.scheme())) {
      return true;
    }
    return web.trustForwardedProto() && "https".equalsIgnoreCase(ctx.header("X-Forwarded-Proto"));
  }

  /** The Set-Cookie value of a session cookie: HttpOnly, SameSite=Strict, Secure over https. */
  public String sessionCookie(Context ctx, String value) {
    return SESSION_COOKIE
        + "="
        + value
        + "; Path=/; HttpOnly; SameSite=Strict"
        + (secure(ctx) ? "; Secure" : "");
  }

  public String clearedSessionCookie(Context ctx) {
    return SESSION_COOKIE
        + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict"
        + (secure(ctx) ? "; Secure" : "");
  }

  private boolean isScrapeToken(String token) {
    return web.scrapeToken() != null
        && token != null
        && Hashes.sameDigest(Hashes.sha256(web.scrapeToken().value()), Hashes.sha256(token));
  }

  private void authenticate(Context ctx) {
    String path = ctx.path();
    ctx.header("X-Content-Type-Options", "nosniff");
    ctx.header("X-Frame-Options", "DENY");
    ctx.header("Referrer-Policy", "same-origin");
    if (COLLECTOR_PATHS.contains(path)
        || path.startsWith("/static/")
        || path.startsWith("/webjars/")) {
      return;
    }
    ctx.header("Cache-Control", "no-store");
    ctx.header("Content-Security-Policy", CSP);
    if (PUBLIC_PATHS.contains(path)) {
      return;
    }
    boolean api = path.startsWith("/api/") || path.equals(METRICS);
    String h = ctx.header("Authorization");
    if (api && h != null) {
      // scripts and the CLI: the admin bearer token, no cookie, no CSRF token. A collector's
      // token is no admin token, whatever else the request carries.
      String token = h.regionMatches(true, 0, "Bearer ", 0, 7) ? h.substring(7).trim() : null;
      if (path.equals(METRICS) && isScrapeToken(token)) {
        return;
      }
      if (!adminTokens.accepts(token)) {
        ctx.header("WWW-Authenticate", "Bearer");
        throw new ApiException(
            401, "unauthorized", "this route needs the admin token (Authorization: Bearer ...)");
      }
      return;
    }
    Optional<Sessions.Session> session = sessions.find(ctx.cookie(SESSION_COOKIE));
    if (session.isEmpty()) {
      if (api) {
        ctx.header("WWW-Authenticate", "Bearer");
        throw new ApiException(
            401,
            "unauthorized",
            "this route needs the admin token (Authorization: Bearer ...) or a console session");
      }
      String next =
          ctx.method().name().equals("GET")
              ? path + (ctx.queryString() == null ? "" : "?" + ctx.queryString())
              : "/";
      ctx.redirect(LoginRoutes.LOGIN + "?next=" + URLEncoder.encode(next, StandardCharsets.UTF_8));
      ctx.skipRemainingHandlers();
      return;
    }
    if (Csrf.needsToken(ctx.method().name())) {
      String given = ctx.header(Csrf.HEADER);
      if (given == null
          && !api
          && (ctx.isMultipartFormData()
              || String.valueOf(ctx.contentType())
                  .startsWith("application/x-www-form-urlencoded"))) {
        given = ctx.formParam(Csrf.FIELD);
      }
      if (!Csrf.matches(session.get().csrfToken(), given)) {
        throw new ApiException(
            403,
            "forbidden",
            "a console request that changes something must carry the page's CSRF token (form field "
                + Csrf.FIELD
                + " or header "
                + Csrf.HEADER
                + ")");
      }
    }
    ctx.attribute(Console.SESSION, session.get());
  }

  /** The design's JSON error body for the API; a small HTML page for the console. */
  private void error(Context ctx, int status, String error, String detail) {
    ctx.status(status);
    if (ctx.path().startsWith("/api/")
        || ctx.path().equals("/healthz")
        || ctx.path().equals("/readyz")) {
      ctx.json(new ErrorBody(error, detail));
    } else {
      ctx.html(
          templates.render(
              "error.jte",
              Map.of(
                  "status",
                  status,
                  "error",
                  String.valueOf(error),
                  "detail",
                  detail == null ? "" : detail)));
    }
  }

  private static String reason(int status) {
    return switch (status) {
      case 400 -> "bad request";
      case 401 -> "unauthorized";
      case 403 -> "forbidden";
      case 404 -> "not found";
      case 405 -> "method not allowed";
      case 413 -> "payload too large";
      case 429 -> "too many requests";
      default -> "error";
    };
  }
}
