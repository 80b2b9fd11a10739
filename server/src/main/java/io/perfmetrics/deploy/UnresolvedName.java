package io.perfmetrics.deploy;

import java.net.UnknownHostException;

/**
 * A target whose name the appliance cannot resolve. Without this it read as an unreachable host
 * ("web1:22 is unreachable: web1"), and preflight's fix sent the admin to look at sshd and
 * firewalls when the name itself was wrong.
 */
public final class UnresolvedName {
  private UnresolvedName() {}

  /** Whether a name that did not resolve is why {@code e} (or one of its causes) failed. */
  public static boolean isCause(Throwable e) {
    return Causes.find(e, UnknownHostException.class).isPresent();
  }

  public static String problem(String host) {
    return host + " does not resolve: the appliance's DNS has no address for this name";
  }

  public static String fix(String host) {
    return "Check the name "
        + host
        + " (a typo, or a name that only another network knows), or set the target's address to"
        + " the host's IP address; the appliance resolves names through its own DNS"
        + " (/etc/resolv.conf).";
  }
}
