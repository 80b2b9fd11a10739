package io.perfmetrics.targets;

import java.time.Instant;

/** Builds decrypted credentials for transport tests that do not go through the vault. */
public final class CredentialSecretsForTests {
  private CredentialSecretsForTests() {}

  public static CredentialSecrets of(String kind, String user, String secret) {
    return new CredentialSecrets(
        new Credential(1, "test", kind, user, false, false, Instant.now()), secret, null);
  }
}
