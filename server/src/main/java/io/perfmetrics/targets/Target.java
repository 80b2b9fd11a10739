package io.perfmetrics.targets;

import java.time.Instant;

/** A host the appliance deploys a collector to. */
public record Target(
    long id,
    String address,
    int port,
    String osFamily,
    Long credentialId,
    String source,
    Instant createdAt) {
  public static final String UNIX = "unix";
  public static final String WINDOWS = "windows";

  /** The port to connect to: the given one or the OS family's default (22 for SSH, 445 for SMB). */
  public int effectivePort() {
    if (port > 0) {
      return port;
    }
    return WINDOWS.equals(osFamily) ? 445 : 22;
  }

  public String display() {
    return address + ":" + effectivePort();
  }
}
