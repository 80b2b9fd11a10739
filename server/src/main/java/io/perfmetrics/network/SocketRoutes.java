package io.perfmetrics.network;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.perfmetrics.config.Config;
import io.perfmetrics.ingest.IngestRoutes;
import io.perfmetrics.ingest.LastSeenTracker;
import io.perfmetrics.ingest.MalformedSamplesException;
import io.perfmetrics.web.ApiException;
import io.perfmetrics.web.Bodies;
import java.time.Clock;
import java.util.List;

/**
 * {@code POST /api/v1/sockets}: socket snapshots from collectors (docs/ports.md). Authentication,
 * the size limit and the answers are those of {@code /api/v1/metrics}.
 */
public final class SocketRoutes {
  public static final String SOCKETS = "/api/v1/sockets";

  private final IngestRoutes collectorGate;
  private final SocketsParser parser;
  private final SocketStore store;
  private final PortAudit audit;
  private final LastSeenTracker lastSeen;
  private final Config.Ingest settings;

  public SocketRoutes(IngestRoutes collectorGate, SocketStore store, PortAudit audit, LastSeenTracker lastSeen,
      Clock clock, Config.Ingest settings) {
    this.collectorGate = collectorGate;
    this.parser = new SocketsParser(clock);
    this.store = store;
    this.audit = audit;
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
    if (store.write(id, snapshots) > 0) {
      audit.invalidate();
    }
    lastSeen.seen(id);
    ctx.status(204);
  }
}
