package io.perfmetrics.ingest;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.perfmetrics.config.Config;
import io.perfmetrics.http.ApiException;
import io.perfmetrics.http.Bodies;
import io.perfmetrics.store.StorageUnavailableException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** The collector protocol v1: {@code POST /api/v1/hello} and {@code POST /api/v1/metrics}. */
public final class IngestRoutes {
  public static final String HELLO = "/api/v1/hello";
  public static final String METRICS = "/api/v1/metrics";

  private final CollectorRegistry registry;
  private final SamplesParser parser;
  private final SampleWriter writer;
  private final HelloService hello;
  private final LastSeenTracker lastSeen;
  private final Config.Ingest settings;

  public IngestRoutes(
      CollectorRegistry registry,
      SamplesParser parser,
      SampleWriter writer,
      HelloService hello,
      LastSeenTracker lastSeen,
      Config.Ingest settings) {
    this.registry = registry;
    this.parser = parser;
    this.writer = writer;
    this.hello = hello;
    this.lastSeen = lastSeen;
    this.settings = settings;
  }

  public void register(RoutesConfig routes) {
    routes.post(METRICS, this::metrics);
    routes.post(HELLO, this::hello);
  }

  private void metrics(Context ctx) {
    int id = authenticate(ctx);
    Bodies.Body body = Bodies.read(ctx, settings.maxBodyBytes());
    SampleBatch batch;
    try {
      batch =
          isJson(ctx)
              ? parser.parseJson(id, body.bytes(), body.length())
              : parser.parseText(id, body.bytes(), body.length());
    } catch (MalformedSamplesException e) {
      throw ApiException.badRequest(e.getMessage());
    }
    awaitCommit(writer.submit(batch));
    lastSeen.seen(id);
    ctx.status(204);
  }

  private void hello(Context ctx) {
    int id = authenticate(ctx);
    Bodies.Body body = Bodies.read(ctx, settings.maxBodyBytes());
    try {
      hello.store(id, body.bytes(), body.length());
    } catch (MalformedSamplesException e) {
      throw ApiException.badRequest(e.getMessage());
    }
    lastSeen.seen(id);
    ctx.status(204);
  }

  /**
   * The collector behind a request, or the 401/410/413 that ends it; every collector route (also
   * the socket snapshots of the network package) starts here.
   */
  public int authenticate(Context ctx) {
    // refuse an oversized upload before looking anything up
    if (ctx.req().getContentLengthLong() > settings.maxBodyBytes()) {
      Bodies.read(ctx, settings.maxBodyBytes());
    }
    CollectorToken token = CollectorToken.fromAuthorization(ctx.header("Authorization"));
    if (token == null) {
      ctx.header("WWW-Authenticate", "Bearer");
      throw new ApiException(
          401,
          "unauthorized",
          "missing or malformed collector token (Authorization: Bearer pm1...)");
    }
    return switch (registry.authenticate(token)) {
      case CollectorAuth.Accepted a -> a.collectorId();
      case CollectorAuth.Unknown u -> {
        ctx.header("WWW-Authenticate", "Bearer");
        throw new ApiException(401, "unauthorized", "unknown collector token");
      }
      case CollectorAuth.Gone g ->
          throw new ApiException(410, "gone", g.reason() + "; the collector should stop");
    };
  }

  private void awaitCommit(java.util.concurrent.CompletableFuture<Void> stored) {
    try {
      stored.get(settings.writeTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new StorageUnavailableException(
          "samples not committed within "
              + settings.writeTimeout().toSeconds()
              + " s; keep them and retry");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new StorageUnavailableException("samples not stored: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StorageUnavailableException("interrupted while storing samples");
    }
  }

  private static boolean isJson(Context ctx) {
    String ct = ctx.contentType();
    return ct != null && ct.regionMatches(true, 0, "application/json", 0, 16);
  }
}
