package io.perfmetrics.network;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The port audit of the fleet: every listener with its findings, computed from the listener summary
 * and the policy and cached until new snapshots land or the policy changes (or {@code ttl} passes,
 * for changes another appliance made to the shared database).
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

  private final SocketStore sockets;
  private final PolicyStore policy;
  private final Cache<Boolean, List<ListenerAudit>> cache;

  public PortAudit(SocketStore sockets, PolicyStore policy, Ticker ticker, Duration ttl) {
    this.sockets = sockets;
    this.policy = policy;
    this.cache = Caffeine.newBuilder().ticker(ticker).expireAfterWrite(ttl).maximumSize(1).build();
  }

  /** Every listener of the fleet, findings first (worst first), then by host and port. */
  public List<ListenerAudit> fleet() {
    return cache.get(Boolean.TRUE, k -> compute());
  }

  public Page fleet(Filter f, int offset, int limit) {
    List<ListenerAudit> matched = filter(fleet(), f);
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
    int from = Math.min(offset, matched.size());
    int to = (int) Math.min((long) from + limit, matched.size());
    return new Page(
        matched.size(),
        offset,
        limit,
        hosts.size(),
        high,
        medium,
        low,
        List.copyOf(matched.subList(from, to)));
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

  /** Collector ids that a collector id or hostname names (several: the hostname is ambiguous). */
  public List<Integer> findHost(String idOrName) {
    return sockets.findHost(idOrName);
  }

  public void invalidate() {
    cache.invalidateAll();
  }

  private List<ListenerAudit> compute() {
    List<PolicyRule> rules = policy.list();
    List<SocketStore.StoredListener> rows = sockets.listeners(null);
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
