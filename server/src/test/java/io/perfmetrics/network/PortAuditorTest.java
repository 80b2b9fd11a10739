package io.perfmetrics.network;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class PortAuditorTest {
  static final long DAY1 = 1_764_000_000L;

  static SocketStore.StoredListener listener(
      String proto, String addr, int port, String user, String process, long firstSeen) {
    return new SocketStore.StoredListener(
        1,
        "web1",
        "linux",
        proto,
        addr,
        port,
        user,
        process,
        "",
        firstSeen,
        DAY1 + 5 * 86_400,
        100,
        DAY1,
        DAY1 + 5 * 86_400);
  }

  static List<String> kinds(ListenerAudit a) {
    return a.findings().stream().map(f -> f.severity() + " " + f.kind()).toList();
  }

  @Test
  void redisOnAllInterfacesIsAHighRiskButOnLoopbackNothing() {
    ListenerAudit all =
        PortAuditor.audit(
            listener("tcp", "0.0.0.0", 6379, "redis", "redis-server", DAY1), List.of());
    ListenerAudit lo =
        PortAuditor.audit(
            listener("tcp", "127.0.0.1", 6379, "redis", "redis-server", DAY1), List.of());

    assertThat(kinds(all)).containsExactly("high risky_service");
    assertThat(all.findings().get(0).reason()).contains("Redis").contains("all interfaces");
    assertThat(all.bindScope()).isEqualTo("all");
    assertThat(lo.findings()).isEmpty();
    assertThat(lo.bindScope()).isEqualTo("loopback");
  }

  @Test
  void aDatabaseIsAFindingOnlyWhenBoundToAllInterfaces() {
    assertThat(
            kinds(
                PortAuditor.audit(
                    listener("tcp", "::", 5432, "postgres", "postgres", DAY1), List.of())))
        .containsExactly("medium risky_service");
    assertThat(
            PortAuditor.audit(
                    listener("tcp", "192.0.2.5", 5432, "postgres", "postgres", DAY1), List.of())
                .findings())
        .isEmpty();
  }

  @Test
  void aListenerFirstSeenAfterTheBaselineDayIsNew() {
    ListenerAudit a =
        PortAuditor.audit(
            listener("tcp", "192.0.2.5", 8443, "app", "java", DAY1 + 2 * 86_400), List.of());
    assertThat(a.newAfterBaseline()).isTrue();
    assertThat(kinds(a)).containsExactly("medium new_listener");
    assertThat(
            PortAuditor.audit(
                    listener("tcp", "192.0.2.5", 8443, "app", "java", DAY1 + 3600), List.of())
                .newAfterBaseline())
        .isFalse();
  }

  @Test
  void aPrivilegedPortHeldByAnOrdinaryUserIsAFinding() {
    assertThat(
            kinds(
                PortAuditor.audit(
                    listener("tcp", "192.0.2.5", 80, "bob", "python3", DAY1), List.of())))
        .containsExactly("medium privileged_port_user");
    assertThat(
            kinds(
                PortAuditor.audit(
                    listener("tcp", "192.0.2.5", 80, "uid:1001", "", DAY1), List.of())))
        .containsExactly("medium privileged_port_user");
    assertThat(
            PortAuditor.audit(listener("tcp", "192.0.2.5", 80, "root", "nginx", DAY1), List.of())
                .findings())
        .isEmpty();
    assertThat(
            PortAuditor.audit(listener("udp", "192.0.2.5", 123, "uid:107", "", DAY1), List.of())
                .findings())
        .isEmpty();
    assertThat(
            PortAuditor.audit(listener("tcp", "192.0.2.5", 80, "", "", DAY1), List.of()).findings())
        .isEmpty();
  }

  @Test
  void theFirstMatchingRuleDecidesDenyIsAFindingAllowSilencesTheBuiltInChecks() {
    PolicyRule allowRedisOnCache =
        new PolicyRule(7L, "allow", "tcp", "6379", "redis*", "web*", null, null, "cache tier")
            .validated();
    PolicyRule denyHighPorts =
        new PolicyRule(8L, "deny", null, "6000-7000", null, null, "unix", "low", "").validated();
    var redis = listener("tcp", "0.0.0.0", 6379, "redis", "redis-server", DAY1);

    ListenerAudit allowed = PortAuditor.audit(redis, List.of(allowRedisOnCache, denyHighPorts));
    ListenerAudit denied = PortAuditor.audit(redis, List.of(denyHighPorts, allowRedisOnCache));

    assertThat(allowed.policy()).isEqualTo("allow");
    assertThat(allowed.findings()).isEmpty();
    assertThat(denied.policy()).isEqualTo("deny");
    assertThat(denied.policyRuleId()).isEqualTo(8L);
    assertThat(kinds(denied)).containsExactly("low policy_deny");
    assertThat(denied.severity()).isEqualTo("low");
  }

  @Test
  void rulesMatchOnOsFamilyAndHostPatterns() {
    PolicyRule windowsOnly =
        new PolicyRule(1L, "deny", null, null, null, null, "windows", null, "").validated();
    PolicyRule dbHosts =
        new PolicyRule(2L, "deny", null, null, null, "DB-*", null, null, "").validated();
    assertThat(windowsOnly.matches("tcp", 80, "x", "web1", "linux")).isFalse();
    assertThat(windowsOnly.matches("tcp", 80, "x", "web1", "windows")).isTrue();
    assertThat(dbHosts.matches("tcp", 80, "x", "db-7", "linux")).isTrue();
    assertThat(dbHosts.matches("tcp", 80, "x", "web-db-7", "linux")).isFalse();
  }
}
