package io.perfmetrics.cli;

import java.io.IOException;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ScopeType;

/** The {@code perfmetrics} command, run through {@code scripts/perfmetrics}. */
@Command(
    name = "perfmetrics",
    // inherited: every subcommand, however deep, answers --help and -V
    scope = ScopeType.INHERIT,
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    description = "Metrics-collection deployer and receiver for cloud right-sizing.",
    subcommands = {
      ServeCommand.class,
      CollectorsCommand.class,
      TargetsCommand.class,
      CredentialsCommand.class,
      DeployCommands.Deploy.class,
      DeployCommands.Rescan.class,
      DeployCommands.Undeploy.class,
      DeployCommands.Preflight.class,
      ScansCommand.class,
      NetopsCommand.class,
      SizingCommand.class,
      PortsCommand.class,
      DependenciesCommand.class,
      GroupsCommand.class,
      AutoComplete.GenerateCompletion.class
    })
public final class Main {
  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The whole command model, as main runs it; tests walk it. */
  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new Main());
    // picocli hides its completion generator by default; the README documents it, so list it
    cli.getSubcommands().get("generate-completion").getCommandSpec().usageMessage().hidden(false);
    // An appliance that cannot be reached, a file that cannot be read: one line that says so and
    // exit code 2, as AdminClient.print answers; anything else is a bug, and picocli prints its
    // trace
    cli.setExecutionExceptionHandler(
        (e, command, parsed) -> {
          if (!(e instanceof IOException io)) {
            throw e;
          }
          System.err.println("perfmetrics: " + FailureLine.of(io));
          return 2;
        });
    return cli;
  }
}
