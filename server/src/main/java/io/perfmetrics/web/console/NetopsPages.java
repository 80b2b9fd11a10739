package io.perfmetrics.web.console;

import static io.perfmetrics.web.Html.esc;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.perfmetrics.discovery.Manifest;
import io.perfmetrics.discovery.NetOp;
import io.perfmetrics.discovery.NetOpsLog;
import io.perfmetrics.discovery.ScanService;
import io.perfmetrics.web.Console;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * {@code /netops}: the network operations log, filtered and paged, with CSV export through the
 * API; {@code /netops/manifest}: what discovery will send, and allowlist rules to download.
 */
public final class NetopsPages {
  static final List<String> PROTOCOLS = List.of("icmp", "tcp", "dns", "ssh", "smb", "nmap", "http");
  static final int DEFAULT_PAGE = 100;
  static final int MAX_PAGE = 10_000;
  /** The rule sets, by the API's format name, in the order the page shows them. */
  private static final Map<String, String> FORMATS = new LinkedHashMap<>();

  static {
    FORMATS.put("iptables", "iptables (iptables-restore -n)");
    FORMATS.put("nftables", "nftables (nft -f)");
    FORMATS.put("netsh", "Windows Firewall (netsh, as Administrator)");
    FORMATS.put("suricata", "Suricata / Snort pass rules");
    FORMATS.put("snort-suppress", "Snort threshold.conf (silence sfportscan)");
  }

  private static final DateTimeFormatter LOCAL = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss");

  private final Console console;
  private final NetOpsLog netops;
  private final ScanService scans;

  public NetopsPages(Console console, NetOpsLog netops, ScanService scans) {
    this.console = console;
    this.netops = netops;
    this.scans = scans;
  }

  public void register(RoutesConfig routes) {
    routes.get("/netops", this::logPage);
    routes.get("/netops/manifest", this::manifestPage);
  }

  /** The filters as typed, and what they mean; {@code errors} says which could not be read. */
  record Query(Map<String, String> typed, NetOpsLog.Filter filter, List<String> errors) {
    static Query of(Context ctx) {
      Map<String, String> typed = new LinkedHashMap<>();
      for (String k : List.of("scan_id", "destination", "protocol", "source", "from", "to", "limit", "offset")) {
        String v = ctx.queryParam(k);
        if (v != null && !v.isBlank()) {
          typed.put(k, v.trim());
        }
      }
      List<String> errors = new ArrayList<>();
      Long scanId = number(typed, "scan_id", 1, Long.MAX_VALUE, null, errors);
      String protocol = typed.get("protocol");
      if (protocol != null && !PROTOCOLS.contains(protocol)) {
        errors.add("protocol must be one of " + String.join(", ", PROTOCOLS) + "; got '" + protocol + "'");
      }
      Instant from = time(typed, "from", errors);
      Instant to = time(typed, "to", errors);
      Long limit = number(typed, "limit", 1, MAX_PAGE, (long) DEFAULT_PAGE, errors);
      Long offset = number(typed, "offset", 0, Long.MAX_VALUE, 0L, errors);
      var filter = new NetOpsLog.Filter(scanId, typed.get("destination"), protocol, typed.get("source"), from, to,
          limit == null ? DEFAULT_PAGE : limit.intValue(), offset == null ? 0 : offset);
      return new Query(typed, filter, errors);
    }

    /** The API's CSV query for the same filters, {@code limit} rows from {@code offset}. */
    String csv(int limit, long offset) {
      NetOpsLog.Filter f = filter;
      Map<String, String> q = new LinkedHashMap<>();
      q.put("format", "csv");
      if (f.scanId() != null) {
        q.put("scan_id", f.scanId().toString());
      }
      put(q, "destination", f.destination());
      put(q, "protocol", f.protocol());
      put(q, "source", f.source());
      if (f.from() != null) {
        q.put("from", String.valueOf(f.from().getEpochSecond()));
      }
      if (f.to() != null) {
        q.put("to", String.valueOf(f.to().getEpochSecond()));
      }
      q.put("limit", String.valueOf(limit));
      q.put("offset", String.valueOf(offset));
      return encode(q);
    }

    /** This page's query string at another offset, keeping what the admin typed. */
    String page(long offset) {
      Map<String, String> q = new LinkedHashMap<>(typed);
      q.put("offset", String.valueOf(offset));
      return encode(q);
    }

    String typed(String key) {
      return typed.getOrDefault(key, "");
    }
  }

  private void logPage(Context ctx) {
    Query q = Query.of(ctx);
    StringBuilder b = new StringBuilder();
    b.append("<p class=\"hint\">Every operation the appliance sent to a network, oldest first: pings, port probes,"
        + " DNS lookups, SSH and SMB connections. What discovery will send is stated ahead of time in the"
        + " <a id=\"netops-manifest-link\" href=\"/netops/manifest\">manifest</a>, with allowlist rules.</p>");
    b.append(filterForm(q));
    if (!q.errors().isEmpty()) {
      b.append("<p class=\"flash error\" id=\"netops-error\">").append(esc(String.join("; ", q.errors())))
          .append("</p>");
      ctx.html(console.page(ctx, "Network operations", "/netops", b.toString()));
      return;
    }
    NetOpsLog.Filter f = q.filter();
    List<NetOp> ops = netops.query(f);
    b.append("<p class=\"actions\"><a class=\"button\" id=\"netops-csv\" href=\"/api/v1/netops?")
        .append(esc(q.csv(f.limit(), f.offset()))).append("\" download=\"netops.csv\">Export CSV (these rows)</a>")
        .append("<a class=\"button\" id=\"netops-csv-all\" href=\"/api/v1/netops?").append(esc(q.csv(MAX_PAGE, 0)))
        .append("\" download=\"netops.csv\">Export CSV (all matching, up to ").append(MAX_PAGE).append(")</a></p>");
    if (ops.isEmpty()) {
      b.append("<p class=\"empty\" id=\"netops-empty\">No operations match.</p>");
    } else {
      b.append("<table id=\"netops\"><thead><tr><th>Time</th><th>Destination</th><th>Port</th><th>Protocol</th>"
          + "<th>Purpose</th><th>Result</th><th>Detail</th><th>Scan</th><th>Source</th></tr></thead><tbody>");
      for (NetOp o : ops) {
        b.append("<tr data-id=\"").append(o.id()).append("\"><td>").append(Fmt.time(o.ts())).append("</td><td>")
            .append(esc(o.destination())).append("</td><td>").append(o.port() == null ? "—" : o.port())
            .append("</td><td>").append(esc(o.protocol())).append("</td><td>").append(esc(o.purpose()))
            .append("</td><td>").append(esc(o.result())).append("</td><td class=\"detail\">").append(esc(o.detail()))
            .append("</td><td>")
            .append(o.scanId() == null ? "—" : "<a href=\"/scans/" + o.scanId() + "\">" + o.scanId() + "</a>")
            .append("</td><td>").append(esc(o.source())).append("</td></tr>");
      }
      b.append("</tbody></table>");
    }
    b.append("<p class=\"paging\">");
    if (f.offset() > 0) {
      b.append("<a class=\"button\" id=\"netops-older\" href=\"/netops?")
          .append(esc(q.page(Math.max(0, f.offset() - f.limit())))).append("\">Older</a> ");
    }
    b.append("<span id=\"netops-range\">").append(ops.isEmpty() ? "none" : (f.offset() + 1) + "–" + (f.offset() + ops.size()))
        .append("</span>");
    if (ops.size() == f.limit()) {
      b.append(" <a class=\"button\" id=\"netops-newer\" href=\"/netops?").append(esc(q.page(f.offset() + f.limit())))
          .append("\">Newer</a>");
    }
    b.append("</p>");
    ctx.html(console.page(ctx, "Network operations", "/netops", b.toString()));
  }

  private static String filterForm(Query q) {
    StringBuilder b = new StringBuilder("<form method=\"get\" action=\"/netops\" id=\"netops-filter\" class=\"filters\">");
    b.append(input("Scan", "scan_id", "netops-scan", "number", q.typed("scan_id"), " min=\"1\""))
        .append(input("Destination", "destination", "netops-destination", "text", q.typed("destination"), ""))
        .append("<label>Protocol <select name=\"protocol\" id=\"netops-protocol\"><option value=\"\">any</option>");
    for (String p : PROTOCOLS) {
      b.append("<option value=\"").append(p).append("\"").append(p.equals(q.typed("protocol")) ? " selected" : "")
          .append(">").append(p).append("</option>");
    }
    b.append("</select></label>")
        .append(input("Source", "source", "netops-source", "text", q.typed("source"), " placeholder=\"discovery, deploy\""))
        .append(input("From (UTC)", "from", "netops-from", "datetime-local", q.typed("from"), " step=\"1\""))
        .append(input("To (UTC)", "to", "netops-to", "datetime-local", q.typed("to"), " step=\"1\""))
        .append(input("Page size", "limit", "netops-limit", "number",
            q.typed().getOrDefault("limit", String.valueOf(DEFAULT_PAGE)), " min=\"1\" max=\"" + MAX_PAGE + "\""))
        .append("<button type=\"submit\" id=\"netops-filter-submit\">Filter</button> <a href=\"/netops\""
            + " id=\"netops-reset\">Reset</a></form>");
    return b.toString();
  }

  private static String input(String label, String name, String id, String type, String value, String extra) {
    return "<label>" + esc(label) + " <input type=\"" + type + "\" name=\"" + name + "\" id=\"" + id + "\" value=\""
        + esc(value) + "\"" + extra + "></label>";
  }

  private void manifestPage(Context ctx) {
    String given = ctx.queryParam("source");
    List<String> sources;
    StringBuilder b = new StringBuilder();
    String error = null;
    try {
      sources = Manifest.sources(given);
    } catch (IllegalArgumentException e) {
      error = e.getMessage();
      sources = List.of();
    }
    Manifest m = scans.manifest(sources);
    String srcQuery = sources.isEmpty() ? "" : "&source=" + URLEncoder.encode(String.join(",", sources), StandardCharsets.UTF_8);
    b.append("<p class=\"hint\">What discovery sends to a network, stated before any scan, and rules that let it"
        + " through (and keep intrusion detection quiet about it). From <code>GET /api/v1/netops/manifest</code>."
        + " <a href=\"/netops\">Back to the operations log</a>.</p>")
        .append("<form method=\"get\" action=\"/netops/manifest\" id=\"manifest-source-form\">")
        .append("<label>Source addresses as the network sees the appliance (behind NAT they differ)"
            + " <input name=\"source\" id=\"manifest-source\" value=\"").append(esc(given == null ? "" : given))
        .append("\" placeholder=\"").append(esc(String.join(",", m.sourceAddresses()))).append("\"></label>")
        .append("<button type=\"submit\" id=\"manifest-source-submit\">Make rules for these</button></form>");
    if (error != null) {
      b.append("<p class=\"flash error\" id=\"manifest-error\">").append(esc(error))
          .append("; the rules below are for the appliance's own addresses.</p>");
    }
    b.append("<dl class=\"facts\" id=\"manifest-facts\">")
        .append(fact("Source addresses", String.join(", ", m.sourceAddresses())))
        .append(fact("TCP ports", ports(m.tcpPorts())))
        .append(fact("SMB negotiate on", m.smbPorts().isEmpty() ? "none" : ports(m.smbPorts())))
        .append(fact("ICMP echo", (m.icmpEcho() ? "yes" : "no") + note(m.icmpNote())))
        .append(fact("nmap OS detection", (m.nmap() ? "yes" : "no") + note(m.nmapNote())))
        .append(fact("Reverse DNS", m.reverseDns() ? "yes" : "no"))
        .append(fact("Spacing at one address", m.hostSpacingMs() + " ms"))
        .append(fact("Spacing across the network", m.globalIntervalMs() + " ms ("
            + String.format(Locale.ROOT, "%.2f", m.globalRatePerSecond()) + " operations/s at most)"))
        .append(fact("Addresses at a time", String.valueOf(m.concurrency())))
        .append(fact("Connect timeout", m.connectTimeoutMs() + " ms"))
        .append(fact("Paced operations per address", String.valueOf(m.operationsPerAddress())))
        .append(fact("scanlogd port weight", m.scanlogdPortWeight() + " (scanlogd reports a scan at 21 within its"
            + " 3-second window; privileged ports weigh 3, others 1)"))
        .append(fact("Schedule", m.schedule()))
        .append("</dl><h2>Operations</h2><ul id=\"manifest-operations\">");
    for (String op : m.operations()) {
      b.append("<li>").append(esc(op)).append("</li>");
    }
    b.append("</ul><h2>Allowlist rules</h2>");
    Map<String, String> texts = Map.of("iptables", m.rules().iptables(), "nftables", m.rules().nftables(),
        "netsh", m.rules().netsh(), "suricata", m.rules().suricata(), "snort-suppress", m.rules().snortSuppress());
    for (var e : FORMATS.entrySet()) {
      String format = e.getKey();
      b.append("<section class=\"rules\" id=\"rules-").append(format).append("\"><h3>").append(esc(e.getValue()))
          .append(" <a class=\"button\" id=\"manifest-download-").append(format)
          .append("\" href=\"/api/v1/netops/manifest?format=").append(format).append(esc(srcQuery))
          .append("\" download=\"perfmetrics-").append(format).append(".txt\">Download</a></h3><pre id=\"manifest-")
          .append(format).append("\">").append(esc(texts.get(format))).append("</pre></section>");
    }
    ctx.html(console.page(ctx, "Network operations manifest", "/netops", b.toString()));
  }

  private static String fact(String label, String value) {
    return "<dt>" + esc(label) + "</dt><dd>" + esc(value) + "</dd>";
  }

  private static String note(String n) {
    return n == null || n.isBlank() ? "" : " (" + n + ")";
  }

  private static String ports(List<Integer> ports) {
    return ports.stream().map(String::valueOf).collect(Collectors.joining(", "));
  }

  private static Long number(Map<String, String> typed, String key, long min, long max, Long dflt, List<String> errors) {
    String v = typed.get(key);
    if (v == null) {
      return dflt;
    }
    try {
      long n = Long.parseLong(v);
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // below
    }
    errors.add(key + " must be a whole number" + (max == Long.MAX_VALUE ? " from " + min : " from " + min + " to " + max)
        + ", got '" + v + "'");
    return dflt;
  }

  /** A datetime-local value (seconds optional), taken as UTC. */
  private static Instant time(Map<String, String> typed, String key, List<String> errors) {
    String v = typed.get(key);
    if (v == null) {
      return null;
    }
    try {
      return LocalDateTime.parse(v).toInstant(ZoneOffset.UTC);
    } catch (DateTimeParseException e) {
      errors.add(key + " must be a date and time such as " + LOCAL.format(LocalDateTime.of(2025, 1, 31, 13, 5))
          + " (UTC), got '" + v + "'");
      return null;
    }
  }

  private static void put(Map<String, String> q, String key, String value) {
    if (value != null) {
      q.put(key, value);
    }
  }

  private static String encode(Map<String, String> q) {
    return q.entrySet().stream()
        .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
        .collect(Collectors.joining("&"));
  }
}
