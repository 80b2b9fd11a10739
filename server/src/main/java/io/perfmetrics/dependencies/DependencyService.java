package io.perfmetrics.dependencies;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import io.perfmetrics.sizing.FleetReport;
import io.perfmetrics.sizing.HostSizing;
import io.perfmetrics.sizing.SizingQuery;
import io.perfmetrics.sizing.SizingService;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dependency map and the move groups. The edges of a window are computed from the connection
 * rows once and cached ({@code ttl}: new snapshots show within it; the operator's changes at once);
 * groups are formed from the cached edges per grouping option and costed by the sizing report,
 * which caches itself.
 */
public final class DependencyService {
  private static final Logger log = LoggerFactory.getLogger(DependencyService.class);
  public static final int DEFAULT_WINDOW_DAYS = 14;

  /** The map's filters; null fields match anything. */
  public record Filter(String host, String group, Integer port, boolean includeInfrastructure) {
    public static final Filter NONE = new Filter(null, null, null, true);
  }

  /** A node of the map: a host (with its group) or an external network. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Node(
      String id, String kind, Integer hostId, String label, List<String> addresses, String group) {}

  /** The map: nodes and edges of the window, with what the filter left out counted. */
  public record DependencyMap(
      Instant windowStart,
      int windowDays,
      List<Node> nodes,
      List<Edge> edges,
      int infrastructureEdges,
      int excludedEdges,
      int hiddenInfrastructureEdges) {}

  /** The groups of a window under one grouping option and one sizing query. */
  public record Groups(
      Instant windowStart,
      int windowDays,
      int minHours,
      boolean includeInfrastructure,
      FleetReport.Parameters sizingParameters,
      List<MoveGroup> groups) {}

  /** The edges of a window, exclusions applied. */
  private record Computed(Instant windowStart, List<KnownHost> hosts, List<Edge> edges) {}

  private record GroupKey(int windowDays, int minHours, boolean includeInfrastructure) {}

  private record MapKey(int windowDays, Filter filter) {}

  private record CostedKey(
      int windowDays, int minHours, boolean includeInfrastructure, SizingQuery q, long sizing) {}

  private final DependencyStore store;
  private final SizingService sizing;
  private final Clock clock;
  private final Supplier<Set<String>> applianceAddresses;
  private final Cache<Integer, Computed> edges;
  private final Cache<GroupKey, List<MoveGroup>> groups;
  // the answers themselves: a cached map of 5,000 hosts is otherwise filtered and costed again on
  // every request (tens of milliseconds)
  private final Cache<MapKey, DependencyMap> maps;
  private final Cache<CostedKey, Groups> costed;

  public DependencyService(
      DependencyStore store,
      SizingService sizing,
      Clock clock,
      Ticker ticker,
      Duration ttl,
      Supplier<Set<String>> applianceAddresses) {
    this.store = store;
    this.sizing = sizing;
    this.clock = clock;
    this.applianceAddresses = applianceAddresses;
    this.edges = Caffeine.newBuilder().ticker(ticker).expireAfterWrite(ttl).maximumSize(8).build();
    this.groups =
        Caffeine.newBuilder().ticker(ticker).expireAfterWrite(ttl).maximumSize(32).build();
    this.maps = Caffeine.newBuilder().ticker(ticker).expireAfterWrite(ttl).maximumSize(64).build();
    this.costed =
        Caffeine.newBuilder().ticker(ticker).expireAfterWrite(ttl).maximumSize(64).build();
  }

  /** Forgets everything computed: new rollups, or the operator changed pins, exclusions, rules. */
  public void invalidate() {
    edges.invalidateAll();
    groups.invalidateAll();
    maps.invalidateAll();
    costed.invalidateAll();
  }

  public DependencyMap map(int windowDays, Filter f) {
    return maps.get(new MapKey(windowDays, f), k -> buildMap(windowDays, f));
  }

  private DependencyMap buildMap(int windowDays, Filter f) {
    Computed c = computed(windowDays);
    List<MoveGroup> gs = groups(windowDays, Grouping.Options.DEFAULT);
    Map<Integer, String> groupOf = new HashMap<>();
    for (MoveGroup g : gs) {
      for (MoveGroup.Member m : g.hosts()) {
        groupOf.put(m.hostId(), g.id());
      }
    }
    Set<Integer> hostMatch = f.host() == null ? null : matchHosts(c.hosts(), f.host());
    int infra = 0;
    int excluded = 0;
    int hiddenInfra = 0;
    List<Edge> kept = new ArrayList<>();
    for (Edge e : c.edges()) {
      if (e.infrastructure() != null) {
        infra++;
      }
      if (e.exclusionId() != null) {
        excluded++;
      }
      if (hostMatch != null && !touches(e, hostMatch)) {
        continue;
      }
      if (f.group() != null
          && !f.group().equals(group(groupOf, e.client()))
          && !f.group().equals(group(groupOf, e.server()))) {
        continue;
      }
      if (f.port() != null && e.port() != f.port()) {
        continue;
      }
      if (e.infrastructure() != null && !f.includeInfrastructure()) {
        hiddenInfra++;
        continue;
      }
      kept.add(e);
    }
    Map<String, Node> nodes = new LinkedHashMap<>();
    Map<Integer, KnownHost> byId = new HashMap<>();
    c.hosts().forEach(h -> byId.put(h.id(), h));
    boolean unfiltered = hostMatch == null && f.group() == null && f.port() == null;
    if (unfiltered) {
      // every host shows, also one without edges: it is a group of its own
      for (KnownHost h : c.hosts()) {
        nodes.put("host:" + h.id(), hostNode(h, groupOf));
      }
    } else {
      for (KnownHost h : c.hosts()) {
        if ((hostMatch != null && hostMatch.contains(h.id()))
            || (f.group() != null && f.group().equals(groupOf.get(h.id())))) {
          nodes.put("host:" + h.id(), hostNode(h, groupOf));
        }
      }
    }
    for (Edge e : kept) {
      for (Endpoint p : List.of(e.client(), e.server())) {
        nodes.computeIfAbsent(
            p.id(),
            k ->
                p.isHost()
                    ? hostNode(byId.get(p.hostId()), groupOf)
                    : new Node(
                        p.id(),
                        p.id().equals("appliance") ? "appliance" : "external",
                        null,
                        p.label(),
                        p.addresses().isEmpty() ? null : p.addresses(),
                        null));
      }
    }
    return new DependencyMap(
        c.windowStart(),
        windowDays,
        List.copyOf(nodes.values()),
        List.copyOf(kept),
        infra,
        excluded,
        hiddenInfra);
  }

  /**
   * The groups costed by the sizing report under {@code q}; costed again when the sizing reports
   * were dropped (a new rollup), else kept as long as the edges.
   */
  public Groups groups(int windowDays, int minHours, boolean includeInfra, SizingQuery q) {
    return costed.get(
        new CostedKey(windowDays, minHours, includeInfra, q, sizing.generation()),
        k -> buildGroups(windowDays, minHours, includeInfra, q));
  }

  private Groups buildGroups(int windowDays, int minHours, boolean includeInfra, SizingQuery q) {
    Computed c = computed(windowDays);
    List<MoveGroup> gs = groups(windowDays, new Grouping.Options(minHours, includeInfra));
    FleetReport report = sizing.fleet(q);
    Map<Integer, HostSizing> byHost = new HashMap<>();
    for (HostSizing h : report.hosts()) {
      byHost.put(h.hostId(), h);
    }
    List<MoveGroup> costed = new ArrayList<>(gs.size());
    for (MoveGroup g : gs) {
      costed.add(cost(g, byHost));
    }
    return new Groups(
        c.windowStart(), windowDays, minHours, includeInfra, report.parameters(), costed);
  }

  public Optional<MoveGroup> group(
      String id, int windowDays, int minHours, boolean includeInfra, SizingQuery q) {
    return groups(windowDays, minHours, includeInfra, q).groups().stream()
        .filter(g -> g.id().equals(id))
        .findFirst();
  }

  // ---- the operator's decisions; each takes effect at once

  public List<Pin> pins() {
    return store.pins();
  }

  public Pin pin(int hostId, String group, String note) {
    Pin p = store.pin(hostId, group, note);
    invalidate();
    return p;
  }

  public boolean unpin(int hostId) {
    boolean removed = store.unpin(hostId);
    invalidate();
    return removed;
  }

  public List<Exclusion> exclusions() {
    return store.exclusions();
  }

  public Exclusion exclude(Exclusion x) {
    Exclusion stored = store.exclude(x);
    invalidate();
    return stored;
  }

  public boolean deleteExclusion(long id) {
    boolean removed = store.deleteExclusion(id);
    invalidate();
    return removed;
  }

  public List<InfraRule> infrastructure() {
    return store.infrastructure();
  }

  public InfraRule addInfrastructure(InfraRule r) {
    InfraRule stored = store.addInfrastructure(r);
    invalidate();
    return stored;
  }

  public boolean deleteInfrastructure(long id) {
    boolean removed = store.deleteInfrastructure(id);
    invalidate();
    return removed;
  }

  public boolean hostExists(int id) {
    return store.hostExists(id);
  }

  // ---- computing

  private Computed computed(int windowDays) {
    return edges.get(windowDays, this::compute);
  }

  private Computed compute(int windowDays) {
    // whole hours, so that the hourly rows of the first hour count whole
    Instant from = clock.instant().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofDays(windowDays));
    long t0 = System.nanoTime();
    DependencyStore.Snapshot s = store.read(from);
    long t1 = System.nanoTime();
    List<Edge> built =
        EdgeBuilder.build(
            s.hosts(),
            s.rows(),
            new EdgeBuilder.Infrastructure(applianceAddresses.get(), store.infrastructure()),
            s.names());
    List<Exclusion> xs = store.exclusions();
    List<Edge> out = new ArrayList<>(built.size());
    for (Edge e : built) {
      Long x = null;
      for (Exclusion ex : xs) {
        if (ex.matches(e)) {
          x = ex.id();
          break;
        }
      }
      out.add(x == null ? e : e.withExclusion(x));
    }
    log.info(
        "dependency map of {} day(s): {} connection keys of {} hosts read in {} ms (sums {} ms,"
            + " rows {} ms, hosts and names {} ms), {} edges built in {} ms",
        windowDays,
        s.rows().size(),
        s.hosts().size(),
        (t1 - t0) / 1_000_000,
        s.timing().sumsMs(),
        s.timing().rowsMs(),
        s.timing().hostsMs(),
        out.size(),
        (System.nanoTime() - t1) / 1_000_000);
    return new Computed(from, s.hosts(), List.copyOf(out));
  }

  private List<MoveGroup> groups(int windowDays, Grouping.Options o) {
    return groups.get(
        new GroupKey(windowDays, o.minHours(), o.includeInfrastructure()),
        k -> {
          Computed c = computed(windowDays);
          Map<Integer, String> names = new HashMap<>();
          c.hosts().forEach(h -> names.put(h.id(), h.hostname()));
          Map<Integer, String> pins = new HashMap<>();
          for (Pin p : store.pins()) {
            if (names.containsKey(p.hostId())) {
              pins.put(p.hostId(), p.group());
            }
          }
          return Grouping.form(names, c.edges(), pins, o);
        });
  }

  private static MoveGroup cost(MoveGroup g, Map<Integer, HostSizing> byHost) {
    List<MoveGroup.Member> members = new ArrayList<>();
    List<HostSizing> sized = new ArrayList<>();
    for (MoveGroup.Member m : g.hosts()) {
      HostSizing s = byHost.get(m.hostId());
      if (s == null) {
        members.add(m);
        continue;
      }
      sized.add(s);
      members.add(
          new MoveGroup.Member(
              m.hostId(),
              m.hostname(),
              s.status(),
              s.current() == null ? s.currentType() : s.current().type(),
              s.recommended() == null ? null : s.recommended().type(),
              s.current() == null ? null : s.current().monthly(),
              s.recommended() == null ? null : s.recommended().monthly()));
    }
    List<FleetReport.ProviderTotal> totals = FleetReport.totals(sized);
    double current = 0;
    double recommended = 0;
    double savings = 0;
    for (FleetReport.ProviderTotal t : totals) {
      current += t.currentMonthly();
      recommended += t.recommendedMonthly();
      savings += t.monthlySavings();
    }
    return g.withSizing(
        members, totals, new MoveGroup.Cost(round2(current), round2(recommended), round2(savings)));
  }

  private static double round2(double v) {
    return Math.round(v * 100) / 100.0;
  }

  private static Node hostNode(KnownHost h, Map<Integer, String> groupOf) {
    return new Node(
        "host:" + h.id(),
        "host",
        h.id(),
        h.hostname(),
        List.copyOf(h.addresses()),
        groupOf.get(h.id()));
  }

  private static String group(Map<Integer, String> groupOf, Endpoint e) {
    return e.isHost() ? groupOf.get(e.hostId()) : null;
  }

  private static boolean touches(Edge e, Set<Integer> hosts) {
    return (e.client().isHost() && hosts.contains(e.client().hostId()))
        || (e.server().isHost() && hosts.contains(e.server().hostId()));
  }

  /** A collector id, else part of a hostname (case-insensitive). */
  private static Set<Integer> matchHosts(List<KnownHost> hosts, String key) {
    String k = key.toLowerCase(Locale.ROOT);
    for (KnownHost h : hosts) {
      // a collector id names that host alone, though other hostnames may contain its digits
      if (String.valueOf(h.id()).equals(k)) {
        return Set.of(h.id());
      }
    }
    Set<Integer> out = new HashSet<>();
    for (KnownHost h : hosts) {
      if (String.valueOf(h.id()).equals(k) || h.hostname().toLowerCase(Locale.ROOT).contains(k)) {
        out.add(h.id());
      }
    }
    return out;
  }
}
