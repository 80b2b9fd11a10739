package io.perfmetrics.web.console;

import static io.perfmetrics.web.Html.esc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.perfmetrics.config.DiscoverySettings;
import io.perfmetrics.discovery.DiscoveredTarget;
import io.perfmetrics.discovery.HostView;
import io.perfmetrics.discovery.OsHint;
import io.perfmetrics.discovery.Pacer;
import io.perfmetrics.discovery.ScanRequest;
import io.perfmetrics.discovery.ScanService;
import io.perfmetrics.discovery.ScanView;
import io.perfmetrics.web.ApiException;
import io.perfmetrics.web.Console;
import io.perfmetrics.web.Html;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * {@code /scans} (start a scan, the scans so far, discovered targets to accept) and
 * {@code /scans/{id}} (progress and a result per address, followed live by scans.js).
 */
public final class ScanPages {
  /** The hosts a scan page shows; a /16 has 65,536 and the API pages through them all. */
  static final int HOSTS_SHOWN = 1000;

  private static final ObjectMapper HINTS = new ObjectMapper();

  private final Console console;
  private final ScanService scans;

  public ScanPages(Console console, ScanService scans) {
    this.console = console;
    this.scans = scans;
  }

  public void register(RoutesConfig routes) {
    routes.get("/scans", this::scansPage);
    routes.post("/scans", this::start);
    routes.get("/scans/{id}", this::scanPage);
    routes.post("/scans/{id}/cancel", ctx -> {
      long id = Pages.id(ctx);
      found(id);
      scans.cancel(id);
      ctx.redirect("/scans/" + id, HttpStatus.SEE_OTHER);
    });
    routes.post("/scans/targets/{id}/accept", ctx -> {
      long id = Pages.id(ctx);
      if (scans.accept(id)) {
        Pages.back(ctx, "/scans", "msg", "Accepted discovered target " + id + ": deploy can take it now.");
      } else {
        Pages.back(ctx, "/scans", "err", "no discovered target " + id);
      }
    });
  }

  private void scansPage(Context ctx) {
    String csrf = Console.csrf(ctx);
    StringBuilder b = new StringBuilder();
    b.append("<section><h2>Start a scan</h2><form method=\"post\" action=\"/scans\" id=\"scan-form\">")
        .append(Html.csrfField(csrf))
        .append("<label>Targets <textarea name=\"targets\" id=\"scan-targets\" rows=\"4\" required"
            + " placeholder=\"10.0.0.0/24&#10;db1.example.com\"></textarea></label>")
        .append("<p class=\"hint\">IPv4 addresses, CIDR ranges and DNS names, one per line or separated by commas."
            + " The appliance's own addresses are skipped.</p>")
        .append("<label>Exclude <textarea name=\"exclude\" id=\"scan-exclude\" rows=\"2\""
            + " placeholder=\"10.0.0.1&#10;10.0.0.128/25\"></textarea></label>")
        .append("<label class=\"check\"><input type=\"checkbox\" name=\"force\" value=\"true\" id=\"scan-force\">"
            + " Allow more than a /16 (65,536 addresses), up to a /12 (1,048,576)</label>")
        .append("<button type=\"submit\" class=\"primary\" id=\"scan-submit\">Start scan</button></form>")
        .append(pacingNote()).append("</section>");

    List<ScanView> all = scans.list();
    b.append("<h2>Scans</h2>");
    if (all.isEmpty()) {
      b.append("<p class=\"empty\">No scans yet.</p>");
    } else {
      b.append("<table id=\"scans\"><thead><tr><th>#</th><th>Status</th><th>Progress</th><th>Found / alive</th>"
          + "<th>Created</th><th>Finished</th><th>Summary</th></tr></thead><tbody>");
      for (ScanView s : all) {
        b.append("<tr id=\"scan-row-").append(s.id()).append("\"><td><a href=\"/scans/").append(s.id()).append("\">")
            .append(s.id()).append("</a></td><td><span class=\"badge state-").append(esc(s.status())).append("\">")
            .append(esc(s.status())).append("</span></td><td>").append(s.done()).append(" / ").append(s.total())
            .append("</td><td>").append(s.found()).append(" / ").append(s.alive()).append("</td><td>")
            .append(Fmt.time(s.createdAt())).append("</td><td>").append(Fmt.time(s.finishedAt()))
            .append("</td><td class=\"detail\">").append(esc(s.summary())).append("</td></tr>");
      }
      b.append("</tbody></table>");
    }
    b.append(discoveredTargets(csrf));
    ctx.html(console.page(ctx, "Scans", "/scans", b.toString()));
  }

  private String pacingNote() {
    DiscoverySettings s = scans.settings();
    int ops = scans.opsPerHost();
    String echo = scans.pingUnavailable().isEmpty() ? "an echo request and " : "";
    // the global interval, not the per-address spacing, is what makes a large range slow
    Duration slash24 = Pacer.bound(256, ops, s.concurrency(), s.hostSpacing(), s.globalInterval());
    return "<p class=\"hint\" id=\"scan-pacing\">Each address gets " + ops + " paced operation(s) (" + echo
        + "a TCP connect to each of ports " + esc(join(s.ports())) + "), at least " + span(s.hostSpacing())
        + " apart at the same address, so one address takes at least "
        + span(s.hostSpacing().multipliedBy(Math.max(0, ops - 1))) + "; across the network at most one operation every "
        + span(s.globalInterval()) + ", " + s.concurrency() + " addresses at a time, so a /24 takes at least "
        + Fmt.duration(slash24.toSeconds()) + ". Every operation is logged under"
        + " <a href=\"/netops\">Network operations</a>; the <a href=\"/netops/manifest\">manifest</a> states them"
        + " ahead of time, with allowlist rules.</p>";
  }

  private String discoveredTargets(String csrf) {
    List<DiscoveredTarget> found = scans.discoveredTargets(null);
    StringBuilder b = new StringBuilder("<h2>Discovered targets</h2>");
    if (found.isEmpty()) {
      return b.append("<p class=\"empty\">None yet: a scan adds the addresses with an open port.</p>").toString();
    }
    b.append("<p class=\"hint\">Deploy takes a discovered target once it is accepted.</p>")
        .append("<table id=\"discovered-targets\"><thead><tr><th>#</th><th>Address</th><th>Port</th><th>Hostname</th>"
            + "<th>OS</th><th>Hints</th><th>Discovered</th><th>Accepted</th></tr></thead><tbody>");
    for (DiscoveredTarget t : found) {
      b.append("<tr id=\"discovered-").append(t.id()).append("\"><td>").append(t.id()).append("</td><td>")
          .append(esc(t.address())).append("</td><td>").append(t.port() == null ? "—" : t.port()).append("</td><td>")
          .append(Pages.orDash(t.hostname())).append("</td><td>").append(Pages.orDash(t.osFamily())).append("</td><td class=\"detail\">")
          .append(hints(t.osHints())).append("</td><td>").append(Fmt.time(t.discoveredAt())).append("</td><td>");
      if (t.accepted()) {
        b.append("<span class=\"badge state-active\">accepted</span>");
      } else {
        b.append("<form method=\"post\" action=\"/scans/targets/").append(t.id()).append("/accept\" class=\"inline\">")
            .append(Html.csrfField(csrf)).append("<button type=\"submit\" id=\"accept-").append(t.id())
            .append("\">Accept</button></form>");
      }
      b.append("</td></tr>");
    }
    return b.append("</tbody></table>").toString();
  }

  private void start(Context ctx) {
    ScanRequest req = new ScanRequest(list(ctx.formParam("targets")), list(ctx.formParam("exclude")),
        "true".equals(ctx.formParam("force")));
    ScanView s;
    try {
      s = scans.start(req);
    } catch (ScanService.BadScanRequest e) {
      Pages.back(ctx, "/scans", "err", e.getMessage());
      return;
    }
    ctx.redirect("/scans/" + s.id(), HttpStatus.SEE_OTHER);
  }

  private void scanPage(Context ctx) {
    long id = Pages.id(ctx);
    ScanView s = found(id);
    List<HostView> hosts = scans.hosts(id, null, HOSTS_SHOWN, 0);
    StringBuilder b = new StringBuilder();
    b.append("<section id=\"scan\" data-scan-id=\"").append(s.id()).append("\" data-status=\"").append(esc(s.status()))
        .append("\" data-hosts-shown=\"").append(HOSTS_SHOWN).append("\">")
        .append("<p><span class=\"badge state-").append(esc(s.status())).append("\" id=\"scan-status\">")
        .append(esc(s.status())).append("</span> <span id=\"scan-progress\">").append(s.done()).append(" of ")
        .append(s.total()).append(" addresses done</span></p><progress id=\"scan-bar\" max=\"")
        .append(Math.max(1, s.total())).append("\" value=\"").append(s.done()).append("\"></progress>")
        .append("<dl class=\"facts\" id=\"scan-counts\">")
        .append(count("found", "Found (open port)", s.found())).append(count("alive", "Alive, nothing open", s.alive()))
        .append(count("silent", "Silent", s.silent())).append(count("failures", "Failed", s.failures()))
        .append(count("cancelled", "Cancelled", s.cancelled())).append(count("skipped", "Skipped (own, excluded)", s.skipped()))
        .append("<dt>Elapsed</dt><dd id=\"scan-elapsed\">").append(String.format(Locale.ROOT, "%.1f s", s.elapsedSeconds()))
        .append("</dd><dt>Pacing bound</dt><dd id=\"scan-bound\">")
        .append(String.format(Locale.ROOT, "%.1f s", s.pacingBoundSeconds()))
        .append(" (the least time the pacing allows)</dd><dt>Created</dt><dd>").append(Fmt.time(s.createdAt()))
        .append("</dd><dt>Finished</dt><dd id=\"scan-finished\">").append(Fmt.time(s.finishedAt())).append("</dd></dl>")
        .append("<p id=\"scan-summary\">").append(esc(s.summary())).append("</p>");
    if ("running".equals(s.status())) {
      b.append("<form method=\"post\" action=\"/scans/").append(s.id()).append("/cancel\" class=\"inline\" id=\"scan-cancel\">")
          .append(Html.csrfField(Console.csrf(ctx)))
          .append("<button type=\"submit\" class=\"danger\" id=\"scan-cancel-submit\">Cancel scan</button></form>");
    }
    b.append("<table id=\"scan-hosts\"><thead><tr><th>Address</th><th>Name</th><th>State</th><th>Hostname</th><th>OS</th>"
        + "<th>Open ports</th><th>Hints</th><th>Detail</th></tr></thead><tbody>");
    for (HostView h : hosts) {
      b.append("<tr data-address=\"").append(esc(h.address())).append("\"><td>").append(esc(h.address()))
          .append("</td><td>").append(Pages.orDash(h.name())).append("</td><td class=\"host-state state-").append(esc(h.state()))
          .append("\">").append(esc(h.state())).append("</td><td>").append(Pages.orDash(h.hostname())).append("</td><td>")
          .append(Pages.orDash(h.osFamily())).append("</td><td>").append(esc(h.openPorts().stream().map(String::valueOf)
              .collect(Collectors.joining(", ")))).append("</td><td class=\"detail\">");
      for (OsHint o : h.hints()) {
        b.append("<div>").append(esc(hint(o))).append("</div>");
      }
      b.append("</td><td class=\"detail\">").append(esc(h.detail())).append("</td></tr>");
    }
    b.append("</tbody></table>");
    if (s.total() > HOSTS_SHOWN) {
      b.append("<p class=\"hint\">The first ").append(HOSTS_SHOWN).append(" of ").append(s.total())
          .append(" addresses; all of them: <code>GET /api/v1/scans/").append(s.id())
          .append("/hosts?limit=…&amp;offset=…</code>.</p>");
    }
    b.append("<p class=\"hint\">This page follows <code>GET /api/v1/scans/").append(s.id())
        .append("</code> every second while the scan runs. Its operations: <a id=\"scan-netops\" href=\"/netops?scan_id=")
        .append(s.id()).append("\">network operations of scan ").append(s.id()).append("</a>.</p></section>")
        .append("<p><a href=\"/scans\">Back to scans</a></p>")
        .append("<script src=\"/static/scans.js\" defer></script>");
    ctx.html(console.page(ctx, "Scan " + s.id(), "/scans", b.toString()));
  }

  /** A discovered target's hints, stored as the JSON of its {@link OsHint}s. */
  private static String hints(String json) {
    if (json == null) {
      return "";
    }
    try {
      StringBuilder b = new StringBuilder();
      for (OsHint h : HINTS.readValue(json, OsHint[].class)) {
        b.append("<div>").append(esc(hint(h))).append("</div>");
      }
      return b.toString();
    } catch (JsonProcessingException e) {
      return esc(json);
    }
  }

  /** The same words scans.js writes for a hint. */
  static String hint(OsHint h) {
    return h.source() + ": " + h.detail() + " (" + h.family() + ", " + Math.round(h.confidence() * 100) + "%)";
  }

  private static String count(String key, String label, int n) {
    return "<dt>" + esc(label) + "</dt><dd id=\"scan-" + key + "\">" + n + "</dd>";
  }

  private ScanView found(long id) {
    return scans.find(id).orElseThrow(() -> ApiException.notFound("no scan " + id));
  }

  /** Targets and excludes as typed: one per line, or separated by commas or spaces. */
  static List<String> list(String s) {
    if (s == null) {
      return List.of();
    }
    return Arrays.stream(s.split("[,\\s]+")).filter(t -> !t.isEmpty()).toList();
  }


  private static String join(List<Integer> ports) {
    return ports.stream().map(String::valueOf).collect(Collectors.joining(", "));
  }

  /** 250 ms, 16 s, 1.5 s. */
  private static String span(Duration d) {
    long ms = d.toMillis();
    if (ms < 1000) {
      return ms + " ms";
    }
    return ms % 1000 == 0 ? ms / 1000 + " s" : String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
  }

}
