package io.perfmetrics.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.perfmetrics.http.ApiException;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/** Admin routes for collectors: mint (the token is shown once), list, show, retire, samples. */
public final class CollectorRoutes {
  static final int MAX_TTL_DAYS = 366;
  static final int MAX_SAMPLES = 100_000;

  private final CollectorRegistry registry;
  private final SampleReader samples;
  private final ObjectMapper json;
  private final Clock clock;

  public CollectorRoutes(
      CollectorRegistry registry, SampleReader samples, ObjectMapper json, Clock clock) {
    this.registry = registry;
    this.samples = samples;
    this.json = json;
    this.clock = clock;
  }

  public void register(RoutesConfig routes) {
    routes.post("/api/v1/collectors", this::mint);
    routes.get("/api/v1/collectors", ctx -> ctx.json(Map.of("collectors", registry.list())));
    routes.get("/api/v1/collectors/{id}", ctx -> ctx.json(found(id(ctx))));
    routes.delete("/api/v1/collectors/{id}", this::retire);
    routes.get("/api/v1/collectors/{id}/samples", this::samples);
  }

  private void mint(Context ctx) {
    JsonNode req = body(ctx);
    String label = req.path("label").isTextual() ? req.path("label").asText() : null;
    if (label != null && label.length() > 200) {
      throw ApiException.badRequest("label is longer than 200 characters");
    }
    int ttlDays = 14;
    if (req.has("ttl_days")) {
      if (!req.get("ttl_days").canConvertToInt()
          || req.get("ttl_days").asInt() < 1
          || req.get("ttl_days").asInt() > MAX_TTL_DAYS) {
        throw ApiException.badRequest("ttl_days must be an integer from 1 to " + MAX_TTL_DAYS);
      }
      ttlDays = req.get("ttl_days").asInt();
    }
    Duration ttl = Duration.ofDays(ttlDays);
    if (req.has("ttl_seconds")) {
      // short TTLs are for trying the expiry path out, e.g. in tests
      long s = req.get("ttl_seconds").asLong(-1);
      if (s < 1 || s > MAX_TTL_DAYS * 86_400L) {
        throw ApiException.badRequest("ttl_seconds must be from 1 to " + MAX_TTL_DAYS * 86_400L);
      }
      ttl = Duration.ofSeconds(s);
    }
    MintedCollector m = registry.mint(label, "manual", null, ttl);
    ctx.status(201).json(m);
  }

  private void retire(Context ctx) {
    int id = id(ctx);
    if (!registry.retire(id)) {
      throw ApiException.notFound("no collector " + id);
    }
    ctx.status(204);
  }

  private void samples(Context ctx) {
    int id = id(ctx);
    found(id);
    Instant now = clock.instant();
    Instant from = epoch(ctx, "from", now.minus(Duration.ofDays(1)));
    Instant to = epoch(ctx, "to", now.plus(Duration.ofDays(1)));
    int limit = 10_000;
    String l = ctx.queryParam("limit");
    if (l != null) {
      try {
        limit = Integer.parseInt(l);
      } catch (NumberFormatException e) {
        limit = -1;
      }
      if (limit < 1 || limit > MAX_SAMPLES) {
        throw ApiException.badRequest("limit must be from 1 to " + MAX_SAMPLES);
      }
    }
    String metric = ctx.queryParam("metric");
    ctx.json(Map.of("collector_id", id, "samples", samples.read(id, metric, from, to, limit)));
  }

  private CollectorRecord found(int id) {
    return registry.find(id).orElseThrow(() -> ApiException.notFound("no collector " + id));
  }

  private static int id(Context ctx) {
    try {
      return Integer.parseInt(ctx.pathParam("id"));
    } catch (NumberFormatException e) {
      throw ApiException.badRequest(
          "collector id must be an integer, got '" + ctx.pathParam("id") + "'");
    }
  }

  private static Instant epoch(Context ctx, String name, Instant dflt) {
    String v = ctx.queryParam(name);
    if (v == null) {
      return dflt;
    }
    try {
      return Instant.ofEpochSecond(Long.parseLong(v));
    } catch (NumberFormatException e) {
      throw ApiException.badRequest(name + " must be epoch seconds, got '" + v + "'");
    }
  }

  private JsonNode body(Context ctx) {
    String b = ctx.body();
    if (b.isBlank()) {
      return json.createObjectNode();
    }
    try {
      JsonNode n = json.readTree(b);
      if (!n.isObject()) {
        throw ApiException.badRequest("expected a JSON object");
      }
      return n;
    } catch (IOException e) {
      throw ApiException.badRequest("not valid JSON: " + e.getMessage());
    }
  }
}
