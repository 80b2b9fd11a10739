package io.perfmetrics.web.console;

import static io.perfmetrics.web.Html.esc;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.perfmetrics.sizing.Candidate;
import io.perfmetrics.sizing.Confidence;
import io.perfmetrics.sizing.Demand;
import io.perfmetrics.sizing.FleetReport;
import io.perfmetrics.sizing.Host;
import io.perfmetrics.sizing.HostSizing;
import io.perfmetrics.sizing.PricingModel;
import io.perfmetrics.sizing.SizingQuery;
import io.perfmetrics.sizing.SizingRoutes;
import io.perfmetrics.sizing.SizingService;
import io.perfmetrics.web.ApiException;
import io.perfmetrics.web.Console;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * {@code /sizing}: the fleet report with its parameters as a form, totals per provider, a sortable
 * table and the CSV export; {@code /sizing/{host}}: one host's demand, charts, candidates and
 * rejected types. Both take the query parameters of {@code GET /api/v1/sizing} and validate them
 * with the same code, so a page and its export always say the same thing.
 */
public final class SizingPages {
  /** The form's fields, in the order the API documents them; also what links carry along. */
  private static final List<String> PARAMS =
      List.of("provider", "region", "os", "pricing", "percentile", "headroom", "lookback_days", "family", "arch");

  private final Console console;
  private final SizingService sizing;

  public SizingPages(Console console, SizingService sizing) {
    this.console = console;
    this.sizing = sizing;
  }

  public void register(RoutesConfig routes) {
    routes.get("/sizing", this::fleet);
    routes.get("/sizing/{host}", this::host);
  }

  private void fleet(Context ctx) {
    StringBuilder b = new StringBuilder();
    SizingQuery q;
    Set<String> ratings;
    try {
      q = SizingRoutes.query(ctx);
      ratings = SizingRoutes.confidence(ctx);
    } catch (ApiException e) {
      b.append("<p class=\"flash error\" id=\"sizing-error\">").append(esc(e.detail())).append("</p>");
      b.append(form(ctx, "/sizing", true));
      ctx.status(400).html(console.page(ctx, "Sizing", "/sizing", b.toString()));
      return;
    }
    FleetReport r = sizing.fleet(q);
    if (ratings != null) {
      r = r.withConfidence(ratings);
    }
    String query = query(ctx, true);
    b.append(form(ctx, "/sizing", true));
    b.append("<p class=\"actions\"><a class=\"button\" id=\"sizing-csv\" href=\"/api/v1/sizing?format=csv")
        .append(query.isEmpty() ? "" : "&amp;" + esc(query)).append("\" download=\"sizing.csv\">Export CSV</a>")
        .append("<a class=\"button\" href=\"/api/v1/sizing").append(query.isEmpty() ? "" : "?" + esc(query))
        .append("\">JSON</a></p>");
    b.append("<p class=\"hint\">").append(esc(describe(r.parameters()))).append("</p>");

    b.append("<h2>Totals</h2><table id=\"sizing-totals\"><thead><tr><th>Provider</th><th class=\"num\">Hosts</th>"
        + "<th class=\"num\">Sized</th><th class=\"num\">Current $/month</th><th class=\"num\">Recommended $/month</th>"
        + "<th class=\"num\">Savings $/month</th></tr></thead><tbody>");
    double cur = 0;
    double rec = 0;
    double sav = 0;
    int hosts = 0;
    int sized = 0;
    for (FleetReport.ProviderTotal t : r.totals()) {
      b.append("<tr data-provider=\"").append(esc(t.provider())).append("\"><td>").append(esc(t.provider()))
          .append("</td><td class=\"num\">").append(t.hosts()).append("</td><td class=\"num\">").append(t.sized())
          .append("</td><td class=\"num\">").append(money(t.currentMonthly())).append("</td><td class=\"num\">")
          .append(money(t.recommendedMonthly())).append("</td><td class=\"num\">").append(money(t.monthlySavings()))
          .append("</td></tr>");
      hosts += t.hosts();
      sized += t.sized();
      cur += t.currentMonthly();
      rec += t.recommendedMonthly();
      sav += t.monthlySavings();
    }
    b.append("</tbody><tfoot><tr id=\"sizing-total-all\"><th>All</th><th class=\"num\">").append(hosts)
        .append("</th><th class=\"num\">").append(sized).append("</th><th class=\"num\">").append(money(cur))
        .append("</th><th class=\"num\">").append(money(rec)).append("</th><th class=\"num\">").append(money(sav))
        .append("</th></tr></tfoot></table>");

    b.append("<h2>Hosts</h2>");
    if (r.hosts().isEmpty()) {
      b.append("<p class=\"empty\" id=\"sizing-empty\">")
          .append(ratings == null
              ? "No hosts yet: deploy collectors; a host is sized once it has reported for 6 hours."
              : "No host has the confidence asked for.")
          .append("</p>");
    } else {
      b.append("<p class=\"hint\">Click a column heading to sort.</p>")
          .append("<table id=\"sizing-report\" class=\"sortable\"><thead><tr>")
          .append("<th data-type=\"text\">Host</th><th data-type=\"text\">Status</th><th data-type=\"text\">Provider</th>")
          .append("<th data-type=\"text\">Region</th><th data-type=\"text\">Current type</th>")
          .append("<th data-type=\"num\" class=\"num\">Current $/month</th><th data-type=\"text\">Recommended</th>")
          .append("<th data-type=\"num\" class=\"num\">Recommended $/month</th><th data-type=\"num\" class=\"num\">Savings $/month</th>")
          .append("<th data-type=\"num\" class=\"num\">vCPU needed</th><th data-type=\"num\" class=\"num\">Memory needed (GiB)</th>")
          .append("<th data-type=\"num\">Confidence</th></tr></thead><tbody>");
      for (HostSizing h : r.hosts()) {
        Demand d = h.demand();
        Confidence c = h.confidence();
        b.append("<tr data-host-id=\"").append(h.hostId()).append("\"><td><a href=\"/sizing/").append(h.hostId())
            .append(query.isEmpty() ? "" : "?" + esc(query)).append("\">")
            .append(esc(h.hostname() == null ? "collector " + h.hostId() : h.hostname())).append("</a></td>")
            .append("<td><span class=\"badge status-").append(esc(h.status())).append("\">").append(esc(Fmt.state(h.status())))
            .append("</span></td><td>").append(Pages.orDash(h.provider())).append("</td><td>").append(Pages.orDash(h.region()))
            .append("</td><td>").append(Pages.orDash(h.currentType())).append("</td>")
            .append(numCell(h.current() == null ? null : h.current().monthly(), SizingPages::money))
            .append("<td>").append(h.recommended() == null ? "—" : esc(h.recommended().type())).append("</td>")
            .append(numCell(h.recommended() == null ? null : h.recommended().monthly(), SizingPages::money))
            .append(numCell(h.monthlySavings(), SizingPages::money))
            .append(numCell(d == null ? null : d.vcpuNeeded(), SizingPages::two))
            .append(numCell(d == null ? null : d.memoryNeededGib(), SizingPages::two))
            .append("<td data-sort=\"").append(rank(c)).append("\"><span class=\"badge confidence-")
            .append(esc(c == null ? "insufficient" : c.rating())).append("\">")
            .append(esc(c == null ? "insufficient" : c.rating())).append("</span>")
            .append(c == null ? "" : " <small>" + Math.round(c.share() * 100) + "% of samples, " + c.daysCovered() + " d</small>")
            .append("</td></tr>");
      }
      b.append("</tbody></table>");
    }
    ctx.html(console.page(ctx, "Sizing", "/sizing", b.toString()));
  }

  private void host(Context ctx) {
    String key = ctx.pathParam("host");
    List<Host> found = sizing.find(key);
    if (found.isEmpty()) {
      throw ApiException.notFound("no host with collector id or hostname '" + key + "'");
    }
    if (found.size() > 1) {
      Pages.back(ctx, "/sizing", "err", "hostname '" + key + "' names " + found.size() + " hosts: pick one from the list");
      return;
    }
    Host host = found.get(0);
    String title = "Sizing · " + (host.name() == null ? "collector " + host.id() : host.name());
    StringBuilder b = new StringBuilder();
    SizingQuery q;
    try {
      q = SizingRoutes.query(ctx);
    } catch (ApiException e) {
      b.append("<p class=\"flash error\" id=\"sizing-error\">").append(esc(e.detail())).append("</p>")
          .append(form(ctx, "/sizing/" + host.id(), false));
      ctx.status(400).html(console.page(ctx, title, "/sizing", b.toString()));
      return;
    }
    HostSizing h = sizing.host(host, q);
    String query = query(ctx, false);
    String back = query(ctx, true);
    b.append("<p><a href=\"/sizing").append(back.isEmpty() ? "" : "?" + esc(back)).append("\">All hosts</a></p>");
    b.append(form(ctx, "/sizing/" + host.id(), false));
    b.append("<p class=\"actions\"><a class=\"button\" id=\"host-csv\" href=\"/api/v1/sizing/").append(h.hostId())
        .append("?format=csv").append(query.isEmpty() ? "" : "&amp;" + esc(query)).append("\" download=\"sizing-")
        .append(h.hostId()).append(".csv\">Export CSV</a><a class=\"button\" href=\"/collectors/").append(h.hostId())
        .append("\">Collector</a></p>");

    Demand d = h.demand();
    Confidence c = h.confidence();
    b.append("<dl class=\"facts\" id=\"host-facts\"><dt>Status</dt><dd><span class=\"badge status-").append(esc(h.status()))
        .append("\">").append(esc(Fmt.state(h.status()))).append("</span></dd>")
        .append("<dt>Provider / region</dt><dd>").append(Pages.orDash(h.provider())).append(" / ").append(Pages.orDash(h.region())).append("</dd>")
        .append("<dt>OS licence, pricing</dt><dd>").append(Pages.orDash(h.os())).append(", ").append(Pages.orDash(h.pricing())).append("</dd>")
        .append("<dt>Runs as now</dt><dd>").append(Pages.orDash(h.currentType()))
        .append(h.current() == null ? "" : " — " + h.current().vcpu() + " vCPU, " + two(h.current().memoryGib()) + " GiB, $"
            + money(h.current().monthly()) + "/month")
        .append("</dd><dt>Recommended</dt><dd id=\"host-recommended\">")
        .append(h.recommended() == null ? "—" : esc(h.recommended().type()) + " — " + h.recommended().vcpu() + " vCPU, "
            + two(h.recommended().memoryGib()) + " GiB, $" + money(h.recommended().monthly()) + "/month")
        .append("</dd><dt>Savings</dt><dd>").append(h.monthlySavings() == null ? "—" : "$" + money(h.monthlySavings()) + "/month")
        .append("</dd><dt>Confidence</dt><dd>")
        .append(c == null ? "—" : esc(c.rating()) + " — " + c.samplesPresent() + " of " + c.samplesExpected()
            + " expected CPU samples (" + Math.round(c.share() * 100) + "%), " + c.daysCovered() + " day(s) covered")
        .append("</dd></dl>");
    if (h.notes() != null && !h.notes().isEmpty()) {
      b.append("<ul class=\"notes\" id=\"host-notes\">");
      h.notes().forEach(n -> b.append("<li>").append(esc(n)).append("</li>"));
      b.append("</ul>");
    }

    if (d != null) {
      String p = "p" + two(d.percentile()).replaceAll("\\.00$", "");
      b.append("<h2>Demand</h2><table id=\"host-demand\"><thead><tr><th></th><th class=\"num\">").append(esc(p))
          .append(" observed</th><th class=\"num\">Needed (× ").append(two(d.headroom()))
          .append(" headroom)</th><th class=\"num\">Recommended type</th><th class=\"num\">Runs as now</th></tr></thead><tbody>")
          .append("<tr><td>vCPU</td>").append(numCell(d.vcpuUsed(), SizingPages::two)).append(numCell(d.vcpuNeeded(), SizingPages::two))
          .append(numCell(h.recommended() == null ? null : (double) h.recommended().vcpu(), SizingPages::two))
          .append(numCell(h.current() == null ? d.cpuCount() : Double.valueOf(h.current().vcpu()), SizingPages::two)).append("</tr>")
          .append("<tr><td>Memory (GiB)</td>").append(numCell(d.memoryUsedGib(), SizingPages::two))
          .append(numCell(d.memoryNeededGib(), SizingPages::two))
          .append(numCell(h.recommended() == null ? null : h.recommended().memoryGib(), SizingPages::two))
          .append(numCell(h.current() == null ? null : h.current().memoryGib(), SizingPages::two)).append("</tr>")
          .append("<tr><td>Network (busier direction)</td>").append(numCell(d.networkBytesPerS(), SizingPages::rate))
          .append(numCell(d.networkNeededGbps() == null ? null : d.networkNeededGbps(), v -> two(v) + " Gbit/s"))
          .append("<td class=\"num\">").append(h.recommended() == null ? "—" : Pages.orDash(h.recommended().networkClass()))
          .append("</td><td class=\"num\">").append(h.current() == null ? "—" : Pages.orDash(h.current().networkClass())).append("</td></tr>")
          .append("<tr><td>Disk read / write</td><td class=\"num\">").append(rateOrDash(d.diskReadBytesPerS())).append(" / ")
          .append(rateOrDash(d.diskWriteBytesPerS()))
          .append("</td><td class=\"num\" colspan=\"3\">reported only: the catalog states no disk throughput</td></tr>")
          .append("</tbody></table>");
    }

    b.append("<h2>Over time</h2><p class=\"hint\">Hourly mean and maximum over the lookback window, from <code>GET /api/v1/sizing/")
        .append(h.hostId()).append("</code>; the flat lines are the percentile the report uses, what the host needs with headroom,")
        .append(" and the capacity of the recommended and the current type. <span id=\"chart-status\"></span></p>")
        .append("<div class=\"charts\" id=\"sizing-charts\" data-host-id=\"").append(h.hostId()).append("\" data-query=\"")
        .append(esc(query)).append("\">")
        .append("<figure><figcaption>CPU in use (vCPUs)</figcaption><canvas id=\"chart-sizing-cpu\"></canvas></figure>")
        .append("<figure><figcaption>Memory in use (GiB)</figcaption><canvas id=\"chart-sizing-mem\"></canvas></figure></div>")
        .append("<script src=\"").append(CollectorPages.CHART_JS).append("\" defer></script>")
        .append("<script src=\"/static/sizing.js\" defer></script>");

    b.append("<h2>Candidates</h2>");
    candidates(b, "candidates", h.candidates(), "No type fits under these parameters.");
    b.append("<h2>Rejected</h2>");
    candidates(b, "rejected", h.rejected(), "None.");
    ctx.html(console.page(ctx, title, "/sizing", b.toString()));
  }

  private static void candidates(StringBuilder b, String id, List<Candidate> list, String none) {
    if (list == null || list.isEmpty()) {
      b.append("<p class=\"empty\" id=\"").append(id).append("-none\">").append(esc(none)).append("</p>");
      return;
    }
    b.append("<table id=\"").append(id).append("\"><thead><tr><th>Type</th><th>Family</th><th class=\"num\">vCPU</th>")
        .append("<th class=\"num\">Memory (GiB)</th><th>Arch</th><th>Network</th><th class=\"num\">$/hour</th>")
        .append("<th class=\"num\">$/month</th><th>Why</th></tr></thead><tbody>");
    for (Candidate c : list) {
      b.append("<tr").append(c.chosen() ? " class=\"chosen\"" : "").append("><td>").append(esc(c.type()))
          .append(c.chosen() ? " <span class=\"badge\">chosen</span>" : "").append("</td><td>").append(esc(c.family()))
          .append("</td><td class=\"num\">").append(c.vcpu()).append("</td><td class=\"num\">").append(two(c.memoryGib()))
          .append("</td><td>").append(esc(c.arch())).append("</td><td>").append(Pages.orDash(c.networkClass()))
          .append("</td><td class=\"num\">").append(String.format(Locale.ROOT, "%.4f", c.hourly())).append("</td><td class=\"num\">")
          .append(money(c.monthly())).append("</td><td class=\"detail\">").append(esc(c.reason())).append("</td></tr>");
    }
    b.append("</tbody></table>");
  }

  /** The parameter form; GET, so a report is a link that can be bookmarked and shared. */
  private static String form(Context ctx, String action, boolean fleet) {
    Map<String, List<String>> qp = ctx.queryParamMap();
    StringBuilder b = new StringBuilder();
    b.append("<form method=\"get\" action=\"").append(esc(action)).append("\" id=\"sizing-form\" class=\"filters\">")
        .append(select("provider", "Size for provider", value(qp, "provider"),
            List.of("", "each host's own", "aws", "AWS", "azure", "Azure", "gcp", "GCP")))
        .append(input("region", "Region", value(qp, "region"), "text", "each host's own"))
        .append(select("pricing", "Pricing", value(qp, "pricing"),
            List.of(PricingModel.ON_DEMAND.param(), "on demand", PricingModel.COMMIT_1Y.param(), "1-year commitment",
                PricingModel.COMMIT_3Y.param(), "3-year commitment")))
        .append(select("os", "OS licence", value(qp, "os"), List.of("", "each host's own", "linux", "Linux", "windows", "Windows")))
        .append(input("percentile", "Percentile", value(qp, "percentile"), "number", fmtDefault(SizingQuery.DEFAULT_PERCENTILE)))
        .append(input("headroom", "Headroom", value(qp, "headroom"), "number", fmtDefault(SizingQuery.DEFAULT_HEADROOM)))
        .append(input("lookback_days", "Lookback (days)", value(qp, "lookback_days"), "number",
            String.valueOf(SizingQuery.DEFAULT_LOOKBACK_DAYS)))
        .append(input("family", "Families", value(qp, "family"), "text", "any, e.g. m7i,Dsv5 or general"))
        .append(select("arch", "Architecture", value(qp, "arch"), List.of("", "any", "x86_64", "x86_64", "arm64", "arm64")));
    if (fleet) {
      List<String> chosen = new ArrayList<>();
      qp.getOrDefault("confidence", List.of()).forEach(v -> chosen.addAll(List.of(v.split(","))));
      b.append("<fieldset id=\"sizing-confidence\"><legend>Confidence</legend>");
      for (String r : SizingRoutes.RATINGS) {
        b.append("<label class=\"check\"><input type=\"checkbox\" name=\"confidence\" value=\"").append(r).append("\" id=\"confidence-")
            .append(r).append("\"").append(chosen.contains(r) ? " checked" : "").append("> ").append(r).append("</label>");
      }
      b.append("</fieldset>");
    }
    b.append("<button type=\"submit\" id=\"sizing-apply\" class=\"primary\">Apply</button> <a href=\"").append(esc(action))
        .append("\">Defaults</a></form>");
    return b.toString();
  }

  private static String select(String name, String label, String current, List<String> valuesAndLabels) {
    StringBuilder b = new StringBuilder("<label>").append(esc(label)).append(" <select name=\"").append(name)
        .append("\" id=\"sizing-").append(name).append("\">");
    for (int i = 0; i < valuesAndLabels.size(); i += 2) {
      String v = valuesAndLabels.get(i);
      b.append("<option value=\"").append(esc(v)).append("\"").append(v.equals(current == null ? "" : current) ? " selected" : "")
          .append(">").append(esc(valuesAndLabels.get(i + 1))).append("</option>");
    }
    return b.append("</select></label>").toString();
  }

  private static String input(String name, String label, String current, String type, String placeholder) {
    return "<label>" + esc(label) + " <input name=\"" + name + "\" id=\"sizing-" + name + "\" type=\"" + type + "\""
        + ("number".equals(type) ? " step=\"any\"" : "") + " value=\"" + esc(current) + "\" placeholder=\""
        + esc(placeholder) + "\"></label>";
  }

  private static String value(Map<String, List<String>> qp, String name) {
    List<String> v = qp.get(name);
    return v == null || v.isEmpty() ? null : v.get(0);
  }

  /**
   * The request's report parameters as a query string, empty ones dropped (a GET form sends every
   * field), to carry into links and exports.
   */
  private static String query(Context ctx, boolean withConfidence) {
    List<String> parts = new ArrayList<>();
    for (String p : PARAMS) {
      String v = ctx.queryParam(p);
      if (v != null && !v.isBlank()) {
        parts.add(p + "=" + URLEncoder.encode(v.trim(), StandardCharsets.UTF_8));
      }
    }
    if (withConfidence) {
      List<String> c = ctx.queryParams("confidence").stream().filter(s -> !s.isBlank()).toList();
      if (!c.isEmpty()) {
        parts.add("confidence=" + URLEncoder.encode(String.join(",", c), StandardCharsets.UTF_8));
      }
    }
    return String.join("&", parts);
  }

  private static String describe(FleetReport.Parameters p) {
    return "p" + fmtDefault(p.percentile()) + " of each metric × " + fmtDefault(p.headroom()) + " headroom, samples since "
        + Fmt.time(p.windowStart()) + " (" + p.lookbackDays() + " d), " + p.pricing().replace('_', ' ') + " prices"
        + (p.provider() == null ? ", each host in its own cloud" : ", sized for " + p.provider())
        + (p.region() == null ? "" : " " + p.region()) + "; catalog " + p.catalog() + ".";
  }

  /** Sizing ratings in sort order: a higher rank is more trustworthy. */
  private static int rank(Confidence c) {
    return c == null ? 0 : switch (c.rating()) {
      case "high" -> 3;
      case "medium" -> 2;
      case "low" -> 1;
      default -> 0;
    };
  }

  private static String numCell(Double v, Function<Double, String> fmt) {
    return v == null
        ? "<td class=\"num\" data-sort=\"\">—</td>"
        : "<td class=\"num\" data-sort=\"" + v + "\">" + esc(fmt.apply(v)) + "</td>";
  }


  static String money(double v) {
    return String.format(Locale.ROOT, "%,.2f", v);
  }

  static String two(double v) {
    return String.format(Locale.ROOT, "%.2f", v);
  }

  private static String fmtDefault(double v) {
    return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
  }

  private static String rate(double bytesPerS) {
    if (bytesPerS >= 1e6) {
      return two(bytesPerS / 1e6) + " MB/s";
    }
    return two(bytesPerS / 1e3) + " kB/s";
  }

  private static String rateOrDash(Double v) {
    return v == null ? "—" : esc(rate(v));
  }
}
