package io.perfmetrics.discovery;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.perfmetrics.config.DiscoverySettings;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts, follows and cancels scans. A dispatcher claims pending addresses from the database (FOR
 * UPDATE SKIP LOCKED, so appliances sharing it share the work) and probes each on a virtual thread,
 * at most {@code concurrency} at a time, all through one {@link Pacer}. A scan started here wakes
 * it at once; while nothing is pending it looks again after 250 ms, doubling up to {@link
 * #IDLE_WAIT_MAX} (a scan another appliance started is joined within that): an appliance without
 * scans would otherwise query the database four times a second for good.
 */
public final class ScanService implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ScanService.class);

  /** The longest the dispatcher waits between two claims that found nothing. */
  static final Duration IDLE_WAIT_MAX = Duration.ofSeconds(4);

  private static final long IDLE_WAIT_MIN_MS = 250;

  /** A request the admin must change; the message says what. */
  public static final class BadScanRequest extends RuntimeException {
    BadScanRequest(String message) {
      super(message, null, false, false);
    }
  }

  private final ScanStore store;
  private final NetOpsLog netops;
  private final DiscoverySettings settings;
  private final Network network;
  private final HostProber prober;
  private final Pacer pacer;
  private final Clock clock;
  private final Set<String> own;
  private final String applianceId = "appliance-" + UUID.randomUUID();
  private final Semaphore slots;
  private final Map<Long, Set<Thread>> inFlight = new ConcurrentHashMap<>();
  private final Set<Long> cancelled = ConcurrentHashMap.newKeySet();
  private final Object wake = new Object();
  private final long idleWaitMaxMs;

  /** A scan was started here since the dispatcher last looked (guarded by {@link #wake}). */
  private boolean started;

  private final Thread dispatcher;
  private volatile boolean running = true;
  private final MeterRegistry metrics;

  public ScanService(
      DataSource ds,
      ObjectMapper json,
      NetOpsLog netops,
      DiscoverySettings settings,
      Clock clock,
      MeterRegistry metrics) {
    this(
        ds,
        json,
        netops,
        settings,
        clock,
        new RealNetwork(settings),
        Pacer.Sleeper.real(clock),
        metrics,
        IDLE_WAIT_MAX);
  }

  ScanService(
      DataSource ds,
      ObjectMapper json,
      NetOpsLog netops,
      DiscoverySettings settings,
      Clock clock,
      Network network,
      Pacer.Sleeper sleeper,
      MeterRegistry metrics,
      Duration idleWaitMax) {
    this.metrics = metrics;
    this.idleWaitMaxMs = Math.max(IDLE_WAIT_MIN_MS, idleWaitMax.toMillis());
    this.store = new ScanStore(ds, json, clock);
    this.netops = netops;
    this.settings = settings;
    this.network = network;
    this.clock = clock;
    this.pacer = new Pacer(clock, sleeper, settings.hostSpacing(), settings.globalInterval());
    this.prober = new HostProber(network, pacer, netops, settings, clock);
    this.own = ScanTargets.ownAddresses();
    this.slots = new Semaphore(settings.concurrency());
    this.dispatcher =
        Thread.ofPlatform().name("scan-dispatcher").daemon().unstarted(this::dispatch);
  }

  public ScanService start() {
    dispatcher.start();
    return this;
  }

  public ScanView start(ScanRequest req) {
    List<String> exclude = new ArrayList<>(settings.exclude());
    exclude.addAll(req.exclude());
    ScanTargets.Expansion ex;
    try {
      ex = ScanTargets.expand(req.targets(), exclude, req.force(), own, this::resolveLogged);
    } catch (ScanTargets.Refused e) {
      throw new BadScanRequest(e.getMessage());
    }
    Duration bound =
        Pacer.bound(
            ex.addresses().size(),
            prober.opsPerHost(),
            settings.concurrency(),
            settings.hostSpacing(),
            settings.globalInterval());
    long id =
        store.create(
            req, ex.addresses(), ex.unresolved(), ex.skippedOwn(), ex.skippedExcluded(), bound);
    metrics.counter("perfmetrics.scan.jobs.started").increment();
    log.info(
        "scan {}: {} addresses ({} skipped: {} own, {} excluded), pacing allows no less than {} s",
        id,
        ex.addresses().size(),
        ex.skippedOwn() + ex.skippedExcluded(),
        ex.skippedOwn(),
        ex.skippedExcluded(),
        bound.toSeconds());
    synchronized (wake) {
      started = true;
      wake.notifyAll();
    }
    return find(id).orElseThrow();
  }

  public Optional<ScanView> find(long id) {
    return store.find(id);
  }

  public List<ScanView> list() {
    return store.list(100);
  }

  public List<HostView> hosts(long id, String state, int limit, long offset) {
    return store.hosts(id, state, limit, offset);
  }

  /** Stops a scan: nothing more is sent for it once this returns; false when it was not running. */
  public boolean cancel(long id) {
    cancelled.add(id);
    boolean changed = store.cancel(id);
    Set<Thread> threads = inFlight.getOrDefault(id, Set.of());
    threads.forEach(Thread::interrupt);
    // wait (briefly) for in-flight probes to stop, so "cancelled" means quiet
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(800);
    while (!threads.isEmpty() && System.nanoTime() < deadline) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return changed;
  }

  public List<DiscoveredTarget> discoveredTargets(Boolean accepted) {
    return store.discoveredTargets(accepted);
  }

  public boolean accept(long targetId) {
    return store.accept(targetId);
  }

  public DiscoverySettings settings() {
    return settings;
  }

  /** Paced operations every address gets (echo request, one connect per port). */
  public int opsPerHost() {
    return prober.opsPerHost();
  }

  /**
   * What this appliance will send, with allowlist rules for {@code sources}; empty: its own
   * non-loopback addresses (loopback alone when it has none).
   */
  public Manifest manifest(List<String> sources) {
    List<String> src = new ArrayList<>(sources);
    if (src.isEmpty()) {
      // read afresh: the interfaces may have changed since the appliance started
      ScanTargets.ownAddresses().stream().filter(a -> !a.startsWith("127.")).forEach(src::add);
    }
    if (src.isEmpty()) {
      src.add("127.0.0.1");
    }
    return Manifest.of(
        settings,
        src,
        pingUnavailable().isEmpty(),
        pingUnavailable().orElse(null),
        nmapUnavailable().isEmpty(),
        nmapUnavailable().orElse(null),
        opsPerHost());
  }

  public Optional<String> pingUnavailable() {
    return network.pingUnavailable();
  }

  public Optional<String> nmapUnavailable() {
    return network.nmapUnavailable();
  }

  private List<String> resolveLogged(String name) {
    Instant t = clock.instant();
    List<String> addrs = ScanTargets.systemResolve(name);
    netops.record(
        new NetOpsLog.Operation(
            t,
            HostProber.SOURCE,
            null,
            name,
            null,
            "dns",
            "resolve scan target (A) through the system resolver",
            addrs.isEmpty() ? "no address" : "resolved",
            String.join(" ", addrs)));
    return addrs;
  }

  /**
   * How long an address may stay claimed before it counts as abandoned by a stopped appliance:
   * twice the longest a probe can take with this appliance's pacing, and a minute for clocks and
   * stalls.
   */
  Duration abandonedAfter() {
    long perOp = settings.hostSpacing().toMillis() + settings.connectTimeout().toMillis();
    return Duration.ofMillis(2L * prober.opsPerHost() * perOp)
        .plus(settings.globalInterval().multipliedBy(2))
        .plusMinutes(1);
  }

  private void dispatch() {
    long nextRelease = 0;
    long idleWait = IDLE_WAIT_MIN_MS;
    while (running) {
      try {
        if (System.nanoTime() - nextRelease >= 0) {
          nextRelease = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
          int released = store.releaseAbandoned(abandonedAfter());
          if (released > 0) {
            log.info(
                "scans: {} address(es) claimed by a stopped appliance go back to pending",
                released);
          }
        }
        int free = slots.availablePermits();
        List<ScanStore.Job> jobs = free == 0 ? List.of() : store.claim(free, applianceId);
        for (ScanStore.Job job : jobs) {
          slots.acquire();
          Thread.ofVirtual()
              .name("scan-" + job.scanId() + "-" + job.address())
              .start(() -> probe(job));
        }
        long wait;
        if (!jobs.isEmpty()) {
          // more may be pending
          wait = 20;
          idleWait = IDLE_WAIT_MIN_MS;
        } else if (free == 0) {
          // every slot busy: a probe that ends wakes the dispatcher
          wait = IDLE_WAIT_MIN_MS;
        } else {
          // nothing pending anywhere: look again later and later, unless a scan starts here
          wait = idleWait;
          idleWait = Math.min(idleWait * 2, idleWaitMaxMs);
        }
        synchronized (wake) {
          // checked under the lock: a start between the claim and this wait is not missed
          if (!started) {
            wake.wait(wait);
          }
          if (started) {
            started = false;
            idleWait = IDLE_WAIT_MIN_MS;
          }
        }
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        log.warn("scan dispatcher: {}; retrying in 2 s", e.getMessage());
        try {
          Thread.sleep(2000);
        } catch (InterruptedException ie) {
          return;
        }
      }
    }
  }

  private void finish(ScanStore.Job job, HostOutcome outcome) {
    store.finish(job, outcome);
    metrics.counter("perfmetrics.scan.hosts", "state", outcome.state()).increment();
  }

  private void probe(ScanStore.Job job) {
    Set<Thread> threads =
        inFlight.computeIfAbsent(job.scanId(), k -> ConcurrentHashMap.newKeySet());
    threads.add(Thread.currentThread());
    try {
      if (cancelled.contains(job.scanId()) || !store.isRunning(job.scanId())) {
        finish(job, new HostOutcome.Cancelled(job.address()));
        return;
      }
      HostOutcome outcome =
          prober.probe(job.scanId(), job.address(), () -> cancelled.contains(job.scanId()));
      Thread.interrupted();
      finish(
          job,
          cancelled.contains(job.scanId()) ? new HostOutcome.Cancelled(job.address()) : outcome);
    } catch (RuntimeException e) {
      log.warn("scan {}: probing {} failed: {}", job.scanId(), job.address(), e.toString());
      Thread.interrupted();
      try {
        finish(job, new HostOutcome.Failed(job.address(), e.getMessage()));
      } catch (RuntimeException e2) {
        log.warn("scan {}: could not record the failure for {}", job.scanId(), job.address());
      }
    } finally {
      threads.remove(Thread.currentThread());
      slots.release();
      synchronized (wake) {
        wake.notifyAll();
      }
    }
  }

  @Override
  public void close() {
    running = false;
    dispatcher.interrupt();
    try {
      dispatcher.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
