package io.perfmetrics.dependencies;

import static io.perfmetrics.http.QueryParams.blank;
import static io.perfmetrics.http.QueryParams.csv;
import static io.perfmetrics.http.QueryParams.intParam;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.perfmetrics.http.ApiException;
import io.perfmetrics.http.JsonBodies;
import io.perfmetrics.ingest.HostLookup;
import io.perfmetrics.sizing.SizingQuery;
import io.perfmetrics.sizing.SizingRoutes;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Admin routes of the dependency map and move groups: {@code /api/v1/dependencies}, {@code
 * /api/v1/groups}, {@code /api/v1/groups/{id}}, and the operator's {@code /api/v1/dependency-pins},
 * {@code /api/v1/dependency-exclusions}, {@code /api/v1/dependency-infrastructure}.
 */
public final class DependencyRoutes {
  private static final Pattern GROUP_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}");
  private static final Pattern CIDR = Pattern.compile("[0-9A-Fa-f.:]+(/[0-9]{1,3})?");

  private final DependencyService service;
  private final HostLookup hosts;

  public DependencyRoutes(DependencyService service, HostLookup hosts) {
    this.service = service;
    this.hosts = hosts;
  }

  public void register(RoutesConfig routes) {
    routes.get("/api/v1/dependencies", this::map);
    routes.get("/api/v1/groups", this::groups);
    routes.get("/api/v1/groups/{id}", this::group);
    routes.get("/api/v1/dependency-pins", ctx -> ctx.json(Map.of("pins", service.pins())));
    routes.put("/api/v1/dependency-pins/{host}", this::pin);
    routes.delete("/api/v1/dependency-pins/{host}", this::unpin);
    routes.get(
        "/api/v1/dependency-exclusions",
        ctx -> ctx.json(Map.of("exclusions", service.exclusions())));
    routes.post("/api/v1/dependency-exclusions", this::exclude);
    routes.delete("/api/v1/dependency-exclusions/{id}", this::deleteExclusion);
    routes.get("/api/v1/dependency-infrastructure", ctx -> ctx.json(infrastructureList(service)));
    routes.post("/api/v1/dependency-infrastructure", this::addInfrastructure);
    routes.delete("/api/v1/dependency-infrastructure/{id}", this::deleteInfrastructure);
  }

  private void map(Context ctx) {
    DependencyService.DependencyMap m = service.map(windowDays(ctx), filter(ctx));
    if (csv(ctx)) {
      ctx.contentType("text/csv; charset=utf-8")
          .header("Content-Disposition", "attachment; filename=\"dependencies.csv\"")
          .result(DependenciesCsv.edges(m.edges()));
      return;
    }
    ctx.json(m);
  }

  private void groups(Context ctx) {
    DependencyService.Groups g =
        service.groups(
            windowDays(ctx),
            minHours(ctx),
            bool(ctx, "include_infrastructure", false),
            sizing(ctx));
    if (csv(ctx)) {
      ctx.contentType("text/csv; charset=utf-8")
          .header("Content-Disposition", "attachment; filename=\"groups.csv\"")
          .result(DependenciesCsv.groups(g.groups()));
      return;
    }
    ctx.json(
        new DependencyService.Groups(
            g.windowStart(),
            g.windowDays(),
            g.minHours(),
            g.includeInfrastructure(),
            g.sizingParameters(),
            g.groups().stream().map(MoveGroup::summary).toList()));
  }

  private void group(Context ctx) {
    String id = ctx.pathParam("id");
    MoveGroup g =
        service
            .group(
                id,
                windowDays(ctx),
                minHours(ctx),
                bool(ctx, "include_infrastructure", false),
                sizing(ctx))
            .orElseThrow(
                () ->
                    ApiException.notFound(
                        "no move group '"
                            + id
                            + "' in this window (ids are g<host id> or pin:<name>; GET"
                            + " /api/v1/groups lists them)"));
    if (csv(ctx)) {
      ctx.contentType("text/csv; charset=utf-8")
          .header("Content-Disposition", "attachment; filename=\"group-edges.csv\"")
          .result(DependenciesCsv.edges(concat(g.internalEdges(), g.externalDependencies())));
      return;
    }
    ctx.json(g);
  }

  private void pin(Context ctx) {
    int host = hosts.resolve(ctx.pathParam("host"));
    JsonNode body = JsonBodies.object(ctx);
    String group = JsonBodies.text(body, "group");
    if (group == null || !GROUP_NAME.matcher(group).matches()) {
      throw ApiException.badRequest(
          "group must be a name of 1 to 100 letters, digits, spaces, '.', '_' or '-', starting"
              + " with a letter or digit, got "
              + (group == null ? "none" : "'" + group + "'"));
    }
    String note = JsonBodies.text(body, "note");
    ctx.json(service.pin(host, group, note == null ? "" : note));
  }

  private void unpin(Context ctx) {
    int host = hosts.resolve(ctx.pathParam("host"));
    if (!service.unpin(host)) {
      throw ApiException.notFound("host " + host + " is not pinned");
    }
    ctx.status(204);
  }

  private void exclude(Context ctx) {
    JsonNode body = JsonBodies.object(ctx);
    int client = hostField(body, "client");
    int server = hostField(body, "server");
    if (client == server) {
      throw ApiException.badRequest("client and server are the same host (" + client + ")");
    }
    Integer port = portField(body, "port");
    String proto = protoField(body);
    String note = JsonBodies.text(body, "note");
    ctx.status(201)
        .json(
            service.exclude(
                new Exclusion(null, client, server, port, proto, note == null ? "" : note)));
  }

  private void deleteExclusion(Context ctx) {
    long id = JsonBodies.id(ctx, "id");
    if (!service.deleteExclusion(id)) {
      throw ApiException.notFound("no dependency exclusion " + id);
    }
    ctx.status(204);
  }

  private void addInfrastructure(Context ctx) {
    JsonNode body = JsonBodies.object(ctx);
    String kind = JsonBodies.text(body, "kind");
    String label = JsonBodies.text(body, "label");
    if (label == null || label.isBlank() || label.length() > 100) {
      throw ApiException.badRequest(
          "label must say what the service is (1 to 100 characters), e.g. \"monitoring\"");
    }
    InfraRule r =
        switch (kind == null ? "" : kind) {
          case "port" -> {
            Integer port = portField(body, "port");
            if (port == null) {
              throw ApiException.badRequest("a port rule needs \"port\" (0 to 65535)");
            }
            yield new InfraRule(null, "port", port, protoField(body), null, null, label);
          }
          case "address" -> {
            String a = JsonBodies.text(body, "address");
            if (a == null || !CIDR.matcher(a).matches() || !validCidr(a)) {
              throw ApiException.badRequest(
                  "an address rule needs \"address\": an IP address or range such as 10.0.0.0/24"
                      + " or 2001:db8::/64, got "
                      + (a == null ? "none" : "'" + a + "'"));
            }
            yield new InfraRule(null, "address", null, null, network(a), null, label);
          }
          case "host" -> {
            String h = JsonBodies.text(body, "host");
            if (h == null) {
              JsonNode n = body.get("host");
              h = n != null && n.canConvertToInt() ? String.valueOf(n.asInt()) : null;
            }
            if (h == null) {
              throw ApiException.badRequest(
                  "a host rule needs \"host\": a collector id or hostname");
            }
            yield new InfraRule(null, "host", null, null, null, hosts.resolve(h), label);
          }
          default ->
              throw ApiException.badRequest(
                  "kind must be port, address or host, got "
                      + (kind == null ? "none" : "'" + kind + "'"));
        };
    ctx.status(201).json(service.addInfrastructure(r));
  }

  private void deleteInfrastructure(Context ctx) {
    long id = JsonBodies.id(ctx, "id");
    if (!service.deleteInfrastructure(id)) {
      throw ApiException.notFound("no infrastructure rule " + id);
    }
    ctx.status(204);
  }

  /** The operator's list with the built-in services, so one answer shows everything that counts. */
  public static Map<String, Object> infrastructureList(DependencyService service) {
    Map<String, Object> out = new LinkedHashMap<>();
    Map<String, String> builtIn = new java.util.TreeMap<>();
    EdgeBuilder.INFRA_PORTS.forEach((p, name) -> builtIn.put(String.valueOf(p), name));
    out.put("built_in_ports", builtIn);
    out.put(
        "built_in_rules",
        List.of(
            "edges to or from the appliance's own addresses",
            "SSH (22) and RDP (3389) from a client that reaches "
                + EdgeBuilder.JUMP_HOST_SERVERS
                + " or more hosts on them (a jump host)"));
    out.put("rules", service.infrastructure());
    return out;
  }

  // ---- parameters

  private int hostField(JsonNode body, String field) {
    JsonNode n = body.get(field);
    if (n == null || n.isNull()) {
      throw ApiException.badRequest(field + " is required: a collector id or hostname");
    }
    if (n.canConvertToInt() && n.isIntegralNumber()) {
      return hosts.resolve(String.valueOf(n.asInt()));
    }
    if (n.isTextual()) {
      return hosts.resolve(n.asText());
    }
    throw ApiException.badRequest(field + " must be a collector id or hostname");
  }

  private static Integer portField(JsonNode body, String field) {
    JsonNode n = body.get(field);
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isIntegralNumber() || n.asLong() < 0 || n.asLong() > 65535) {
      throw ApiException.badRequest(field + " must be a whole number from 0 to 65535, got " + n);
    }
    return n.asInt();
  }

  private static String protoField(JsonNode body) {
    String p = JsonBodies.text(body, "proto");
    if (p != null && !p.equals("tcp") && !p.equals("udp")) {
      throw ApiException.badRequest("proto must be tcp or udp, got '" + p + "'");
    }
    return p;
  }

  private static boolean validCidr(String a) {
    int slash = a.indexOf('/');
    String addr = slash < 0 ? a : a.substring(0, slash);
    java.net.InetAddress ip = EdgeBuilder.literal(addr);
    if (ip == null) {
      return false;
    }
    if (slash < 0) {
      return true;
    }
    int bits = Integer.parseInt(a.substring(slash + 1));
    return bits <= ip.getAddress().length * 8;
  }

  /** The range with its host bits cleared, as PostgreSQL's cidr type wants it. */
  private static String network(String a) {
    int slash = a.indexOf('/');
    java.net.InetAddress ip = EdgeBuilder.literal(slash < 0 ? a : a.substring(0, slash));
    int bits = slash < 0 ? ip.getAddress().length * 8 : Integer.parseInt(a.substring(slash + 1));
    return EdgeBuilder.masked(ip.getAddress(), bits) + "/" + bits;
  }

  public static int windowDays(Context ctx) {
    return intParam(ctx, "window_days", DependencyService.DEFAULT_WINDOW_DAYS, 1, 400);
  }

  public static int minHours(Context ctx) {
    return intParam(ctx, "min_hours", 1, 1, 400 * 24);
  }

  /** The map's filters from the query string (also the console's form). */
  public static DependencyService.Filter filter(Context ctx) {
    String host = blank(ctx.queryParam("host"));
    String group = blank(ctx.queryParam("group"));
    Integer port = null;
    if (blank(ctx.queryParam("port")) != null) {
      port = intParam(ctx, "port", 0, 0, 65535);
    }
    return new DependencyService.Filter(
        host, group, port, bool(ctx, "include_infrastructure", true));
  }

  private static SizingQuery sizing(Context ctx) {
    return SizingRoutes.query(ctx);
  }

  static boolean bool(Context ctx, String name, boolean dflt) {
    String v = blank(ctx.queryParam(name));
    if (v == null) {
      return dflt;
    }
    return switch (v.toLowerCase(Locale.ROOT)) {
      case "true", "1", "yes", "on" -> true;
      case "false", "0", "no", "off" -> false;
      default -> throw ApiException.badRequest(name + " must be true or false, got '" + v + "'");
    };
  }

  private static <T> List<T> concat(List<T> a, List<T> b) {
    List<T> out = new java.util.ArrayList<>(a);
    out.addAll(b);
    return out;
  }
}
