package io.perfmetrics.network;

import static io.perfmetrics.http.QueryParams.blank;
import static io.perfmetrics.http.QueryParams.csv;
import static io.perfmetrics.http.QueryParams.intParam;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.perfmetrics.http.ApiException;
import io.perfmetrics.http.JsonBodies;
import io.perfmetrics.ingest.HostLookup;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Admin routes of the port audit and its policy: {@code /api/v1/ports}, {@code
 * /api/v1/ports/{host}}, {@code /api/v1/port-policy} (the whole policy: export and import) and
 * {@code /api/v1/port-policy/rules/{id}}.
 */
public final class PortsRoutes {
  /** The policy file's format name, so an import of some other JSON fails with a clear 400. */
  public static final String POLICY_FORMAT = "perfmetrics-port-policy";

  static final int DEFAULT_LIMIT = 500;
  static final int MAX_LIMIT = 100_000;

  private final PortAudit audit;
  private final PolicyStore policy;
  private final HostLookup hosts;

  public PortsRoutes(PortAudit audit, PolicyStore policy, HostLookup hosts) {
    this.audit = audit;
    this.policy = policy;
    this.hosts = hosts;
  }

  public void register(RoutesConfig routes) {
    routes.get("/api/v1/ports", this::fleet);
    routes.get("/api/v1/ports/{host}", this::host);
    routes.get("/api/v1/port-policy", ctx -> ctx.json(policyFile(policy.list())));
    routes.put("/api/v1/port-policy", this::importPolicy);
    routes.post("/api/v1/port-policy/rules", this::addRule);
    routes.put("/api/v1/port-policy/rules/{id}", this::updateRule);
    routes.delete("/api/v1/port-policy/rules/{id}", this::deleteRule);
  }

  private void fleet(Context ctx) {
    PortAudit.Filter f = filter(ctx);
    if (csv(ctx)) {
      ctx.contentType("text/csv; charset=utf-8")
          .header("Content-Disposition", "attachment; filename=\"ports.csv\"")
          .result(PortsCsv.listeners(PortAudit.filter(audit.fleet(), f)));
      return;
    }
    ctx.json(
        audit.fleet(
            f,
            intParam(ctx, "offset", 0, 0, Integer.MAX_VALUE),
            intParam(ctx, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)));
  }

  private void host(Context ctx) {
    int id = hosts.resolve(ctx.pathParam("host"));
    List<ListenerAudit> rows = audit.host(id);
    if (csv(ctx)) {
      ctx.contentType("text/csv; charset=utf-8")
          .header("Content-Disposition", "attachment; filename=\"ports-" + id + ".csv\"")
          .result(PortsCsv.listeners(rows));
      return;
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("host_id", id);
    out.put("listeners", rows);
    ctx.json(out);
  }

  private void importPolicy(Context ctx) {
    JsonNode body = JsonBodies.object(ctx);
    JsonNode format = body.get("format");
    if (format == null || !POLICY_FORMAT.equals(format.asText())) {
      throw ApiException.badRequest(
          "expected a policy file: {\"format\": \""
              + POLICY_FORMAT
              + "\", \"version\": 1, \"rules\": [...]}");
    }
    if (body.path("version").asInt(-1) != 1) {
      throw ApiException.badRequest("policy file version must be 1, got " + body.get("version"));
    }
    JsonNode rules = body.get("rules");
    if (rules == null || !rules.isArray()) {
      throw ApiException.badRequest("rules must be an array");
    }
    List<PolicyRule> parsed = new ArrayList<>();
    for (int i = 0; i < rules.size(); i++) {
      parsed.add(rule(rules.get(i), "rules[" + i + "]"));
    }
    List<PolicyRule> stored = policy.replaceAll(parsed);
    audit.invalidate();
    ctx.json(policyFile(stored));
  }

  private void addRule(Context ctx) {
    JsonNode body = JsonBodies.object(ctx);
    Integer place = null;
    if (body.hasNonNull("position")) {
      if (!body.get("position").canConvertToInt() || body.get("position").asInt() < 1) {
        throw ApiException.badRequest("position must be a whole number from 1 (first rule)");
      }
      place = body.get("position").asInt();
    }
    PolicyRule r = policy.add(rule(body, "rule"), place);
    audit.invalidate();
    ctx.status(201).json(r);
  }

  private void updateRule(Context ctx) {
    long id = JsonBodies.id(ctx, "id");
    PolicyRule r =
        policy
            .update(id, rule(JsonBodies.object(ctx), "rule"))
            .orElseThrow(() -> ApiException.notFound("no policy rule " + id));
    audit.invalidate();
    ctx.json(r);
  }

  private void deleteRule(Context ctx) {
    long id = JsonBodies.id(ctx, "id");
    if (!policy.delete(id)) {
      throw ApiException.notFound("no policy rule " + id);
    }
    audit.invalidate();
    ctx.status(204);
  }

  private PolicyRule rule(JsonNode n, String where) {
    if (n == null || !n.isObject()) {
      throw ApiException.badRequest(where + " must be an object");
    }
    JsonNode ports = n.get("ports");
    String portsText =
        ports == null || ports.isNull()
            ? null
            : ports.isInt()
                ? String.valueOf(ports.asInt())
                : ports.isTextual() ? ports.asText() : "?";
    try {
      return new PolicyRule(
              null,
              field(n, "action", where),
              field(n, "proto", where),
              portsText,
              field(n, "process", where),
              field(n, "host", where),
              field(n, "os_family", where),
              field(n, "severity", where),
              field(n, "note", where))
          .validated();
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest(where + ": " + e.getMessage());
    }
  }

  private static String field(JsonNode n, String name, String where) {
    try {
      return JsonBodies.text(n, name);
    } catch (ApiException e) {
      throw ApiException.badRequest(where + ": " + e.detail());
    }
  }

  /** The export (and import) format of the policy; docs/ports.md describes it. */
  static Map<String, Object> policyFile(List<PolicyRule> rules) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("format", POLICY_FORMAT);
    out.put("version", 1);
    out.put("rules", rules);
    return out;
  }

  /** The fleet audit's filters from the query string (also the console's form). */
  public static PortAudit.Filter filter(Context ctx) {
    String host = blank(ctx.queryParam("host"));
    Integer port = null;
    String p = blank(ctx.queryParam("port"));
    if (p != null) {
      port = intParam(ctx, "port", 0, 0, 65535);
    }
    String process = blank(ctx.queryParam("process"));
    String finding = blank(ctx.queryParam("finding"));
    if (finding != null && !ListenerAudit.KINDS.contains(finding)) {
      throw ApiException.badRequest(
          "finding must be one of "
              + String.join(", ", ListenerAudit.KINDS)
              + ", got '"
              + finding
              + "'");
    }
    String severity = blank(ctx.queryParam("severity"));
    if (severity != null) {
      severity = severity.toLowerCase(Locale.ROOT);
      if (!PolicyRule.SEVERITIES.contains(severity)) {
        throw ApiException.badRequest(
            "severity must be high, medium or low, got '" + ctx.queryParam("severity") + "'");
      }
    }
    return new PortAudit.Filter(host, port, process, finding, severity);
  }
}
