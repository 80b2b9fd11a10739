package io.perfmetrics.deploy;

import java.util.Map;

/**
 * What a target says about its collector.
 *
 * @param state running (pidfile names a live collector), stopped (installed, not running) or absent
 *     (nothing installed)
 * @param facts the collector's state file (key=value), e.g. expires_at, last_upload
 */
public record RemoteStatus(String state, Map<String, String> facts) {
  public static final String RUNNING = "running";
  public static final String STOPPED = "stopped";
  public static final String ABSENT = "absent";

  public boolean running() {
    return RUNNING.equals(state);
  }
}
