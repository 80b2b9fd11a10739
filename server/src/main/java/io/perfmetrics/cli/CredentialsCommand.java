package io.perfmetrics.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * Credentials. Secrets are read from a file or standard input, never from the command line, where
 * any user on the machine could see them in the process list.
 */
@Command(
    name = "credentials",
    description = "Add, list and remove credentials (secrets are write-only).",
    subcommands = {
      CredentialsCommand.Add.class,
      CredentialsCommand.ListCredentials.class,
      CredentialsCommand.Remove.class
    })
final class CredentialsCommand {
  @Mixin AdminClient api;

  @Command(
      name = "add",
      description =
          "Add a credential; the password or key is read from --secret-file or standard input.")
  static final class Add implements Callable<Integer> {
    @ParentCommand CredentialsCommand parent;

    @Option(
        names = "--name",
        required = true,
        description = "a name to pick it by in targets and the console")
    String name;

    @Option(
        names = "--kind",
        required = true,
        description = "ssh_password, ssh_key or smb_password")
    String kind;

    @Option(
        names = "--username",
        required = true,
        description = "the account to log in as (Windows: user or DOMAIN\\user)")
    String username;

    @Option(
        names = "--secret-file",
        description = "file holding the password or private key (default: standard input)")
    Path secretFile;

    @Option(names = "--passphrase-file", description = "file holding the private key's passphrase")
    Path passphraseFile;

    @Option(
        names = "--sudo",
        description = "the account may use sudo (recorded only: the collector never needs root)")
    boolean sudo;

    @Override
    public Integer call() throws IOException {
      String secret =
          secretFile == null
              ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8)
              : Files.readString(secretFile);
      if (!"ssh_key".equals(kind)) {
        secret = secret.strip();
      }
      var b =
          AdminClient.JSON
              .createObjectNode()
              .put("name", name)
              .put("kind", kind)
              .put("username", username)
              .put("sudo", sudo)
              .put("ssh_key".equals(kind) ? "private_key" : "password", secret);
      if (passphraseFile != null) {
        b.put("passphrase", Files.readString(passphraseFile).strip());
      }
      return parent.api.print("POST", "/api/v1/credentials", b.toString());
    }
  }

  @Command(name = "list", description = "List credentials (without secrets).")
  static final class ListCredentials implements Callable<Integer> {
    @ParentCommand CredentialsCommand parent;

    @Override
    public Integer call() {
      return parent.api.print("GET", "/api/v1/credentials", null);
    }
  }

  @Command(name = "remove", description = "Remove a credential.")
  static final class Remove implements Callable<Integer> {
    @ParentCommand CredentialsCommand parent;

    @Parameters(index = "0", description = "credential id")
    long id;

    @Override
    public Integer call() {
      return parent.api.print("DELETE", "/api/v1/credentials/" + id, null);
    }
  }
}
