package io.perfmetrics.web.console;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.perfmetrics.ingest.HostLookup;
import io.perfmetrics.network.ListenerAudit;
import io.perfmetrics.network.PortAudit;
import io.perfmetrics.network.PortsRoutes;
import io.perfmetrics.web.Console;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The Ports pages: the fleet's port audit (findings first, then every listener, filters, CSV
 * export) and one host's (the Ports section of a host).
 */
public final class PortsPages {
  /** Rows a page shows; the CSV export has them all. */
  static final int SHOWN = 1000;

  /**
   * What the ports pages render.
   *
   * @param host the host's title on a host page, null on the fleet page
   * @param query the filters as a query string, for the export links ("" when none)
   */
  public record Model(
      String host,
      Integer hostId,
      PortAudit.Filter filter,
      String query,
      int total,
      int high,
      int medium,
      int low,
      List<ListenerAudit> findings,
      List<ListenerAudit> listeners,
      int shown) {}

  private final Console console;
  private final PortAudit audit;
  private final HostLookup hosts;

  public PortsPages(Console console, PortAudit audit, HostLookup hosts) {
    this.console = console;
    this.audit = audit;
    this.hosts = hosts;
  }

  public void register(RoutesConfig routes) {
    routes.get("/ports", this::fleet);
    routes.get("/ports/{host}", this::host);
  }

  private void fleet(Context ctx) {
    PortAudit.Filter f = PortsRoutes.filter(ctx);
    PortAudit.Page p = audit.fleet(f, 0, SHOWN);
    console.render(
        ctx,
        "ports.jte",
        "Ports",
        "/ports",
        model(null, null, f, p.total(), p.high(), p.medium(), p.low(), p.listeners()));
  }

  private void host(Context ctx) {
    Integer id = Pages.host(ctx, hosts, "/ports");
    if (id == null) {
      return;
    }
    Model m = hostModel(audit, id);
    console.render(ctx, "ports.jte", "Ports of " + m.host(), "/ports", m);
  }

  /** One host's port audit, for its Ports page and the Ports section of its sizing page. */
  static Model hostModel(PortAudit audit, int id) {
    List<ListenerAudit> rows = audit.host(id);
    int high = 0;
    int medium = 0;
    int low = 0;
    for (ListenerAudit a : rows) {
      for (ListenerAudit.Finding x : a.findings()) {
        switch (x.severity()) {
          case "high" -> high++;
          case "medium" -> medium++;
          default -> low++;
        }
      }
    }
    String name = rows.isEmpty() ? "host " + id : rows.get(0).hostname();
    return model(
        name,
        id,
        PortAudit.Filter.NONE,
        rows.size(),
        high,
        medium,
        low,
        rows.size() > SHOWN ? rows.subList(0, SHOWN) : rows);
  }

  private static Model model(
      String host,
      Integer hostId,
      PortAudit.Filter f,
      int total,
      int high,
      int medium,
      int low,
      List<ListenerAudit> rows) {
    List<ListenerAudit> findings = new ArrayList<>();
    for (ListenerAudit a : rows) {
      if (!a.findings().isEmpty()) {
        findings.add(a);
      }
    }
    return new Model(
        host, hostId, f, query(f), total, high, medium, low, findings, rows, rows.size());
  }

  private static String query(PortAudit.Filter f) {
    List<String> q = new ArrayList<>();
    add(q, "host", f.host());
    add(q, "port", f.port() == null ? null : String.valueOf(f.port()));
    add(q, "process", f.process());
    add(q, "finding", f.finding());
    add(q, "severity", f.severity());
    return String.join("&", q);
  }

  private static void add(List<String> q, String name, String value) {
    if (value != null) {
      q.add(name + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8));
    }
  }
}
