package io.perfmetrics.network;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The audit's rules, pure: a listener and the policy in, findings out. The built-in checks
 * (docs/ports.md lists them) apply unless a policy rule allows the listener.
 */
final class PortAuditor {
  /** A host's first day of observation is its baseline: listeners that appear later are new. */
  static final long BASELINE_S = 86_400;

  /** A well-known service that should not be reachable from the network. */
  private record Risky(int from, int to, String name, boolean database) {}

  private static final List<Risky> RISKY =
      List.of(
          new Risky(21, 21, "FTP", false),
          new Risky(23, 23, "telnet", false),
          new Risky(111, 111, "rpcbind/portmapper", false),
          new Risky(2049, 2049, "NFS", false),
          new Risky(5900, 5903, "VNC", false),
          new Risky(6379, 6379, "Redis", false),
          new Risky(9200, 9200, "Elasticsearch", false),
          new Risky(9300, 9300, "Elasticsearch transport", false),
          new Risky(11211, 11211, "memcached", false),
          new Risky(27017, 27017, "MongoDB", false),
          new Risky(1433, 1433, "Microsoft SQL Server", true),
          new Risky(1521, 1521, "Oracle Database", true),
          new Risky(3306, 3306, "MySQL/MariaDB", true),
          new Risky(5432, 5432, "PostgreSQL", true),
          new Risky(5984, 5984, "CouchDB", true),
          new Risky(9042, 9042, "Cassandra", true),
          new Risky(50000, 50000, "Db2", true));

  /**
   * Accounts that may hold a port below 1024: root and the service accounts daemons run as (a
   * daemon binds as root and drops to one of these), Windows' built-in service accounts.
   */
  private static final Set<String> SYSTEM_USERS =
      Set.of(
          "root",
          "daemon",
          "bin",
          "sys",
          "nobody",
          "www-data",
          "www",
          "http",
          "apache",
          "nginx",
          "named",
          "bind",
          "dnsmasq",
          "ntp",
          "chrony",
          "_chrony",
          "systemd-resolve",
          "systemd-network",
          "systemd-timesync",
          "messagebus",
          "avahi",
          "postfix",
          "exim",
          "mail",
          "smmsp",
          "sshd",
          "rpc",
          "rpcuser",
          "statd",
          "_rpc",
          "dhcpcd",
          "unbound",
          "squid",
          "proxy",
          "nscd",
          "polkitd",
          "libstoragemgmt",
          "system",
          "local service",
          "network service",
          "nt authority\\system",
          "nt authority\\local service",
          "nt authority\\network service");

  private PortAuditor() {}

  static ListenerAudit audit(SocketStore.StoredListener l, List<PolicyRule> policy) {
    String scope = Addresses.scope(l.addr());
    boolean isNew = l.firstSeen() >= l.hostFirstSnapshot() + BASELINE_S;
    PolicyRule decided = null;
    for (PolicyRule r : policy) {
      if (r.matches(l.proto(), l.port(), l.process(), l.hostname(), l.osFamily())) {
        decided = r;
        break;
      }
    }
    List<ListenerAudit.Finding> findings = new ArrayList<>();
    String where = l.port() + "/" + l.proto() + " on " + describeScope(scope, l.addr());
    if (decided != null && decided.action().equals("deny")) {
      findings.add(
          new ListenerAudit.Finding(
              "policy_deny",
              decided.severity(),
              "Policy " + decided.describe() + " denies " + where + "."));
    }
    if (decided == null) {
      for (Risky r : RISKY) {
        if (l.port() < r.from() || l.port() > r.to() || scope.equals("loopback")) {
          continue;
        }
        if (!r.database()) {
          findings.add(
              new ListenerAudit.Finding(
                  "risky_service",
                  scope.equals("all") ? "high" : "medium",
                  r.name()
                      + " ("
                      + where
                      + ") is reachable beyond loopback; it is meant for loopback or a closed"
                      + " network, and is a common way in."));
        } else if (scope.equals("all")) {
          findings.add(
              new ListenerAudit.Finding(
                  "risky_service",
                  "medium",
                  r.name()
                      + " ("
                      + where
                      + ") is bound to all interfaces; bind it to the addresses its clients use."));
        }
        break;
      }
      if (isNew) {
        findings.add(
            new ListenerAudit.Finding(
                "new_listener",
                "medium",
                where
                    + " first appeared "
                    + Instant.ofEpochSecond(l.firstSeen())
                    + ", after the baseline day that began "
                    + Instant.ofEpochSecond(l.hostFirstSnapshot())
                    + "."));
      }
      if (l.port() < 1024 && l.port() > 0 && !isSystemUser(l.user())) {
        findings.add(
            new ListenerAudit.Finding(
                "privileged_port_user",
                "medium",
                "Privileged port "
                    + l.port()
                    + "/"
                    + l.proto()
                    + " is held by '"
                    + l.user()
                    + "', not a system account, so that user can impersonate a system service."));
      }
    }
    String worst = null;
    for (ListenerAudit.Finding f : findings) {
      if (worst == null || rank(f.severity()) < rank(worst)) {
        worst = f.severity();
      }
    }
    return new ListenerAudit(
        l.collectorId(),
        l.hostname(),
        l.proto(),
        l.addr(),
        l.port(),
        scope,
        l.user(),
        l.process(),
        l.service(),
        Instant.ofEpochSecond(l.firstSeen()),
        Instant.ofEpochSecond(l.lastSeen()),
        l.snapshots(),
        l.lastSeen() >= l.hostLastSnapshot(),
        isNew,
        decided == null ? null : decided.action(),
        decided == null ? null : decided.id(),
        worst,
        List.copyOf(findings));
  }

  /** Unknown users ("") are not judged: the collector could not see the owner. */
  static boolean isSystemUser(String user) {
    if (user == null || user.isEmpty()) {
      return true;
    }
    String u = user.toLowerCase(Locale.ROOT);
    if (u.startsWith("uid:")) {
      try {
        // Linux and the BSDs give daemons uids below 1000 (some below 500)
        return Long.parseLong(u.substring(4)) < 1000;
      } catch (NumberFormatException e) {
        return false;
      }
    }
    return SYSTEM_USERS.contains(u) || u.startsWith("nt service\\") || u.startsWith("_");
  }

  /** 0 is the worst. */
  static int rank(String severity) {
    return severity == null
        ? 3
        : switch (severity) {
          case "high" -> 0;
          case "medium" -> 1;
          case "low" -> 2;
          default -> 3;
        };
  }

  private static String describeScope(String scope, String addr) {
    return switch (scope) {
      case "all" -> "all interfaces (" + addr + ")";
      case "loopback" -> "loopback (" + addr + ")";
      default -> addr;
    };
  }
}
