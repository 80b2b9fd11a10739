package io.perfmetrics.web;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.perfmetrics.ingest.IngestRoutes;
import io.perfmetrics.ingest.SampleWriter;
import io.perfmetrics.store.Database;
import io.perfmetrics.store.StorageUnavailableException;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What every route shares: admin authentication, health checks and the one error mapper. */
public final class WebSupport {
  private static final Logger log = LoggerFactory.getLogger(WebSupport.class);
  /** Routes a collector token opens; everything else under /api needs an admin token. */
  private static final Set<String> COLLECTOR_PATHS = Set.of(IngestRoutes.HELLO, IngestRoutes.METRICS);

  private final AdminTokens adminTokens;
  private final Database database;

  public WebSupport(AdminTokens adminTokens, Database database) {
    this.adminTokens = adminTokens;
    this.database = database;
  }

  public void register(JavalinConfig config) {
    var routes = config.routes;
    routes.before("/api/*", this::requireAdmin);
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

    routes.exception(ApiException.class, (e, ctx) -> ctx.status(e.status()).json(new ErrorBody(e.error(), e.detail())));
    routes.exception(
        StorageUnavailableException.class,
        (e, ctx) -> {
          ctx.header("Retry-After", "30");
          ctx.status(503).json(new ErrorBody("storage unavailable", e.getMessage()));
        });
    routes.exception(
        SampleWriter.OverloadedException.class,
        (e, ctx) -> {
          ctx.header("Retry-After", "5");
          ctx.status(503).json(new ErrorBody("busy", e.getMessage()));
        });
    routes.exception(
        HttpResponseException.class,
        (e, ctx) -> ctx.status(e.getStatus()).json(new ErrorBody(reason(e.getStatus()), e.getMessage())));
    routes.exception(
        Exception.class,
        (e, ctx) -> {
          log.error("unexpected error on {} {}", ctx.method(), ctx.path(), e);
          ctx.status(500).json(new ErrorBody("internal error", "see the appliance log"));
        });
  }

  private void requireAdmin(Context ctx) {
    if (COLLECTOR_PATHS.contains(ctx.path())) {
      return;
    }
    String h = ctx.header("Authorization");
    String token = h != null && h.regionMatches(true, 0, "Bearer ", 0, 7) ? h.substring(7).trim() : null;
    if (!adminTokens.accepts(token)) {
      ctx.header("WWW-Authenticate", "Bearer");
      throw new ApiException(401, "unauthorized", "this route needs the admin token (Authorization: Bearer ...)");
    }
  }

  private static String reason(int status) {
    return switch (status) {
      case 400 -> "bad request";
      case 404 -> "not found";
      case 405 -> "method not allowed";
      case 413 -> "payload too large";
      default -> "error";
    };
  }
}
