package io.perfmetrics.network;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.perfmetrics.config.Config;
import io.perfmetrics.http.ApiException;
import io.perfmetrics.http.Bodies;
import io.perfmetrics.ingest.IngestRoutes;
import io.perfmetrics.ingest.LastSeenTracker;
import io.perfmetrics.ingest.MalformedSamplesException;
import io.perfmetrics.store.StorageUnavailableException;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code POST /api/v1/sockets}: socket snapshots from collectors (docs/ports.md). Authentication,
 * the size limit and the answers are those of {@code /api/v1/metrics}.
 */
public final class SocketRoutes {
  public static final String SOCKETS = "/api/v1/sockets";

  private final IngestRoutes collectorGate;
  private final SocketsParser parser;
  private final SocketWriter writer;
  private final LastSeenTracker lastSeen;
  private final Config.Ingest settings;

  public SocketRoutes(
      IngestRoutes collectorGate,
      SocketWriter writer,
      LastSeenTracker lastSeen,
      Clock clock,
      Config.Ingest settings) {
    this.collectorGate = collectorGate;
    this.parser = new SocketsParser(clock);
    this.writer = writer;
    this.lastSeen = lastSeen;
    this.settings = settings;
  }

  public void register(RoutesConfig routes) {
    routes.post(SOCKETS, this::sockets);
  }

  private void sockets(Context ctx) {
    int id = collectorGate.authenticate(ctx);
    Bodies.Body body = Bodies.read(ctx, settings.maxBodyBytes());
    List<SocketSnapshot> snapshots;
    try {
      snapshots = parser.parse(body.bytes(), body.length());
    } catch (MalformedSamplesException e) {
      throw ApiException.badRequest(e.getMessage());
    }
    awaitCommit(writer.submit(id, snapshots));
    lastSeen.seen(id);
    ctx.status(204);
  }

  private void awaitCommit(CompletableFuture<Integer> stored) {
    try {
      stored.get(settings.writeTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new StorageUnavailableException(
          "socket snapshots not committed within "
              + settings.writeTimeout().toSeconds()
              + " s; keep them and retry");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new StorageUnavailableException(
          "socket snapshots not stored: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StorageUnavailableException("interrupted while storing socket snapshots");
    }
  }
}
