package io.perfmetrics.web.console;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.perfmetrics.dependencies.DependencyRoutes;
import io.perfmetrics.dependencies.DependencyService;
import io.perfmetrics.dependencies.Edge;
import io.perfmetrics.dependencies.MoveGroup;
import io.perfmetrics.ingest.HostLookup;
import io.perfmetrics.sizing.SizingQuery;
import io.perfmetrics.sizing.SizingRoutes;
import io.perfmetrics.web.Console;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Dependencies pages: the graph of the fleet (cytoscape.js, served by the appliance) with its
 * filters, the move groups with their costs, and one host's dependencies (the host's Dependencies
 * tab). The graph's data travels as JSON in a data attribute; the script draws it.
 */
public final class DependencyPages {
  /** The cytoscape.js build the appliance serves (org.webjars.npm:cytoscape). */
  public static final String CYTOSCAPE_JS = "/webjars/cytoscape/3.33.1/dist/cytoscape.min.js";

  /** Edges the page's table lists; the graph and the CSV have them all. */
  static final int SHOWN = 2000;

  /**
   * What the page renders.
   *
   * @param host the host's title on its Dependencies tab, null on the fleet page
   * @param graph the graph's elements and the hosts' sizing, as JSON for the script
   * @param query the filters as a query string, for the export links ("" when none)
   */
  public record Model(
      String host,
      Integer hostId,
      DependencyService.Filter filter,
      int windowDays,
      String query,
      List<MoveGroup> groups,
      List<Edge> edges,
      int totalEdges,
      int infrastructureEdges,
      int hiddenInfrastructureEdges,
      String graph) {}

  private final Console console;
  private final DependencyService service;
  private final ObjectMapper json;
  private final HostLookup hosts;

  public DependencyPages(
      Console console, DependencyService service, ObjectMapper json, HostLookup hosts) {
    this.console = console;
    this.service = service;
    this.json = json;
    this.hosts = hosts;
  }

  public void register(RoutesConfig routes) {
    routes.get("/dependencies", this::fleet);
    routes.get("/dependencies/host/{host}", this::host);
  }

  private void fleet(Context ctx) {
    DependencyService.Filter f = DependencyRoutes.filter(ctx);
    int days = DependencyRoutes.windowDays(ctx);
    console.render(
        ctx,
        "dependencies.jte",
        "Dependencies",
        "/dependencies",
        model(null, null, f, days, SizingRoutes.query(ctx)));
  }

  private void host(Context ctx) {
    Integer id = Pages.host(ctx, hosts, "/dependencies");
    if (id == null) {
      return;
    }
    int days = DependencyRoutes.windowDays(ctx);
    DependencyService.Filter f = new DependencyService.Filter(String.valueOf(id), null, null, true);
    Model m = model(id, String.valueOf(id), f, days, SizingRoutes.query(ctx));
    console.render(ctx, "dependencies.jte", "Dependencies of " + m.host(), "/dependencies", m);
  }

  private Model model(
      Integer hostId, String hostKey, DependencyService.Filter f, int days, SizingQuery q) {
    DependencyService.DependencyMap map = service.map(days, f);
    List<MoveGroup> groups = service.groups(days, 1, false, q).groups();
    Map<Integer, MoveGroup.Member> sizing = new HashMap<>();
    for (MoveGroup g : groups) {
      for (MoveGroup.Member m : g.hosts()) {
        sizing.put(m.hostId(), m);
      }
    }
    List<Map<String, Object>> nodes = new ArrayList<>();
    String hostName = hostKey;
    for (DependencyService.Node n : map.nodes()) {
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("id", n.id());
      d.put("label", n.label());
      d.put("kind", n.kind());
      d.put("group", n.group());
      d.put("host_id", n.hostId());
      d.put("addresses", n.addresses());
      if (n.hostId() != null) {
        d.put("sizing", sizing.get(n.hostId()));
        if (hostId != null && n.hostId().equals(hostId)) {
          hostName = n.label();
        }
      }
      nodes.add(Map.of("data", d));
    }
    List<Map<String, Object>> edges = new ArrayList<>();
    for (Edge e : map.edges()) {
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("id", e.id());
      d.put("source", e.client().id());
      d.put("target", e.server().id());
      d.put("label", e.port() + "/" + e.proto());
      d.put("port", e.port());
      d.put("infrastructure", e.infrastructure());
      d.put("excluded", e.exclusionId() != null);
      d.put("hours", e.hours());
      d.put("client_processes", e.clientProcesses());
      d.put("server_processes", e.serverProcesses());
      edges.add(Map.of("data", d));
    }
    Map<String, Object> graph = new LinkedHashMap<>();
    graph.put("nodes", nodes);
    graph.put("edges", edges);
    graph.put("selected_group", f.group());
    String graphJson;
    try {
      graphJson = json.writeValueAsString(graph);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("maps and lists always serialise", e);
    }
    List<Edge> shown = map.edges().size() > SHOWN ? map.edges().subList(0, SHOWN) : map.edges();
    return new Model(
        hostId == null ? null : hostName,
        hostId,
        f,
        days,
        query(f, days),
        groups,
        shown,
        map.edges().size(),
        map.infrastructureEdges(),
        map.hiddenInfrastructureEdges(),
        graphJson);
  }

  private static String query(DependencyService.Filter f, int days) {
    List<String> q = new ArrayList<>();
    add(q, "host", f.host());
    add(q, "group", f.group());
    add(q, "port", f.port() == null ? null : String.valueOf(f.port()));
    if (days != DependencyService.DEFAULT_WINDOW_DAYS) {
      add(q, "window_days", String.valueOf(days));
    }
    if (!f.includeInfrastructure()) {
      add(q, "include_infrastructure", "false");
    }
    return String.join("&", q);
  }

  private static void add(List<String> q, String name, String value) {
    if (value != null) {
      q.add(name + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8));
    }
  }
}
