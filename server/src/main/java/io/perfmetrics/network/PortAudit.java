package io.perfmetrics.network;

import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The port audit of the fleet: every listener with its findings, computed from the listener summary
 * and the policy and cached until the policy changes (or {@code ttl} passes, for changes another
 * appliance made to the shared database). New snapshots only mark their hosts: the next read
 * re-audits those hosts alone (each listener's audit depends on its own host only) and merges them
 * into the cached fleet, so a fleet uploading every 5 minutes does not make every read a full one.
 */
public final class PortAudit {
  /** Filters of the fleet audit; null fields match anything. */
  public record Filter(String host, Integer port, String process, String finding, String severity) {
    public static final Filter NONE = new Filter(null, null, null, null, null);
  }

  /** A page of the fleet audit with counts over everything the filter matched. */
  public record Page(
      int total,
      int offset,
      int limit,
      int hosts,
      int high,
      int medium,
      int low,
      List<ListenerAudit> listeners) {}

  private static final Comparator<ListenerAudit> ORDER =
      Comparator.<ListenerAudit>comparingInt(a -> PortAuditor.rank(a.severity()))
          .thenComparing(ListenerAudit::hostname, String.CASE_INSENSITIVE_ORDER)
          .thenComparingInt(ListenerAudit::hostId)
          .thenComparingInt(ListenerAudit::localPort)
          .thenComparing(ListenerAudit::proto)
          .thenComparing(ListenerAudit::localAddr);

  /** The cached audit and when its full computation started (the ttl counts from there). */
  private record Fleet(List<ListenerAudit> all, long computedAt, long generation) {}

  private final SocketStore sockets;
  private final PolicyStore policy;
  private final Ticker ticker;
  private final long ttlNanos;
  private final Set<Integer> dirtyHosts = ConcurrentHashMap.newKeySet();
  private final Object refresh = new Object();
  private volatile Fleet fleet;

  /** Bumped by {@link #invalidate()}: a computation that began before must not be cached. */
  private final AtomicLong generation = new AtomicLong();

  public PortAudit(SocketStore sockets, PolicyStore policy, Ticker ticker, Duration ttl) {
    this.sockets = sockets;
    this.policy = policy;
    this.ticker = ticker;
    this.ttlNanos = ttl.toNanos();
  }

  /** Every listener of the fleet, findings first (worst first), then by host and port. */
  public List<ListenerAudit> fleet() {
    Fleet f = fleet;
    if (f != null && dirtyHosts.isEmpty() && fresh(f)) {
      return f.all();
    }
    synchronized (refresh) {
      f = fleet;
      if (f == null || !fresh(f) || f.generation() != generation.get()) {
        long gen = generation.get();
        long started = ticker.read();
        // hosts marked before this point are in the full read below
        dirtyHosts.clear();
        f = new Fleet(compute(null), started, gen);
      } else if (!dirtyHosts.isEmpty()) {
        Set<Integer> hosts = new HashSet<>();
        for (Iterator<Integer> it = dirtyHosts.iterator(); it.hasNext(); ) {
          hosts.add(it.next());
          it.remove();
        }
        List<ListenerAudit> merged = new ArrayList<>(f.all().size());
        for (ListenerAudit a : f.all()) {
          if (!hosts.contains(a.hostId())) {
            merged.add(a);
          }
        }
        merged.addAll(compute(hosts));
        merged.sort(ORDER);
        f = new Fleet(List.copyOf(merged), f.computedAt(), f.generation());
      }
      if (f.generation() == generation.get()) {
        fleet = f;
      }
      return f.all();
    }
  }

  private boolean fresh(Fleet f) {
    return ticker.read() - f.computedAt() < ttlNanos && f.generation() == generation.get();
  }

  /** A page's counts over what a filter matched, and the audit they were counted on. */
  private record Counts(List<ListenerAudit> of, int hosts, int high, int medium, int low) {}

  /** The unfiltered counts of the cached audit: the console's and API's default view. */
  private volatile Counts unfiltered;

  public Page fleet(Filter f, int offset, int limit) {
    List<ListenerAudit> all = fleet();
    List<ListenerAudit> matched = filter(all, f);
    boolean none = f.equals(Filter.NONE);
    Counts c = none ? unfiltered : null;
    if (c == null || c.of() != all) {
      c = count(all, matched);
      if (none) {
        unfiltered = c;
      }
    }
    int from = Math.min(offset, matched.size());
    int to = (int) Math.min((long) from + limit, matched.size());
    return new Page(
        matched.size(),
        offset,
        limit,
        c.hosts(),
        c.high(),
        c.medium(),
        c.low(),
        List.copyOf(matched.subList(from, to)));
  }

  private static Counts count(List<ListenerAudit> of, List<ListenerAudit> matched) {
    int high = 0;
    int medium = 0;
    int low = 0;
    java.util.Set<Integer> hosts = new java.util.HashSet<>();
    for (ListenerAudit a : matched) {
      hosts.add(a.hostId());
      for (ListenerAudit.Finding x : a.findings()) {
        switch (x.severity()) {
          case "high" -> high++;
          case "medium" -> medium++;
          default -> low++;
        }
      }
    }
    return new Counts(of, hosts.size(), high, medium, low);
  }

  /** One host's listeners, in the fleet order; served from the fleet audit. */
  public List<ListenerAudit> host(int collectorId) {
    List<ListenerAudit> out = new ArrayList<>();
    for (ListenerAudit a : fleet()) {
      if (a.hostId() == collectorId) {
        out.add(a);
      }
    }
    return out;
  }

  /** Everything is audited again on the next read (the policy changed). */
  public void invalidate() {
    generation.incrementAndGet();
    fleet = null;
  }

  /**
   * New snapshots of these hosts are committed: the next read re-audits them. Called after the
   * commit, so a read that starts later sees them.
   */
  public void invalidateHosts(Set<Integer> collectorIds) {
    dirtyHosts.addAll(collectorIds);
  }

  /** The audit of the given hosts, or of all when null, unsorted unless all. */
  private List<ListenerAudit> compute(Set<Integer> hosts) {
    List<PolicyRule> rules = policy.list();
    List<SocketStore.StoredListener> rows = sockets.listeners(hosts);
    List<ListenerAudit> out = new ArrayList<>(rows.size());
    for (SocketStore.StoredListener l : rows) {
      out.add(PortAuditor.audit(l, rules));
    }
    out.sort(ORDER);
    return List.copyOf(out);
  }

  static List<ListenerAudit> filter(List<ListenerAudit> all, Filter f) {
    if (f.equals(Filter.NONE)) {
      return all;
    }
    String host = f.host() == null ? null : f.host().toLowerCase(Locale.ROOT);
    String process = f.process() == null ? null : f.process().toLowerCase(Locale.ROOT);
    List<ListenerAudit> out = new ArrayList<>();
    for (ListenerAudit a : all) {
      if (host != null
          && !String.valueOf(a.hostId()).equals(host)
          && !a.hostname().toLowerCase(Locale.ROOT).contains(host)) {
        continue;
      }
      if (f.port() != null && a.localPort() != f.port()) {
        continue;
      }
      if (process != null
          && !a.process().toLowerCase(Locale.ROOT).contains(process)
          && !a.service().toLowerCase(Locale.ROOT).contains(process)) {
        continue;
      }
      if (f.finding() != null
          && a.findings().stream().noneMatch(x -> x.kind().equals(f.finding()))) {
        continue;
      }
      if (f.severity() != null
          && a.findings().stream().noneMatch(x -> x.severity().equals(f.severity()))) {
        continue;
      }
      out.add(a);
    }
    return out;
  }

  static Optional<String> unknownKind(String kind) {
    return ListenerAudit.KINDS.contains(kind) ? Optional.empty() : Optional.of(kind);
  }
}
