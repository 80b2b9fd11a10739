package io.perfmetrics.discovery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.perfmetrics.http.ApiException;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Admin routes: scans, discovered targets, the network operations log and the manifest. */
public final class DiscoveryRoutes {
  private static final int MAX_PAGE = 10_000;

  private final ScanService scans;
  private final NetOpsLog netops;
  private final ObjectMapper json;

  public DiscoveryRoutes(ScanService scans, NetOpsLog netops, ObjectMapper json) {
    this.scans = scans;
    this.netops = netops;
    this.json = json;
  }

  public void register(RoutesConfig routes) {
    routes.post("/api/v1/scans", this::start);
    routes.get("/api/v1/scans", ctx -> ctx.json(Map.of("scans", scans.list())));
    routes.get("/api/v1/scans/{id}", ctx -> ctx.json(found(id(ctx, "id"))));
    routes.get("/api/v1/scans/{id}/hosts", this::hosts);
    routes.delete("/api/v1/scans/{id}", this::cancel);
    routes.post("/api/v1/scans/{id}/cancel", this::cancel);
    routes.get("/api/v1/discovery/targets", this::targets);
    routes.post("/api/v1/discovery/targets/{id}/accept", this::accept);
    routes.get("/api/v1/netops", this::netops);
    routes.get("/api/v1/netops/manifest", this::manifest);
  }

  private void start(Context ctx) {
    JsonNode b = body(ctx);
    List<String> targets = strings(b, "targets");
    List<String> exclude = strings(b, "exclude");
    boolean force = b.path("force").asBoolean(false);
    try {
      ctx.status(201).json(scans.start(new ScanRequest(targets, exclude, force)));
    } catch (ScanService.BadScanRequest e) {
      throw ApiException.badRequest(e.getMessage());
    }
  }

  private void cancel(Context ctx) {
    long id = id(ctx, "id");
    found(id);
    scans.cancel(id);
    ctx.json(found(id));
  }

  private void hosts(Context ctx) {
    long id = id(ctx, "id");
    found(id);
    String state = ctx.queryParam("state");
    ctx.json(Map.of("scan_id", id, "hosts", scans.hosts(id, state, limit(ctx), offset(ctx))));
  }

  private void targets(Context ctx) {
    String a = ctx.queryParam("accepted");
    Boolean accepted = a == null ? null : Boolean.parseBoolean(a);
    ctx.json(Map.of("targets", scans.discoveredTargets(accepted)));
  }

  private void accept(Context ctx) {
    long id = id(ctx, "id");
    if (!scans.accept(id)) {
      throw ApiException.notFound("no target " + id);
    }
    ctx.json(Map.of("id", id, "accepted", true));
  }

  private void netops(Context ctx) {
    String scan = ctx.queryParam("scan_id");
    Long scanId = null;
    if (scan != null) {
      try {
        scanId = Long.parseLong(scan);
      } catch (NumberFormatException e) {
        throw ApiException.badRequest("scan_id must be an integer, got '" + scan + "'");
      }
    }
    var filter =
        new NetOpsLog.Filter(
            scanId,
            ctx.queryParam("destination"),
            ctx.queryParam("protocol"),
            ctx.queryParam("source"),
            epoch(ctx, "from"),
            epoch(ctx, "to"),
            limit(ctx),
            offset(ctx));
    List<NetOp> ops = netops.query(filter);
    if ("csv".equalsIgnoreCase(ctx.queryParam("format"))) {
      ctx.contentType("text/csv; charset=utf-8")
          .header("Content-Disposition", "attachment; filename=netops.csv")
          .result(NetOpsLog.csv(ops));
    } else {
      ctx.json(Map.of("operations", ops, "limit", filter.limit(), "offset", filter.offset()));
    }
  }

  private void manifest(Context ctx) {
    List<String> sources;
    try {
      sources = Manifest.sources(ctx.queryParam("source"));
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest(e.getMessage());
    }
    Manifest m = scans.manifest(sources);
    String format = ctx.queryParam("format");
    if (format == null) {
      ctx.json(m);
      return;
    }
    String text =
        switch (format) {
          case "iptables" -> m.rules().iptables();
          case "nftables" -> m.rules().nftables();
          case "netsh" -> m.rules().netsh();
          case "suricata", "snort" -> m.rules().suricata();
          case "snort-suppress" -> m.rules().snortSuppress();
          default ->
              throw ApiException.badRequest(
                  "format must be one of iptables, nftables, netsh, suricata, snort, snort-suppress; got '"
                      + format
                      + "'");
        };
    ctx.contentType("text/plain; charset=utf-8").result(text);
  }

  private ScanView found(long id) {
    return scans.find(id).orElseThrow(() -> ApiException.notFound("no scan " + id));
  }

  private static long id(Context ctx, String name) {
    try {
      return Long.parseLong(ctx.pathParam(name));
    } catch (NumberFormatException e) {
      throw ApiException.badRequest(
          name + " must be an integer, got '" + ctx.pathParam(name) + "'");
    }
  }

  private static int limit(Context ctx) {
    String l = ctx.queryParam("limit");
    if (l == null) {
      return 1000;
    }
    try {
      int n = Integer.parseInt(l);
      if (n >= 1 && n <= MAX_PAGE) {
        return n;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw ApiException.badRequest("limit must be from 1 to " + MAX_PAGE + ", got '" + l + "'");
  }

  private static long offset(Context ctx) {
    String o = ctx.queryParam("offset");
    if (o == null) {
      return 0;
    }
    try {
      long n = Long.parseLong(o);
      if (n >= 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw ApiException.badRequest("offset must be a non-negative integer, got '" + o + "'");
  }

  private static Instant epoch(Context ctx, String name) {
    String v = ctx.queryParam(name);
    if (v == null) {
      return null;
    }
    try {
      return Instant.ofEpochSecond(Long.parseLong(v));
    } catch (NumberFormatException e) {
      throw ApiException.badRequest(name + " must be epoch seconds, got '" + v + "'");
    }
  }

  private static List<String> strings(JsonNode b, String field) {
    JsonNode n = b.path(field);
    if (n.isMissingNode() || n.isNull()) {
      return List.of();
    }
    if (!n.isArray()) {
      throw ApiException.badRequest(field + " must be an array of strings");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode e : n) {
      if (!e.isTextual()) {
        throw ApiException.badRequest(field + " must be an array of strings, found " + e);
      }
      out.add(e.asText());
    }
    return out;
  }

  private JsonNode body(Context ctx) {
    String b = ctx.body();
    if (b.isBlank()) {
      throw ApiException.badRequest("expected a JSON object with \"targets\"");
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
