package io.perfmetrics.web.console;

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
 * {@code /netops}: the network operations log, filtered and paged, with CSV export through the API;
 * {@code /netops/manifest}: what discovery will send, and allowlist rules to download.
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

  /**
   * The log page: the filters as typed, the protocols to choose from, the page size limit; then
   * either {@code error} (filters that could not be read) or the operations with the CSV queries
   * for this page and for all matching, the query strings of the older and newer pages (null when
   * there is none) and the range shown.
   */
  public record LogModel(
      Map<String, String> typedFilters,
      String limitTyped,
      List<String> protocols,
      int maxPage,
      String error,
      List<NetOp> ops,
      String csvPage,
      String csvAll,
      String older,
      String range,
      String newer) {
    public String typed(String key) {
      return typedFilters.getOrDefault(key, "");
    }
  }

  /** One line of the manifest's facts. */
  public record Fact(String label, String value) {}

  /** A rule set to show and download: the API's format name, its title, its text. */
  public record RuleSet(String format, String title, String text) {}

  /**
   * The manifest page: the source addresses as typed (and the appliance's own as placeholder), why
   * they could not be read, the facts, operations and rule sets, and the source part of the
   * download links' query.
   */
  public record ManifestModel(
      String given,
      String placeholder,
      String error,
      List<Fact> facts,
      List<String> operations,
      List<RuleSet> rules,
      String sourceQuery) {}

  private static final DateTimeFormatter LOCAL =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss");

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
      for (String k :
          List.of(
              "scan_id", "destination", "protocol", "source", "from", "to", "limit", "offset")) {
        String v = ctx.queryParam(k);
        if (v != null && !v.isBlank()) {
          typed.put(k, v.trim());
        }
      }
      List<String> errors = new ArrayList<>();
      Long scanId = number(typed, "scan_id", 1, Long.MAX_VALUE, null, errors);
      String protocol = typed.get("protocol");
      if (protocol != null && !PROTOCOLS.contains(protocol)) {
        errors.add(
            "protocol must be one of " + String.join(", ", PROTOCOLS) + "; got '" + protocol + "'");
      }
      Instant from = time(typed, "from", errors);
      Instant to = time(typed, "to", errors);
      Long limit = number(typed, "limit", 1, MAX_PAGE, (long) DEFAULT_PAGE, errors);
      Long offset = number(typed, "offset", 0, Long.MAX_VALUE, 0L, errors);
      var filter =
          new NetOpsLog.Filter(
              scanId,
              typed.get("destination"),
              protocol,
              typed.get("source"),
              from,
              to,
              limit == null ? DEFAULT_PAGE : limit.intValue(),
              offset == null ? 0 : offset);
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
    String limitTyped = q.typed().getOrDefault("limit", String.valueOf(DEFAULT_PAGE));
    if (!q.errors().isEmpty()) {
      console.render(
          ctx,
          "netops.jte",
          "Network operations",
          "/netops",
          new LogModel(
              q.typed(),
              limitTyped,
              PROTOCOLS,
              MAX_PAGE,
              String.join("; ", q.errors()),
              List.of(),
              null,
              null,
              null,
              null,
              null));
      return;
    }
    NetOpsLog.Filter f = q.filter();
    List<NetOp> ops = netops.query(f);
    console.render(
        ctx,
        "netops.jte",
        "Network operations",
        "/netops",
        new LogModel(
            q.typed(),
            limitTyped,
            PROTOCOLS,
            MAX_PAGE,
            null,
            ops,
            q.csv(f.limit(), f.offset()),
            q.csv(MAX_PAGE, 0),
            f.offset() > 0 ? q.page(Math.max(0, f.offset() - f.limit())) : null,
            ops.isEmpty() ? "none" : (f.offset() + 1) + "–" + (f.offset() + ops.size()),
            ops.size() == f.limit() ? q.page(f.offset() + f.limit()) : null));
  }

  private void manifestPage(Context ctx) {
    String given = ctx.queryParam("source");
    List<String> sources;
    String error = null;
    try {
      sources = Manifest.sources(given);
    } catch (IllegalArgumentException e) {
      error = e.getMessage();
      sources = List.of();
    }
    Manifest m = scans.manifest(sources);
    String srcQuery =
        sources.isEmpty()
            ? ""
            : "&source=" + URLEncoder.encode(String.join(",", sources), StandardCharsets.UTF_8);
    List<Fact> facts =
        List.of(
            new Fact("Source addresses", String.join(", ", m.sourceAddresses())),
            new Fact("TCP ports", ports(m.tcpPorts())),
            new Fact("SMB negotiate on", m.smbPorts().isEmpty() ? "none" : ports(m.smbPorts())),
            new Fact("ICMP echo", (m.icmpEcho() ? "yes" : "no") + note(m.icmpNote())),
            new Fact("nmap OS detection", (m.nmap() ? "yes" : "no") + note(m.nmapNote())),
            new Fact("Reverse DNS", m.reverseDns() ? "yes" : "no"),
            new Fact("Spacing at one address", m.hostSpacingMs() + " ms"),
            new Fact(
                "Spacing across the network",
                m.globalIntervalMs()
                    + " ms ("
                    + String.format(Locale.ROOT, "%.2f", m.globalRatePerSecond())
                    + " operations/s at most)"),
            new Fact("Addresses at a time", String.valueOf(m.concurrency())),
            new Fact("Connect timeout", m.connectTimeoutMs() + " ms"),
            new Fact("Paced operations per address", String.valueOf(m.operationsPerAddress())),
            new Fact(
                "scanlogd port weight",
                m.scanlogdPortWeight()
                    + " (scanlogd reports a scan at 21 within its"
                    + " 3-second window; privileged ports weigh 3, others 1)"),
            new Fact("Schedule", m.schedule()));
    Map<String, String> texts =
        Map.of(
            "iptables",
            m.rules().iptables(),
            "nftables",
            m.rules().nftables(),
            "netsh",
            m.rules().netsh(),
            "suricata",
            m.rules().suricata(),
            "snort-suppress",
            m.rules().snortSuppress());
    List<RuleSet> rules =
        FORMATS.entrySet().stream()
            .map(e -> new RuleSet(e.getKey(), e.getValue(), texts.get(e.getKey())))
            .toList();
    console.render(
        ctx,
        "manifest.jte",
        "Network operations manifest",
        "/netops",
        new ManifestModel(
            given == null ? "" : given,
            String.join(",", m.sourceAddresses()),
            error,
            facts,
            m.operations(),
            rules,
            srcQuery));
  }

  private static String note(String n) {
    return n == null || n.isBlank() ? "" : " (" + n + ")";
  }

  private static String ports(List<Integer> ports) {
    return ports.stream().map(String::valueOf).collect(Collectors.joining(", "));
  }

  private static Long number(
      Map<String, String> typed, String key, long min, long max, Long dflt, List<String> errors) {
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
    errors.add(
        key
            + " must be a whole number"
            + (max == Long.MAX_VALUE ? " from " + min : " from " + min + " to " + max)
            + ", got '"
            + v
            + "'");
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
      errors.add(
          key
              + " must be a date and time such as "
              + LOCAL.format(LocalDateTime.of(2025, 1, 31, 13, 5))
              + " (UTC), got '"
              + v
              + "'");
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
        .map(
            e ->
                URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)
                    + "="
                    + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
        .collect(Collectors.joining("&"));
  }
}
