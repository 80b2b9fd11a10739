package io.perfmetrics.targets;

/**
 * A credential with its secrets decrypted, for a transport to log in with. Deliberately not a
 * record: {@code toString} must not print the secrets.
 */
public final class CredentialSecrets {
  private final Credential credential;
  private final String secret;
  private final String passphrase;

  CredentialSecrets(Credential credential, String secret, String passphrase) {
    this.credential = credential;
    this.secret = secret;
    this.passphrase = passphrase;
  }

  public Credential credential() {
    return credential;
  }

  /** The password, or the private key in OpenSSH/PEM text form for {@code ssh_key}. */
  public String secret() {
    return secret;
  }

  /** The private key's passphrase, or null. */
  public String passphrase() {
    return passphrase;
  }

  @Override
  public String toString() {
    return "CredentialSecrets[" + credential.name() + ", secrets ****]";
  }
}
