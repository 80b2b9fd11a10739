package io.perfmetrics.deploy;

import io.perfmetrics.targets.CredentialSecrets;
import io.perfmetrics.targets.Target;
import java.time.Duration;

/** One way to reach a target (SSH for Unix, SMB for Windows). */
public interface Transport {
  Session connect(Target target, CredentialSecrets credentials, Duration timeout) throws TransportException;

  /** An authenticated connection to one target. */
  interface Session extends AutoCloseable {
    RemoteStatus status() throws TransportException;

    /** Writes the rendered collector into the tools folder (creating it), readable only by its owner. */
    void install(String script) throws TransportException;

    /** Starts the installed collector detached; returns once its pidfile names a live process. */
    void start() throws TransportException;

    /** Stops a running collector (no error when none runs). */
    void stop() throws TransportException;

    /** Stops the collector and removes the tools folder. */
    void remove() throws TransportException;

    @Override
    void close();
  }
}
