package io.perfmetrics.deploy;

import io.perfmetrics.targets.CredentialSecrets;
import io.perfmetrics.targets.Target;
import java.time.Duration;
import java.util.function.Function;

/** One way to reach a target (SSH for Unix, SMB for Windows). */
public interface Transport {
  /**
   * Connects and logs in within a job's per-host limit: says what step it is at in {@code attempt}
   * and registers the connection there, so the job can close it when the limit passes ({@link
   * HostAttempt#unbounded()} for none).
   */
  Session connect(
      Target target, CredentialSecrets credentials, Duration timeout, HostAttempt attempt)
      throws TransportException;

  /**
   * Connects and logs in without changing anything on the target, and checks what a deploy needs,
   * within a job's per-host limit (see {@link #connect}). The host's own failures (unreachable,
   * refused login, ...) are failed checks, never exceptions.
   */
  java.util.List<Check> preflight(
      Target target,
      CredentialSecrets credentials,
      Duration timeout,
      PreflightContext context,
      HostAttempt attempt);

  /**
   * What a preflight compares the host with.
   *
   * @param applianceUrl the URL rendered into collectors (the host must reach its /healthz)
   * @param clock the appliance's clock, for the skew
   * @param caPem the CA a collector would trust (empty over http): the reach check verifies the
   *     appliance with it, as the collector will
   */
  record PreflightContext(
      java.net.URI applianceUrl, java.time.Clock clock, long targetId, String caPem) {}

  /**
   * What {@link Session#statusThenInstall} found and did.
   *
   * @param before the status before anything changed
   * @param started true when a collector was installed and is now confirmed running
   */
  record Installed(RemoteStatus before, boolean started) {}

  /** An authenticated connection to one target. */
  interface Session extends AutoCloseable {
    RemoteStatus status() throws TransportException;

    /**
     * Reads the status, then asks {@code plan} what to do: null leaves the host as it is; a
     * rendered script replaces a running collector, or installs it (readable only by its owner),
     * and starts it. SSH does all of it in one exec channel and returns once the host confirms the
     * collector runs; SMB takes the steps over one session and returns once the service control
     * manager has launched it.
     */
    Installed statusThenInstall(Function<RemoteStatus, RenderedScript> plan)
        throws TransportException;

    /** Stops the collector and removes the tools folder. */
    void remove() throws TransportException;

    @Override
    void close();
  }
}
