package io.perfmetrics.deploy;

import io.micrometer.core.instrument.MeterRegistry;
import io.perfmetrics.config.Config;
import io.perfmetrics.discovery.NetOpsLog;
import io.perfmetrics.ingest.CollectorRegistry;
import io.perfmetrics.ingest.MintedCollector;
import io.perfmetrics.targets.CredentialSecrets;
import io.perfmetrics.targets.CredentialStore;
import io.perfmetrics.targets.Target;
import io.perfmetrics.targets.TargetStore;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deploy, rescan, undeploy and live status checks over many targets: a job per request, hosts taken
 * in parallel (bounded), each within its own time limit, each with its own result, so one slow or
 * broken host holds up nobody.
 */
public final class DeployService implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DeployService.class);

  /** What a job does to each host. */
  public enum Action {
    DEPLOY("deploy"),
    RESCAN("rescan"),
    UNDEPLOY("undeploy"),
    STATUS("status"),
    /** Preflight: connect, log in and look, changing nothing. */
    CHECK("check");

    final String kind;

    Action(String kind) {
      this.kind = kind;
    }

    static Action of(String kind) {
      for (Action a : values()) {
        if (a.kind.equals(kind)) {
          return a;
        }
      }
      return null;
    }
  }

  /** The result for one host. */
  sealed interface Outcome {
    String name();

    String detail();

    String targetState();
  }

  record Done(String name, String detail, String targetState) implements Outcome {}

  /** A preflight's answer: ready (all pass), warnings, or failed, with every check. */
  record Checked(String name, String detail, List<Check> checks) implements Outcome {
    static Checked of(List<Check> checks) {
      long fail = checks.stream().filter(c -> Check.FAIL.equals(c.result())).count();
      long warn = checks.stream().filter(c -> Check.WARN.equals(c.result())).count();
      String detail =
          checks.stream()
              .filter(c -> Check.FAIL.equals(c.result()) || Check.WARN.equals(c.result()))
              .map(c -> c.name() + ": " + c.fix())
              .reduce((a, b) -> a + " | " + b)
              .orElse("every check passed");
      return new Checked(fail > 0 ? "failed" : warn > 0 ? "warnings" : "ready", detail, checks);
    }

    @Override
    public String targetState() {
      return null;
    }
  }

  record Failed(String detail) implements Outcome {
    @Override
    public String name() {
      return "failed";
    }

    @Override
    public String targetState() {
      return "failed";
    }
  }

  private final TargetStore targets;
  private final CredentialStore credentials;
  private final CollectorRegistry collectors;
  private final DeployJobs jobs;
  private final TemplateRenderer renderer;
  private final Map<CollectorTemplate, Transport> transports;
  private final Config config;
  private final java.time.Clock clock;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  private final MeterRegistry metrics;

  /** Asked at every deploy, so a rescan after the appliance's certificate changed renders it. */
  private final Supplier<ApplianceTrust> trust;

  /** Jobs this appliance has workers on, so a resume does not pile more onto them. */
  private final Set<Long> active = ConcurrentHashMap.newKeySet();

  public DeployService(
      TargetStore targets,
      CredentialStore credentials,
      CollectorRegistry collectors,
      DeployJobs jobs,
      TemplateRenderer renderer,
      Map<CollectorTemplate, Transport> transports,
      Config config,
      java.time.Clock clock,
      MeterRegistry metrics,
      Supplier<ApplianceTrust> trust) {
    this.trust = trust;
    this.clock = clock;
    this.metrics = metrics;
    this.targets = targets;
    this.credentials = credentials;
    this.collectors = collectors;
    this.jobs = jobs;
    this.renderer = renderer;
    this.transports = transports;
    this.config = config;
  }

  /** Starts a job over the given targets (all targets when empty); returns its id at once. */
  public long start(Action action, List<Long> targetIds, boolean force) {
    List<Long> ids =
        targetIds.isEmpty() ? targets.list().stream().map(Target::id).toList() : targetIds;
    for (long id : ids) {
      if (targets.find(id).isEmpty()) {
        throw new IllegalArgumentException("no target " + id);
      }
    }
    long job;
    // with resumeUnfinished: a new job is known as active before a resume could see it
    synchronized (active) {
      job = jobs.create(action.kind, force, ids);
      active.add(job);
    }
    metrics.counter("perfmetrics.deploy.jobs.started", "action", action.kind).increment();
    int workers = Math.max(1, Math.min(config.collectors().parallelHosts(), ids.size()));
    log.info("{} job {}: {} target(s), {} in parallel", action.kind, job, ids.size(), workers);
    launch(job, action, force, workers);
    return job;
  }

  /**
   * Carries on with jobs an appliance left unfinished (stopped mid-job, or another appliance
   * sharing the database): hosts it left "running" past the host time limit go back to pending,
   * then pending hosts get workers here. Claims are row-locked, so appliances doing this together
   * still take each host once. Returns the number of jobs given workers.
   */
  public int resumeUnfinished() {
    synchronized (active) {
      return resume();
    }
  }

  private int resume() {
    // twice the limit and a minute: a live worker has recorded its result by then
    int released =
        jobs.releaseAbandoned(config.collectors().hostTimeout().multipliedBy(2).plusMinutes(1));
    if (released > 0) {
      log.info(
          "deploy: {} host(s) left in progress by a stopped appliance go back to pending",
          released);
    }
    int resumed = 0;
    for (DeployJobs.Unfinished u : jobs.unfinished()) {
      if (u.pending() == 0) {
        // its hosts are all done or still being worked on; ends the job if they are done
        jobs.completeIfDone(u.id());
        continue;
      }
      Action action = Action.of(u.kind());
      if (action == null || !active.add(u.id())) {
        continue;
      }
      int workers = Math.max(1, Math.min(config.collectors().parallelHosts(), u.pending()));
      log.info(
          "{} job {}: carrying on with {} pending host(s), {} in parallel",
          u.kind(),
          u.id(),
          u.pending(),
          workers);
      launch(u.id(), action, u.force(), workers);
      resumed++;
    }
    return resumed;
  }

  /** Workers for a job already in {@link #active}; the last one to stop takes it out again. */
  private void launch(long job, Action action, boolean force, int workers) {
    AtomicInteger left = new AtomicInteger(workers);
    // a fleet usually shares one or a few credentials: the job's workers read and decrypt each once
    Map<Long, Optional<CredentialSecrets>> unsealed = new ConcurrentHashMap<>();
    for (int i = 0; i < workers; i++) {
      // execute, not submit: the worker logs its failures; an Error reaches the thread's handler,
      // not a lost future
      executor.execute(
          () -> {
            try {
              work(job, action, force, unsealed);
            } catch (RuntimeException e) {
              // e.g. the database went away: the hosts stay pending and the next resume carries on
              log.warn("{} job {}: worker stopped: {}", action.kind, job, e.getMessage());
            } finally {
              if (left.decrementAndGet() == 0) {
                active.remove(job);
              }
            }
          });
    }
  }

  private void work(
      long job, Action action, boolean force, Map<Long, Optional<CredentialSecrets>> unsealed) {
    for (Optional<DeployJobs.Claimed> next = persistently(() -> jobs.claim(job));
        next.isPresent();
        next = persistently(() -> jobs.claim(job))) {
      long targetId = next.get().targetId();
      Attempted attempted = withinTimeLimit(next.get(), action, force, unsealed);
      Outcome o = attempted.outcome();
      // a status that failed to connect and a preflight say nothing new about the collector
      String targetState =
          (action == Action.STATUS && o instanceof Failed) || action == Action.CHECK
              ? null
              : o.targetState();
      persistently(
          () -> {
            jobs.finish(
                job,
                targetId,
                o.name(),
                o.detail(),
                o instanceof Checked c ? c.checks() : null,
                attempted.operation(),
                targetState);
            return null;
          });
      metrics
          .counter("perfmetrics.deploy.hosts", "action", action.kind, "outcome", o.name())
          .increment();
      log.info(
          "{} job {}: target {}: {}{}",
          action.kind,
          job,
          targetId,
          o.name(),
          o.detail() == null ? "" : " (" + o.detail() + ")");
    }
    persistently(
        () -> {
          jobs.completeIfDone(job);
          return null;
        });
  }

  /**
   * The job's own bookkeeping (claim, result, status) and an attempt's reads and writes, retried
   * while the database is out of reach ({@link Persistently}): a worker that stopped there left its
   * host "running" for nobody. For the host limit and 30 s more: a host is then done within twice
   * its limit and about half a minute, before a resume would give it to another worker (twice the
   * limit and a minute); an attempt's own calls end at the limit anyway. After that the database is
   * really gone and the hosts wait for a resume as before.
   */
  private <T> T persistently(Supplier<T> step) {
    return Persistently.within(config.collectors().hostTimeout().plusSeconds(30), step);
  }

  /** A host's outcome and, when the attempt went to the network, its operations-log entry. */
  private record Attempted(Outcome outcome, NetOpsLog.@Nullable Operation operation) {}

  /**
   * Runs one host within the host limit, measured from when this worker took it (there is no queue
   * in between: every attempt has its own virtual thread). When the limit passes, the attempt's
   * connection is closed, which ends whatever it waits on, and the host fails naming the step it
   * was at; the worker goes on with the next host.
   */
  private Attempted withinTimeLimit(
      DeployJobs.Claimed claimed,
      Action action,
      boolean force,
      Map<Long, Optional<CredentialSecrets>> unsealed) {
    long targetId = claimed.targetId();
    Duration limit = config.collectors().hostTimeout();
    HostAttempt attempt = new HostAttempt();
    Future<Outcome> f = executor.submit(() -> handle(claimed, action, force, unsealed, attempt));
    try {
      Outcome outcome = f.get(limit.toMillis(), TimeUnit.MILLISECONDS);
      return new Attempted(outcome, operation(attempt, action, outcome));
    } catch (TimeoutException e) {
      // the operations log gets the timeout, not the error the closed connection causes
      String step = attempt.abandon();
      f.cancel(true);
      Target t = attempt.target();
      Failed failed =
          new Failed(
              (t == null ? "target " + targetId : t.display())
                  + ": timed out after "
                  + limit.toSeconds()
                  + " s during "
                  + step
                  + (attempt.closedConnection() ? "; its connection was closed" : ""));
      log.warn("{} target {}: {}", action.kind, targetId, failed.detail());
      return new Attempted(failed, operation(attempt, action, failed));
    } catch (ExecutionException e) {
      log.warn("target {}: unexpected failure", targetId, e.getCause());
      Failed failed = new Failed("unexpected error: " + e.getCause());
      return new Attempted(failed, operation(attempt, action, failed));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      Failed failed = new Failed("interrupted");
      return new Attempted(failed, operation(attempt, action, failed));
    }
  }

  private Outcome handle(
      DeployJobs.Claimed claimed,
      Action action,
      boolean force,
      Map<Long, Optional<CredentialSecrets>> unsealed,
      HostAttempt attempt) {
    attempt.step("reading the target's credential from the database");
    Target target = claimed.target();
    if (target == null) {
      return new Failed("target " + claimed.targetId() + " was removed");
    }
    attempt.target(target);
    if (target.credentialId() == null) {
      return new Failed(target.display() + ": no credential assigned");
    }
    Optional<CredentialSecrets> cred =
        persistently(() -> unsealed.computeIfAbsent(target.credentialId(), credentials::unseal));
    if (cred.isEmpty()) {
      return new Failed(
          target.display() + ": credential " + target.credentialId() + " no longer exists");
    }
    CollectorTemplate template = CollectorTemplate.forOs(target.osFamily());
    Transport transport = transports.get(template);
    if (transport == null) {
      return new Failed(
          target.display() + ": no transport for " + target.osFamily() + " targets in this build");
    }
    attempt.contactingHost(clock.instant());
    Outcome outcome =
        action == Action.CHECK
            ? Checked.of(
                transport.preflight(
                    target,
                    cred.get(),
                    config.collectors().hostTimeout(),
                    new Transport.PreflightContext(
                        config.publicUrl(), clock, target.id(), trust.get().caPem()),
                    attempt))
            : act(target, template, transport, cred.get(), action, force, attempt);
    // the worker writes it to the operations log (withinTimeLimit): its write may wait out a busy
    // pool, which is not the host's time
    return outcome;
  }

  /**
   * Every connection the appliance makes to a network is on the record, for allowlisting. The entry
   * is written with the host's result ({@link DeployJobs#finish}), retried with it while the
   * database is out of reach. Its time is when the attempt went to the network. Null for an attempt
   * that did not get that far.
   */
  private NetOpsLog.@Nullable Operation operation(
      HostAttempt attempt, Action action, Outcome outcome) {
    Target target = attempt.target();
    Instant at = attempt.contactedAt();
    if (target == null || at == null) {
      return null;
    }
    return new NetOpsLog.Operation(
        at,
        "deploy",
        null,
        target.address(),
        target.effectivePort(),
        CollectorTemplate.forOs(target.osFamily()) == CollectorTemplate.UNIX_SH ? "ssh" : "smb",
        action.kind + " collector",
        outcome.name(),
        outcome.detail());
  }

  private Outcome act(
      Target target,
      CollectorTemplate template,
      Transport transport,
      CredentialSecrets cred,
      Action action,
      boolean force,
      HostAttempt attempt) {
    long targetId = target.id();
    Duration timeout = config.collectors().hostTimeout();
    ApplianceTrust ca = trust.get();
    String untrusted = untrusted(config.publicUrl(), ca);
    if ((action == Action.DEPLOY || action == Action.RESCAN) && untrusted != null) {
      return new Failed(untrusted);
    }
    try (Transport.Session s = transport.connect(target, cred, timeout, attempt)) {
      if (action == Action.DEPLOY || action == Action.RESCAN) {
        // status, install and start in one exchange; a token is minted only for a host that gets a
        // collector
        MintedCollector[] minted = new MintedCollector[1];
        Transport.Installed r =
            s.statusThenInstall(
                status -> {
                  if (status.running() && !force) {
                    return null;
                  }
                  attempt.step("minting the collector's token and rendering its script");
                  minted[0] = persistently(() -> mintOrRenew(target));
                  return renderer.script(
                      template, renderValues(template, config, minted[0].token(), ca));
                });
        if (!r.started()) {
          return new Done("already_running", "left running" + blocked(r.before()), "running");
        }
        boolean restart = !RemoteStatus.ABSENT.equals(r.before().state());
        return new Done(
            restart ? "restarted" : "started",
            "collector "
                + minted[0].id()
                + " running until "
                + minted[0].expiresAt().truncatedTo(ChronoUnit.SECONDS),
            "running");
      }
      RemoteStatus status = s.status();
      return switch (action) {
        case STATUS ->
            new Done(
                "status",
                status.state() + blocked(status),
                status.running() ? "running" : "stopped");
        case UNDEPLOY -> {
          s.remove();
          collectors.forTarget(targetId).ifPresent(c -> collectors.retire(c.id()));
          yield new Done("removed", "collector stopped and tools folder removed", "removed");
        }
        case RESCAN, DEPLOY, CHECK -> throw new IllegalStateException("taken above");
      };
    } catch (TransportException e) {
      return new Failed(e.getMessage());
    }
  }

  /**
   * Why a collector sends nothing (it could not verify the appliance), from its state file, so the
   * target's status shows it; empty when it uploads.
   */
  static String blocked(RemoteStatus status) {
    String why = status.facts().get("tls_error");
    return why == null || why.isBlank() ? "" : "; uploads blocked: " + why;
  }

  /**
   * Why no collector may be rendered for this URL: an https appliance without a CA to trust (the
   * collector could only fail, or trust whatever the host's store trusts); null when it may.
   */
  static @Nullable String untrusted(java.net.URI url, ApplianceTrust trust) {
    if (!"https".equals(url.getScheme()) || !trust.isEmpty()) {
      return null;
    }
    return "the appliance URL "
        + url
        + " is https but the appliance has no CA certificate for collectors to trust;"
        + " nothing was deployed (serve with TLS on, or give the operator certificate's CA)";
  }

  /** The host keeps its collector id across restarts, so its history continues. */
  private MintedCollector mintOrRenew(Target target) {
    String kind =
        CollectorTemplate.forOs(target.osFamily()) == CollectorTemplate.UNIX_SH ? "sh" : "vbs";
    return collectors.forDeploy(target.id(), target.address(), kind, config.collectors().ttl());
  }

  /**
   * Every value a collector template takes; the renderer refuses a template that misses one or gets
   * one too many.
   */
  static Map<String, String> renderValues(
      CollectorTemplate template, Config config, String token, ApplianceTrust trust) {
    Config.Collectors c = config.collectors();
    Map<String, String> values =
        new HashMap<>(
            Map.of(
                "URL", config.publicUrl().toString(),
                "TOKEN", token,
                "INTERVAL_S", String.valueOf(c.interval().toSeconds()),
                "UPLOAD_S", String.valueOf(c.upload().toSeconds()),
                "TTL_S", String.valueOf(c.ttl().toSeconds()),
                "SPOOL_MAX_BYTES", String.valueOf(c.spoolMaxBytes()),
                "METADATA_URL", c.metadataUrl(),
                "TOOLS_DIR",
                    template == CollectorTemplate.UNIX_SH
                        ? c.unixToolsDir()
                        : "%WINDIR%\\Temp\\perfmetrics\\tools"));
    // both collectors take socket snapshots
    values.put("SOCKETS_S", String.valueOf(c.sockets().toSeconds()));
    values.put("SOCKETS_MAX_ROWS", String.valueOf(c.socketsMaxRows()));
    // the collector writes it to ca.pem and trusts nothing else; empty over plain HTTP
    values.put("CA_PEM", template == CollectorTemplate.UNIX_SH ? trust.caPem() : trust.oneLine());
    return values;
  }

  public List<Long> allTargetIds() {
    return new ArrayList<>(targets.list().stream().map(Target::id).toList());
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
