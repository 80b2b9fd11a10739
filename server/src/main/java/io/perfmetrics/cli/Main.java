package io.perfmetrics.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code perfmetrics} command. */
@Command(
    name = "perfmetrics",
    mixinStandardHelpOptions = true,
    version = "perfmetrics 0.1.0",
    description = "Metrics-collection deployer and receiver for cloud right-sizing.",
    subcommands = {ServeCommand.class, CollectorsCommand.class, TargetsCommand.class, CredentialsCommand.class,
      DeployCommands.Deploy.class, DeployCommands.Rescan.class, DeployCommands.Undeploy.class, ScansCommand.class,
      NetopsCommand.class, SizingCommand.class, PortsCommand.class})
public final class Main {
  public static void main(String[] args) {
    System.exit(new CommandLine(new Main()).execute(args));
  }
}
