package io.perfmetrics.targets;

import java.time.Instant;

/** A stored credential as the API shows it: never the secret, only whether one is set. */
public record Credential(
    long id,
    String name,
    String kind,
    String username,
    boolean hasPassphrase,
    boolean useSudo,
    Instant createdAt) {

  public static final String SSH_PASSWORD = "ssh_password";
  public static final String SSH_KEY = "ssh_key";
  public static final String SMB_PASSWORD = "smb_password";
}
