package io.perfmetrics.sizing;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds sizing reports from the rollups and caches them. A cached report is dropped when the
 * rollup makes progress (new samples), when a new catalog is loaded, and after {@code maxAge} at
 * the latest (another appliance's rollup may have changed the rollups).
 */
public final class SizingService {
  /** Charts get at most about this many points. */
  static final int MAX_POINTS = 200;

  private record FleetKey(SizingQuery q) {}

  private record HostKey(int id, SizingQuery q) {}

  private static final Logger log = LoggerFactory.getLogger(SizingService.class);

  private final SizingStore store;
  private final Executor reads;
  private final CatalogSource catalogs;
  private final Clock clock;
  private final Cache<Object, Object> cache;
  private volatile long catalogVersion;

  private final java.util.concurrent.atomic.AtomicLong generation =
      new java.util.concurrent.atomic.AtomicLong();

  /**
   * @param reads where the fleet's hourly CPU is read while the daily rollups are merged (the
   *     store's executor: virtual threads); the caller owns it
   */
  public SizingService(
      SizingStore store,
      Executor reads,
      CatalogSource catalogs,
      Clock clock,
      Ticker ticker,
      Duration maxAge,
      MeterRegistry metrics) {
    this.store = store;
    this.reads = reads;
    this.catalogs = catalogs;
    this.clock = clock;
    this.cache =
        Caffeine.newBuilder()
            .ticker(ticker)
            .expireAfterWrite(maxAge)
            .maximumSize(1_000)
            .recordStats()
            .build();
    // hits, misses, evictions and size: the hit rate says whether reports are mostly served from
    // memory
    CaffeineCacheMetrics.monitor(metrics, cache, "sizing_reports");
    this.catalogVersion = catalogs.version();
  }

  /** New rollups: every cached report may be stale. */
  public void invalidate() {
    generation.incrementAndGet();
    cache.invalidateAll();
  }

  /**
   * Counts the times every cached report was dropped (new rollups, a new catalog): what caches
   * built on the reports (the move groups' costs) key on.
   */
  public long generation() {
    catalog();
    return generation.get();
  }

  public FleetReport fleet(SizingQuery q) {
    Catalog catalog = catalog();
    return (FleetReport) cache.get(new FleetKey(q), k -> buildFleet(q, catalog));
  }

  /** The host of collector {@code id} (one that {@code HostLookup} found), if it is still there. */
  public Optional<Host> hostById(int id) {
    return store.byId(id);
  }

  public HostSizing host(Host host, SizingQuery q) {
    Catalog catalog = catalog();
    return (HostSizing) cache.get(new HostKey(host.id(), q), k -> buildHost(host, q, catalog));
  }

  private Catalog catalog() {
    Catalog c = catalogs.current();
    long v = catalogs.version();
    if (v != catalogVersion) {
      catalogVersion = v;
      generation.incrementAndGet();
      cache.invalidateAll();
    }
    return c;
  }

  /** The window: the current UTC day and the lookbackDays - 1 before it. */
  static long firstDay(Instant now, int lookbackDays) {
    return Math.floorDiv(now.getEpochSecond(), 86_400L) - lookbackDays + 1;
  }

  static long expectedSamples(Instant now, long firstDay) {
    return Math.max(1, (now.getEpochSecond() - firstDay * 86_400L) / 60);
  }

  private FleetReport buildFleet(SizingQuery q, Catalog catalog) {
    Instant now = clock.instant();
    long first = firstDay(now, q.lookbackDays());
    long today = Math.floorDiv(now.getEpochSecond(), 86_400L);
    long expected = expectedSamples(now, first);
    // every host's hourly CPU (for the credit checks of burstable types) is read on another
    // thread while this one merges the daily rollups: on a small appliance the database encodes
    // one while the JVM decodes the other
    long t0 = System.nanoTime();
    CompletableFuture<Map<Integer, CpuHours>> fleetCpu =
        CompletableFuture.supplyAsync(() -> store.cpuHours(first, today, null), reads);
    Map<Integer, SizingStore.Rolled> rolled = store.rolled(first, today, null);
    long t1 = System.nanoTime();
    // hosts are sized independently (the catalog is read-only): on every core
    List<HostSizing> hosts =
        store.hosts().parallelStream()
            .map(
                h ->
                    Sizer.size(
                            h,
                            usage(rolled.get(h.id()), expected, () -> joined(fleetCpu).get(h.id())),
                            q,
                            catalog)
                        .summary())
            .toList();
    // what a cold report costs, and where: the figure to look at when a fleet grows
    log.info(
        "sizing report for {} hosts built in {} ms: daily rollups read in {} ms, hosts sized in {}"
            + " ms",
        hosts.size(),
        (System.nanoTime() - t0) / 1_000_000,
        (t1 - t0) / 1_000_000,
        (System.nanoTime() - t1) / 1_000_000);
    return new FleetReport(now, parameters(q, catalog, first), hosts, FleetReport.totals(hosts));
  }

  private HostSizing buildHost(Host h, SizingQuery q, Catalog catalog) {
    Instant now = clock.instant();
    long first = firstDay(now, q.lookbackDays());
    long today = Math.floorDiv(now.getEpochSecond(), 86_400L);
    long expected = expectedSamples(now, first);
    Usage u =
        usage(
            store.rolled(first, today, h.id()).get(h.id()),
            expected,
            () -> store.cpuHours(first, today, h.id()).get(h.id()));
    long span = now.getEpochSecond() - first * 86_400L;
    long step = Math.max(3600, ((span / MAX_POINTS) + 3599) / 3600 * 3600);
    return Sizer.size(h, u, q, catalog).withSeries(store.series(h.id(), first * 86_400L, step));
  }

  private static Usage usage(
      SizingStore.Rolled r, long expected, java.util.function.Supplier<CpuHours> cpuHours) {
    return r == null
        ? new Usage(Map.of(), 0, expected)
        : new Usage(r.metrics(), r.daysCovered(), expected, cpuHours, r.daily(), r.devices());
  }

  /** The read's own failure (a 503 when the database is down), not the future's wrapper. */
  private static <T> T joined(CompletableFuture<T> f) {
    try {
      return f.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw e;
    }
  }

  static FleetReport.Parameters parameters(SizingQuery q, Catalog catalog, long firstDay) {
    return new FleetReport.Parameters(
        q.provider(),
        q.region(),
        q.os() == null ? null : q.os().param(),
        q.pricing().param(),
        q.percentile(),
        q.headroom(),
        q.lookbackDays(),
        q.families(),
        q.arch(),
        q.horizonMonths(),
        q.storageSize(),
        catalog.source(),
        Instant.ofEpochSecond(firstDay * 86_400L));
  }
}
