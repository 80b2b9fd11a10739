package io.perfmetrics.cli;

import picocli.CommandLine.IVersionProvider;

/** The version the jar's manifest states (set by the build), for -V of every command. */
final class Version implements IVersionProvider {
  @Override
  public String[] getVersion() {
    String v = Main.class.getPackage().getImplementationVersion();
    return new String[] {
      "perfmetrics " + (v == null ? "(development build, no jar manifest)" : v),
      "Java " + Runtime.version() + " at " + System.getProperty("java.home")
    };
  }
}
