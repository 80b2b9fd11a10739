package io.perfmetrics.web.console;

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
import io.perfmetrics.http.ApiException;
import io.perfmetrics.web.Console;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * {@code /scans} (start a scan, the scans so far, discovered targets to accept) and {@code
 * /scans/{id}} (progress and a result per address, followed live by scans.js).
 */
public final class ScanPages {
  /** The hosts a scan page shows; a /16 has 65,536 and the API pages through them all. */
  static final int HOSTS_SHOWN = 1000;

  /**
   * What the scan form says about pacing: operations per address, whether an echo request is one of
   * them, the ports, and the least times the pacing allows (already in words: 250 ms, 1m 4s).
   */
  public record Pacing(
      int ops,
      boolean echo,
      String ports,
      String hostSpacing,
      String perAddress,
      String globalInterval,
      int concurrency,
      String slash24) {}

  /** A discovered target and its OS hints in words. */
  public record DiscoveredRow(DiscoveredTarget target, List<String> hints) {}

  public record ScansModel(Pacing pacing, List<ScanView> scans, List<DiscoveredRow> discovered) {}

  /** One of a scan's counters: its element id suffix, label and value. */
  /** A count of the scan's page; null when it is not known (a scan older than it). */
  public record Count(String key, String label, @Nullable Integer n) {}

  /** An address of a scan, its open ports and hints in words. */
  public record HostRow(HostView host, String openPorts, List<String> hints) {}

  public record ScanModel(ScanView scan, List<Count> counts, List<HostRow> hosts, int hostsShown) {}

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
    routes.post(
        "/scans/{id}/cancel",
        ctx -> {
          long id = Pages.id(ctx);
          found(id);
          scans.cancel(id);
          ctx.redirect("/scans/" + id, HttpStatus.SEE_OTHER);
        });
    routes.post(
        "/scans/targets/{id}/accept",
        ctx -> {
          long id = Pages.id(ctx);
          if (scans.accept(id)) {
            Pages.back(
                ctx,
                "/scans",
                "msg",
                "Accepted discovered target " + id + ": deploy can take it now.");
          } else {
            Pages.back(ctx, "/scans", "err", "no discovered target " + id);
          }
        });
  }

  private void scansPage(Context ctx) {
    List<DiscoveredRow> discovered =
        scans.discoveredTargets(null).stream()
            .map(t -> new DiscoveredRow(t, hints(t.osHints())))
            .toList();
    console.render(
        ctx, "scans.jte", "Scans", "/scans", new ScansModel(pacing(), scans.list(), discovered));
  }

  private Pacing pacing() {
    DiscoverySettings s = scans.settings();
    int ops = scans.opsPerHost();
    // the global interval, not the per-address spacing, is what makes a large range slow
    Duration slash24 = Pacer.bound(256, ops, s.concurrency(), s.hostSpacing(), s.globalInterval());
    return new Pacing(
        ops,
        scans.pingUnavailable().isEmpty(),
        join(s.ports()),
        span(s.hostSpacing()),
        span(s.hostSpacing().multipliedBy(Math.max(0, ops - 1))),
        span(s.globalInterval()),
        s.concurrency(),
        Fmt.duration(slash24.toSeconds()));
  }

  private void start(Context ctx) {
    ScanRequest req =
        new ScanRequest(
            list(ctx.formParam("targets")),
            list(ctx.formParam("exclude")),
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
    List<HostRow> hosts =
        scans.hosts(id, null, HOSTS_SHOWN, 0).stream()
            .map(
                h ->
                    new HostRow(
                        h,
                        h.openPorts().stream()
                            .map(String::valueOf)
                            .collect(Collectors.joining(", ")),
                        h.hints().stream().map(ScanPages::hint).toList()))
            .toList();
    List<Count> counts =
        List.of(
            new Count("found", "Found (open port)", s.found()),
            new Count("alive", "Alive, nothing open", s.alive()),
            new Count("silent", "Silent", s.silent()),
            new Count("failures", "Failed", s.failures()),
            new Count("cancelled", "Cancelled", s.cancelled()),
            new Count("skipped", "Skipped", s.skipped()),
            new Count("skipped-own", "of them the appliance's own", s.skippedOwn()),
            new Count("skipped-excluded", "of them in an excluded range", s.skippedExcluded()));
    console.render(
        ctx, "scan.jte", "Scan " + s.id(), "/scans", new ScanModel(s, counts, hosts, HOSTS_SHOWN));
  }

  /**
   * A discovered target's hints, stored as the JSON of its {@link OsHint}s; unreadable JSON is
   * shown as it is.
   */
  private static List<String> hints(String json) {
    if (json == null) {
      return List.of();
    }
    try {
      return Arrays.stream(HINTS.readValue(json, OsHint[].class)).map(ScanPages::hint).toList();
    } catch (JsonProcessingException e) {
      return List.of(json);
    }
  }

  /** The same words scans.js writes for a hint. */
  static String hint(OsHint h) {
    return h.source()
        + ": "
        + h.detail()
        + " ("
        + h.family()
        + ", "
        + Math.round(h.confidence() * 100)
        + "%)";
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
