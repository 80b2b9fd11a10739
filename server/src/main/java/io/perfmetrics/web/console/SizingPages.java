package io.perfmetrics.web.console;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.perfmetrics.http.ApiException;
import io.perfmetrics.ingest.HostLookup;
import io.perfmetrics.sizing.Candidate;
import io.perfmetrics.sizing.Confidence;
import io.perfmetrics.sizing.Demand;
import io.perfmetrics.sizing.FleetReport;
import io.perfmetrics.sizing.Host;
import io.perfmetrics.sizing.HostSizing;
import io.perfmetrics.sizing.PricingModel;
import io.perfmetrics.sizing.SizingMetric;
import io.perfmetrics.sizing.SizingQuery;
import io.perfmetrics.sizing.SizingRoutes;
import io.perfmetrics.sizing.SizingService;
import io.perfmetrics.sizing.StorageLine;
import io.perfmetrics.sizing.Trend;
import io.perfmetrics.web.Console;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
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
      List.of(
          "provider",
          "region",
          "os",
          "pricing",
          "percentile",
          "headroom",
          "lookback_days",
          "family",
          "arch",
          "horizon_months",
          "storage_size");

  /** A figure for a table cell: its value to sort by (null: none, shown as a dash) and its text. */
  public record Num(Double sort, String text) {}

  /** One host of the fleet report, with its link, name and the figures of its row. */
  public record FleetRow(
      HostSizing sizing,
      String href,
      String name,
      Num currentMonthly,
      String recommendedType,
      Num recommendedMonthly,
      Num savings,
      Num vcpuNeeded,
      Num memoryNeeded,
      int confidenceRank,
      String confidence,
      String confidenceDetail,
      Num storageMonthly,
      Num totalMonthly) {}

  /**
   * The fleet page: either {@code error} (parameters that could not be read) and the form, or the
   * form, the export links, the parameters in words, totals per provider and over all, and the
   * hosts.
   */
  public record FleetModel(
      String error,
      Form form,
      String csvHref,
      String jsonHref,
      String description,
      List<FleetReport.ProviderTotal> totals,
      FleetReport.ProviderTotal all,
      List<FleetRow> hosts,
      String emptyMessage) {}

  /**
   * A line of a host's facts; {@code id} names its value element, when a test or script needs it.
   */
  public record Fact(String label, String value, String id) {}

  /** A host's demand table: observed, needed, the recommended and the current type's capacity. */
  public record DemandRows(
      String percentile,
      String headroom,
      List<Num> vcpu,
      List<Num> memory,
      List<Num> network,
      String networkRecommended,
      String networkCurrent,
      String disk) {}

  /**
   * One host's page; as {@link FleetModel}, {@code error} alone with the form when the parameters
   * are bad.
   */
  public record HostModel(
      String error,
      HostSizing sizing,
      Form form,
      String backHref,
      String csvHref,
      List<Fact> facts,
      List<String> notes,
      DemandRows demand,
      String chartQuery,
      List<Candidate> candidates,
      List<Candidate> rejected,
      List<TrendRow> trends,
      PortsPages.Model ports,
      List<DiskRow> disks,
      String storageSummary) {}

  /** One disk of the storage table, its figures formatted ("—" where none). */
  public record DiskRow(
      String disk,
      String name,
      String volumes,
      Num used,
      Num projected,
      Num provisioned,
      String sizedOn,
      Num needed,
      Num iopsNeeded,
      Num mbpsNeeded,
      String offering,
      Num size,
      Num iops,
      Num mbps,
      Num monthly,
      String price,
      String reason) {}

  static DiskRow diskRow(StorageLine l) {
    return new DiskRow(
        l.disk(),
        l.name() == null ? l.disk() : l.name(),
        l.volumes().isEmpty() ? "—" : String.join(" ", l.volumes()),
        num(l.usedGib(), SizingPages::two),
        num(l.usedGibProjected(), SizingPages::two),
        num(l.provisionedGib(), SizingPages::two),
        Fmt.orDash(l.sizedOn()),
        num(l.neededGib(), SizingPages::two),
        num(l.iopsNeeded(), Fmt::rate),
        num(l.mbpsNeeded(), SizingPages::two),
        Fmt.orDash(l.offering()),
        num(l.sizeGib(), SizingPages::fmtDefault),
        num(l.iops(), SizingPages::fmtDefault),
        num(l.mbps(), SizingPages::two),
        num(l.monthly(), SizingPages::money),
        Fmt.orDash(l.price()),
        Fmt.orDash(l.reason()));
  }

  /** Compute, storage and the two together, per month. */
  static String storageSummary(HostSizing h) {
    return "compute $"
        + (h.recommended() == null ? "—" : money(h.recommended().monthly()))
        + " + storage $"
        + (h.storageMonthly() == null ? "—" : money(h.storageMonthly()))
        + " = $"
        + (h.totalMonthly() == null ? "—" : money(h.totalMonthly()))
        + " a month";
  }

  /** One metric's trend, in the metric's own unit (% busy or GiB). */
  public record TrendRow(
      String metric,
      int days,
      String level,
      String perMonth,
      String z,
      String projected,
      boolean significant,
      String note) {}

  /**
   * The report's parameter form: text and number inputs, selects, and (fleet only) the confidence
   * checkboxes.
   */
  public record Form(String action, List<Field> fields, List<Check> confidence) {}

  /** A form field: {@code type} is select, text or number; a select has options. */
  public record Field(
      String name,
      String label,
      String type,
      String value,
      String placeholder,
      List<Option> options) {}

  public record Option(String value, String label, boolean selected) {}

  public record Check(String rating, boolean checked) {}

  private final Console console;
  private final SizingService sizing;

  private final io.perfmetrics.network.PortAudit ports;
  private final HostLookup hosts;

  public SizingPages(
      Console console,
      SizingService sizing,
      io.perfmetrics.network.PortAudit ports,
      HostLookup hosts) {
    this.console = console;
    this.sizing = sizing;
    this.ports = ports;
    this.hosts = hosts;
  }

  public void register(RoutesConfig routes) {
    routes.get("/sizing", this::fleet);
    routes.get("/sizing/{host}", this::host);
  }

  private void fleet(Context ctx) {
    SizingQuery q;
    Set<String> ratings;
    try {
      q = SizingRoutes.query(ctx);
      ratings = SizingRoutes.confidence(ctx);
    } catch (ApiException e) {
      ctx.status(400);
      console.render(
          ctx,
          "sizing.jte",
          "Sizing",
          "/sizing",
          new FleetModel(
              e.detail(),
              form(ctx, "/sizing", true),
              null,
              null,
              null,
              List.of(),
              null,
              List.of(),
              null));
      return;
    }
    FleetReport r = sizing.fleet(q);
    if (ratings != null) {
      r = r.withConfidence(ratings);
    }
    String query = query(ctx, true);
    double cur = 0;
    double rec = 0;
    double sav = 0;
    double sto = 0;
    int hosts = 0;
    int sized = 0;
    int stoPriced = 0;
    for (FleetReport.ProviderTotal t : r.totals()) {
      hosts += t.hosts();
      sized += t.sized();
      cur += t.currentMonthly();
      rec += t.recommendedMonthly();
      sav += t.monthlySavings();
      stoPriced += t.storagePriced();
      sto += t.storageMonthly();
    }
    String linkQuery = query.isEmpty() ? "" : "?" + query;
    List<FleetRow> rows = r.hosts().stream().map(h -> fleetRow(h, linkQuery)).toList();
    console.render(
        ctx,
        "sizing.jte",
        "Sizing",
        "/sizing",
        new FleetModel(
            null,
            form(ctx, "/sizing", true),
            "/api/v1/sizing?format=csv" + (query.isEmpty() ? "" : "&" + query),
            "/api/v1/sizing" + linkQuery,
            describe(r.parameters()),
            r.totals(),
            new FleetReport.ProviderTotal(
                "All", hosts, sized, cur, rec, sav, stoPriced, sto, rec + sto),
            rows,
            ratings == null
                ? "No hosts yet: deploy collectors; a host is sized once it has reported for 6 hours."
                : "No host has the confidence asked for."));
  }

  private static FleetRow fleetRow(HostSizing h, String linkQuery) {
    Demand d = h.demand();
    Confidence c = h.confidence();
    return new FleetRow(
        h,
        "/sizing/" + h.hostId() + linkQuery,
        h.hostname() == null ? "collector " + h.hostId() : h.hostname(),
        num(h.current() == null ? null : h.current().monthly(), SizingPages::money),
        h.recommended() == null ? null : h.recommended().type(),
        num(h.recommended() == null ? null : h.recommended().monthly(), SizingPages::money),
        num(h.monthlySavings(), SizingPages::money),
        num(d == null ? null : d.vcpuNeeded(), SizingPages::two),
        num(d == null ? null : d.memoryNeededGib(), SizingPages::two),
        rank(c),
        c == null ? "insufficient" : c.rating(),
        c == null ? null : Math.round(c.share() * 100) + "% of samples, " + c.daysCovered() + " d",
        num(h.storageMonthly(), SizingPages::money),
        num(h.totalMonthly(), SizingPages::money));
  }

  private void host(Context ctx) {
    Integer id = Pages.host(ctx, hosts, "/sizing");
    if (id == null) {
      return;
    }
    Host host =
        sizing
            .hostById(id)
            .orElseThrow(() -> ApiException.notFound("no host with collector id " + id));
    String title = "Sizing · " + (host.name() == null ? "collector " + host.id() : host.name());
    SizingQuery q;
    try {
      q = SizingRoutes.query(ctx);
    } catch (ApiException e) {
      ctx.status(400);
      console.render(
          ctx,
          "sizing-host.jte",
          title,
          "/sizing",
          new HostModel(
              e.detail(),
              null,
              form(ctx, "/sizing/" + host.id(), false),
              null,
              null,
              List.of(),
              List.of(),
              null,
              null,
              List.of(),
              List.of(),
              List.of(),
              null,
              List.of(),
              null));
      return;
    }
    HostSizing h = sizing.host(host, q);
    String query = query(ctx, false);
    String back = query(ctx, true);
    Demand d = h.demand();
    Confidence c = h.confidence();
    List<Fact> facts =
        List.of(
            new Fact(
                "Provider / region",
                Fmt.orDash(h.provider()) + " / " + Fmt.orDash(h.region()),
                null),
            new Fact(
                "OS licence, pricing", Fmt.orDash(h.os()) + ", " + Fmt.orDash(h.pricing()), null),
            new Fact(
                "Runs as now",
                Fmt.orDash(h.currentType())
                    + (h.current() == null
                        ? ""
                        : " — "
                            + h.current().vcpu()
                            + " vCPU, "
                            + two(h.current().memoryGib())
                            + " GiB, $"
                            + money(h.current().monthly())
                            + "/month"),
                null),
            new Fact(
                "Recommended",
                h.recommended() == null
                    ? "—"
                    : h.recommended().type()
                        + " — "
                        + h.recommended().vcpu()
                        + " vCPU, "
                        + two(h.recommended().memoryGib())
                        + " GiB, $"
                        + money(h.recommended().monthly())
                        + "/month",
                "host-recommended"),
            new Fact(
                "Savings",
                h.monthlySavings() == null ? "—" : "$" + money(h.monthlySavings()) + "/month",
                null),
            new Fact(
                "Confidence",
                c == null
                    ? "—"
                    : c.rating()
                        + " — "
                        + c.samplesPresent()
                        + " of "
                        + c.samplesExpected()
                        + " expected CPU samples ("
                        + Math.round(c.share() * 100)
                        + "%), "
                        + c.daysCovered()
                        + " day(s) covered",
                null));
    console.render(
        ctx,
        "sizing-host.jte",
        title,
        "/sizing",
        new HostModel(
            null,
            h,
            form(ctx, "/sizing/" + host.id(), false),
            "/sizing" + (back.isEmpty() ? "" : "?" + back),
            "/api/v1/sizing/" + h.hostId() + "?format=csv" + (query.isEmpty() ? "" : "&" + query),
            facts,
            h.notes() == null ? List.of() : h.notes(),
            d == null ? null : demand(h, d),
            query,
            h.candidates() == null ? List.of() : h.candidates(),
            h.rejected() == null ? List.of() : h.rejected(),
            trendRows(h),
            PortsPages.hostModel(ports, host.id()),
            h.storage() == null
                ? List.of()
                : h.storage().stream().map(SizingPages::diskRow).toList(),
            storageSummary(h)));
  }

  /** The host's trends, then each volume's used space. */
  static List<TrendRow> trendRows(HostSizing h) {
    List<TrendRow> out = new ArrayList<>();
    if (h.trends() != null) {
      h.trends().forEach(t -> out.add(trendRow(t)));
    }
    if (h.storage() != null) {
      for (StorageLine l : h.storage()) {
        if (l.trends() != null && StorageLine.PER_DISK.equals(l.source())) {
          l.trends().forEach(t -> out.add(trendRow(t)));
        }
      }
    }
    return out;
  }

  static TrendRow trendRow(Trend t) {
    boolean pct = SizingMetric.CPU_BUSY_PCT.metricName.equals(t.metric());
    java.util.function.Function<Double, String> unit =
        v ->
            v == null
                ? "—"
                : pct ? Fmt.two(v) + " %" : Fmt.two(v / (1024.0 * 1024 * 1024)) + " GiB";
    return new TrendRow(
        t.metric(),
        t.days(),
        unit.apply(t.level()),
        t.slopePerDay() == null ? "—" : unit.apply(t.slopePerDay() * Trend.DAYS_PER_MONTH),
        t.z() == null ? "—" : Fmt.two(t.z()),
        unit.apply(t.projected()),
        t.significant(),
        t.note());
  }

  private static DemandRows demand(HostSizing h, Demand d) {
    var recommended = h.recommended();
    var current = h.current();
    return new DemandRows(
        "p" + two(d.percentile()).replaceAll("\\.00$", ""),
        two(d.headroom()),
        List.of(
            num(d.vcpuUsed(), SizingPages::two),
            num(d.vcpuNeeded(), SizingPages::two),
            num(recommended == null ? null : (double) recommended.vcpu(), SizingPages::two),
            num(current == null ? d.cpuCount() : Double.valueOf(current.vcpu()), SizingPages::two)),
        List.of(
            num(d.memoryUsedGib(), SizingPages::two),
            num(d.memoryNeededGib(), SizingPages::two),
            num(recommended == null ? null : recommended.memoryGib(), SizingPages::two),
            num(current == null ? null : current.memoryGib(), SizingPages::two)),
        List.of(
            num(d.networkBytesPerS(), SizingPages::rate),
            num(
                d.networkNeededGbps() == null ? null : d.networkNeededGbps(),
                v -> two(v) + " Gbit/s")),
        recommended == null ? "—" : Fmt.orDash(recommended.networkClass()),
        current == null ? "—" : Fmt.orDash(current.networkClass()),
        rateOrDash(d.diskReadBytesPerS()) + " / " + rateOrDash(d.diskWriteBytesPerS()));
  }

  /** The parameter form; GET, so a report is a link that can be bookmarked and shared. */
  private static Form form(Context ctx, String action, boolean fleet) {
    Map<String, List<String>> qp = ctx.queryParamMap();
    List<Field> fields =
        List.of(
            select(
                "provider",
                "Size for provider",
                value(qp, "provider"),
                List.of("", "each host's own", "aws", "AWS", "azure", "Azure", "gcp", "GCP")),
            input("region", "Region", value(qp, "region"), "text", "each host's own"),
            select(
                "pricing",
                "Pricing",
                value(qp, "pricing"),
                List.of(
                    PricingModel.ON_DEMAND.param(),
                    "on demand",
                    PricingModel.COMMIT_1Y.param(),
                    "1-year commitment",
                    PricingModel.COMMIT_3Y.param(),
                    "3-year commitment")),
            select(
                "os",
                "OS licence",
                value(qp, "os"),
                List.of("", "each host's own", "linux", "Linux", "windows", "Windows")),
            input(
                "percentile",
                "Percentile",
                value(qp, "percentile"),
                "number",
                fmtDefault(SizingQuery.DEFAULT_PERCENTILE)),
            input(
                "headroom",
                "Headroom",
                value(qp, "headroom"),
                "number",
                fmtDefault(SizingQuery.DEFAULT_HEADROOM)),
            input(
                "lookback_days",
                "Lookback (days)",
                value(qp, "lookback_days"),
                "number",
                String.valueOf(SizingQuery.DEFAULT_LOOKBACK_DAYS)),
            input(
                "family", "Families", value(qp, "family"), "text", "any, e.g. m7i,Dsv5 or general"),
            select(
                "arch",
                "Architecture",
                value(qp, "arch"),
                List.of("", "the host's own", "any", "any", "x86_64", "x86_64", "arm64", "arm64")),
            input(
                "horizon_months",
                "Horizon (months)",
                value(qp, "horizon_months"),
                "number",
                "0 = today's demand"),
            select(
                "storage_size",
                "Disks sized on",
                value(qp, "storage_size"),
                List.of(
                    "", "used space × headroom", SizingQuery.SIZE_PROVISIONED, "their size now")));
    List<Check> confidence = null;
    if (fleet) {
      List<String> chosen = new ArrayList<>();
      qp.getOrDefault("confidence", List.of()).forEach(v -> chosen.addAll(List.of(v.split(","))));
      confidence =
          SizingRoutes.RATINGS.stream().map(r -> new Check(r, chosen.contains(r))).toList();
    }
    return new Form(action, fields, confidence);
  }

  private static Field select(
      String name, String label, String current, List<String> valuesAndLabels) {
    List<Option> options = new ArrayList<>();
    for (int i = 0; i < valuesAndLabels.size(); i += 2) {
      String v = valuesAndLabels.get(i);
      options.add(
          new Option(v, valuesAndLabels.get(i + 1), v.equals(current == null ? "" : current)));
    }
    return new Field(name, label, "select", current, null, options);
  }

  private static Field input(
      String name, String label, String current, String type, String placeholder) {
    return new Field(name, label, type, current == null ? "" : current, placeholder, List.of());
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
    return "p"
        + fmtDefault(p.percentile())
        + " of each metric × "
        + fmtDefault(p.headroom())
        + " headroom, samples since "
        + Fmt.time(p.windowStart())
        + " ("
        + p.lookbackDays()
        + " d), "
        + p.pricing().replace('_', ' ')
        + " prices"
        + (p.provider() == null ? ", each host in its own cloud" : ", sized for " + p.provider())
        + (p.region() == null ? "" : " " + p.region())
        + "; catalog "
        + p.catalog()
        + ".";
  }

  /** Sizing ratings in sort order: a higher rank is more trustworthy. */
  private static int rank(Confidence c) {
    return c == null
        ? 0
        : switch (c.rating()) {
          case "high" -> 3;
          case "medium" -> 2;
          case "low" -> 1;
          default -> 0;
        };
  }

  private static Num num(Double v, Function<Double, String> fmt) {
    return v == null ? new Num(null, "—") : new Num(v, fmt.apply(v));
  }

  static String money(double v) {
    return Fmt.money(v);
  }

  static String two(double v) {
    return Fmt.two(v);
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
    return v == null ? "—" : rate(v);
  }
}
