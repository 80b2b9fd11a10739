package io.perfmetrics.dependencies;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Edge resolution, merging, infrastructure tagging and grouping on hand-made connection rows. */
class DependencyGraphTest {
  static final Instant T0 = Instant.parse("2026-11-20T10:00:00Z");

  static final KnownHost WEB = new KnownHost(1, "web1", Set.of("192.0.2.10"));
  static final KnownHost APP = new KnownHost(2, "app1", Set.of("192.0.2.20", "2001:db8::20"));
  static final KnownHost DB = new KnownHost(3, "db1", Set.of("192.0.2.30"));
  static final KnownHost LONE = new KnownHost(4, "lone", Set.of("192.0.2.40"));

  static Observation out(
      KnownHost h, String remote, int port, String proc, String user, int hours) {
    return new Observation(
        h.id(),
        "out",
        "tcp",
        h.addresses().iterator().next(),
        0,
        remote,
        port,
        user,
        proc,
        T0,
        T0.plusSeconds(3600L * hours),
        hours,
        2);
  }

  static Observation in(KnownHost h, int port, String remote, String proc, String user, int hours) {
    return new Observation(
        h.id(),
        "in",
        "tcp",
        h.addresses().iterator().next(),
        port,
        remote,
        0,
        user,
        proc,
        T0.plusSeconds(60),
        T0.plusSeconds(3600L * hours + 60),
        hours,
        3);
  }

  static List<Edge> build(List<Observation> rows) {
    return EdgeBuilder.build(List.of(WEB, APP, DB, LONE), rows, EdgeBuilder.Infrastructure.NONE);
  }

  @Test
  void bothSidesOfOneConnectionAreOneEdgeWithTheProcessesOfBothEnds() {
    List<Edge> edges =
        build(
            List.of(
                out(WEB, "192.0.2.20", 8080, "curl", "www-data", 5),
                in(APP, 8080, "192.0.2.10", "java", "app", 7)));
    assertThat(edges).hasSize(1);
    Edge e = edges.get(0);
    assertThat(e.client().hostId()).isEqualTo(1);
    assertThat(e.server().hostId()).isEqualTo(2);
    assertThat(e.port()).isEqualTo(8080);
    assertThat(e.seenBy()).isEqualTo("both");
    assertThat(e.clientProcesses()).containsExactly("curl (www-data)");
    assertThat(e.serverProcesses()).containsExactly("java (app)");
    assertThat(e.hours()).isEqualTo(7);
    assertThat(e.firstSeen()).isEqualTo(T0);
    assertThat(e.lastSeen()).isEqualTo(T0.plusSeconds(3600L * 7 + 60));
    assertThat(e.maxConnections()).isEqualTo(3);
    assertThat(e.infrastructure()).isNull();
  }

  @Test
  void aRemoteAddressResolvesByAnyAddressTheHostIsKnownByIPv6Too() {
    List<Edge> edges = build(List.of(out(WEB, "2001:db8::20", 443, "curl", "u", 1)));
    assertThat(edges)
        .singleElement()
        .satisfies(e -> assertThat(e.server().label()).isEqualTo("app1"));
    assertThat(edges.get(0).seenBy()).isEqualTo("client");
  }

  @Test
  void unknownAddressesAreExternalNetworksBySlash24AndSlash64() {
    List<Edge> edges =
        build(
            List.of(
                out(WEB, "198.51.100.7", 443, "curl", "u", 1),
                out(WEB, "198.51.100.200", 443, "wget", "u", 2),
                out(WEB, "2001:db8:1:2:aaaa::1", 443, "curl", "u", 1),
                in(DB, 5432, "203.0.113.9", "postgres", "postgres", 4)));
    assertThat(edges)
        .extracting(e -> e.client().label() + " -> " + e.server().label() + ":" + e.port())
        .containsExactlyInAnyOrder(
            "web1 -> 198.51.100.0/24:443",
            "web1 -> 2001:db8:1:2::/64:443",
            "203.0.113.0/24 -> db1:5432");
    Edge merged =
        edges.stream().filter(e -> e.server().id().equals("net:198.51.100.0/24")).findFirst().get();
    assertThat(merged.clientProcesses()).containsExactly("curl (u)", "wget (u)");
    assertThat(merged.hours()).isEqualTo(2);
  }

  @Test
  void loopbackAndAHostTalkingToItselfAreNoEdges() {
    assertThat(
            build(
                List.of(
                    out(WEB, "127.0.0.1", 5432, "psql", "u", 1),
                    out(WEB, "::1", 5432, "psql", "u", 1),
                    out(WEB, "192.0.2.10", 80, "curl", "u", 1))))
        .isEmpty();
  }

  @Test
  void dnsNtpDirectorySyslogAreInfrastructureByPort() {
    List<Edge> edges =
        build(
            List.of(
                out(WEB, "192.0.2.30", 53, "dig", "u", 1),
                out(WEB, "192.0.2.30", 123, "chronyd", "u", 1),
                out(WEB, "192.0.2.30", 389, "sssd", "u", 1),
                out(WEB, "192.0.2.30", 3269, "sssd", "u", 1),
                out(WEB, "192.0.2.30", 514, "rsyslogd", "u", 1),
                out(WEB, "192.0.2.30", 5432, "psql", "u", 1)));
    Map<Integer, String> tags = new HashMap<>();
    edges.forEach(e -> tags.put(e.port(), e.infrastructure()));
    assertThat(tags)
        .containsEntry(53, "DNS")
        .containsEntry(123, "NTP")
        .containsEntry(389, "LDAP")
        .containsEntry(3269, "AD global catalog (TLS)")
        .containsEntry(514, "syslog")
        .containsEntry(5432, null);
  }

  @Test
  void anExternalAddressWithAKnownNameIsAnEndpointOfItsOwnWithAllTheNamesAddresses() {
    // two addresses discovery named smtp.example.test (round robin), one it knows nothing of
    Map<String, String> names =
        Map.of("198.51.100.25", "smtp.example.test", "198.51.100.26", "smtp.example.test");
    var infra =
        new EdgeBuilder.Infrastructure(
            Set.of(),
            List.of(new InfraRule(1L, "address", null, null, "198.51.100.26/32", null, "relay")));
    List<Edge> edges =
        EdgeBuilder.build(
            List.of(WEB, APP, DB, LONE),
            List.of(
                out(WEB, "198.51.100.25", 25, "postfix", "u", 2),
                out(WEB, "198.51.100.26", 25, "postfix", "u", 3),
                out(WEB, "198.51.100.77", 443, "curl", "u", 1)),
            infra,
            names);
    assertThat(edges).hasSize(2);
    Edge smtp = edges.stream().filter(e -> e.port() == 25).findFirst().orElseThrow();
    assertThat(smtp.server().id()).isEqualTo("name:smtp.example.test");
    assertThat(smtp.server().label()).isEqualTo("smtp.example.test");
    assertThat(smtp.server().addresses()).containsExactly("198.51.100.25", "198.51.100.26");
    assertThat(smtp.hours()).isEqualTo(3);
    // an operator's address rule matches a named endpoint by any of its addresses
    assertThat(smtp.infrastructure()).startsWith("relay");
    Edge web = edges.stream().filter(e -> e.port() == 443).findFirst().orElseThrow();
    assertThat(web.server().id()).isEqualTo("net:198.51.100.0/24");
    assertThat(web.server().addresses()).isEmpty();
  }

  @Test
  void dnsNamesCompareWithoutCaseOrTrailingDotAndAnAddressIsNoName() {
    assertThat(DependencyStore.dnsName("DB1.Example.TEST.")).isEqualTo("db1.example.test");
    assertThat(DependencyStore.dnsName("192.0.2.7")).isNull();
    assertThat(DependencyStore.dnsName("2001:db8::7")).isNull();
    assertThat(DependencyStore.dnsName(" ")).isNull();
    assertThat(DependencyStore.dnsName(null)).isNull();
  }

  @Test
  void onlyIpLiteralsAreAddressesAndNoNameIsLookedUp() {
    assertThat(EdgeBuilder.literal("127.0.0.1").getHostAddress()).isEqualTo("127.0.0.1");
    assertThat(EdgeBuilder.literal("255.255.255.255").getHostAddress())
        .isEqualTo("255.255.255.255");
    assertThat(EdgeBuilder.literal("2001:db8::1").getHostAddress())
        .isEqualTo("2001:db8:0:0:0:0:0:1");
    for (String bad :
        new String[] {
          "256.1.1.1",
          "1.2.3",
          "1.2.3.4.5",
          "1..2.3",
          "1.2.3.",
          ".1.2.3",
          "1.2.3.4a",
          "1234.1.1.1",
          "db.example",
          "localhost",
          "",
          "fe80::1%eth0 x"
        }) {
      assertThat(EdgeBuilder.literal(bad)).as(bad).isNull();
    }
  }

  @Test
  void theApplianceAndTheOperatorsPortsAddressesAndHostsAreInfrastructure() {
    var infra =
        new EdgeBuilder.Infrastructure(
            Set.of("198.51.100.5"),
            List.of(
                new InfraRule(1L, "port", 9100, "tcp", null, null, "node exporter"),
                new InfraRule(2L, "address", null, null, "192.0.2.30/32", null, "backup server"),
                new InfraRule(3L, "host", null, null, null, 4, "monitoring")));
    List<Edge> edges =
        EdgeBuilder.build(
            List.of(WEB, APP, DB, LONE),
            List.of(
                out(WEB, "198.51.100.5", 8443, "curl", "u", 1),
                in(WEB, 9100, "192.0.2.20", "node_exporter", "u", 1),
                out(APP, "192.0.2.30", 10000, "bacula", "u", 1),
                out(LONE, "192.0.2.20", 8080, "probe", "u", 1),
                out(WEB, "192.0.2.20", 8080, "curl", "u", 1)),
            infra);
    Map<String, String> tags = new HashMap<>();
    edges.forEach(
        e ->
            tags.put(
                e.client().label() + ">" + e.server().label() + ":" + e.port(),
                e.infrastructure()));
    assertThat(tags.get("web1>perfmetrics appliance:8443")).isEqualTo("the appliance");
    assertThat(tags.get("app1>web1:9100")).startsWith("node exporter");
    assertThat(tags.get("app1>db1:10000")).startsWith("backup server");
    assertThat(tags.get("lone>app1:8080")).startsWith("monitoring");
    assertThat(tags.get("web1>app1:8080")).isNull();
  }

  @Test
  void sshFromAJumpHostIsAdminAccessButSshBetweenTwoServersIsADependency() {
    KnownHost jump = new KnownHost(9, "jump", Set.of("192.0.2.99"));
    List<Edge> edges =
        EdgeBuilder.build(
            List.of(WEB, APP, DB, LONE, jump),
            List.of(
                out(jump, "192.0.2.10", 22, "ssh", "admin", 1),
                out(jump, "192.0.2.20", 22, "ssh", "admin", 1),
                out(jump, "192.0.2.30", 22, "ssh", "admin", 1),
                out(WEB, "192.0.2.20", 22, "rsync", "u", 3)),
            EdgeBuilder.Infrastructure.NONE);
    assertThat(edges.stream().filter(e -> e.client().hostId() == 9))
        .hasSize(3)
        .allSatisfy(e -> assertThat(e.infrastructure()).startsWith("SSH admin access"));
    assertThat(edges.stream().filter(e -> e.client().hostId() == 1))
        .singleElement()
        .satisfies(e -> assertThat(e.infrastructure()).isNull());
  }

  static Map<Integer, String> names() {
    Map<Integer, String> n = new HashMap<>();
    for (KnownHost h : List.of(WEB, APP, DB, LONE)) {
      n.put(h.id(), h.hostname());
    }
    return n;
  }

  static List<Observation> threeTier() {
    return List.of(
        out(WEB, "192.0.2.20", 8080, "curl", "u", 10),
        out(APP, "192.0.2.30", 5432, "java", "app", 2),
        out(DB, "192.0.2.40", 53, "named", "bind", 10),
        out(LONE, "198.51.100.1", 443, "curl", "u", 1));
  }

  @Test
  void groupsAreConnectedComponentsAndInfrastructureDoesNotJoin() {
    List<MoveGroup> groups =
        Grouping.form(names(), build(threeTier()), Map.of(), Grouping.Options.DEFAULT);
    assertThat(groups).hasSize(2);
    MoveGroup g = groups.get(0);
    assertThat(g.id()).isEqualTo("g1");
    assertThat(g.hosts())
        .extracting(MoveGroup.Member::hostname)
        .containsExactly("web1", "app1", "db1");
    assertThat(g.internalEdges()).hasSize(2);
    // the DNS edge to lone is infrastructure: it leaves the group, lone stays alone
    assertThat(g.externalDependencies())
        .singleElement()
        .satisfies(e -> assertThat(e.infrastructure()).isEqualTo("DNS"));
    assertThat(g.explanation())
        .extracting(MoveGroup.Join::reason)
        .containsExactly(
            "starts the group",
            "joined by web1 -> app1 port 8080/tcp (10 h) with web1",
            "joined by app1 -> db1 port 5432/tcp (2 h) with app1");
    MoveGroup lone = groups.get(1);
    assertThat(lone.hosts()).extracting(MoveGroup.Member::hostId).containsExactly(4);
    assertThat(lone.externalDependencies()).hasSize(2);

    // infrastructure included on request: the DNS edge joins lone too
    assertThat(Grouping.form(names(), build(threeTier()), Map.of(), new Grouping.Options(1, true)))
        .hasSize(1);
  }

  @Test
  void minHoursLeavesOutEdgesSeenTooRarely() {
    List<MoveGroup> groups =
        Grouping.form(names(), build(threeTier()), Map.of(), new Grouping.Options(5, false));
    assertThat(groups)
        .extracting(g -> g.hosts().stream().map(MoveGroup.Member::hostname).toList())
        .containsExactly(List.of("web1", "app1"), List.of("db1"), List.of("lone"));
  }

  @Test
  void anExclusionSplitsTheGroup() {
    List<Edge> edges = new ArrayList<>();
    Exclusion x = new Exclusion(7L, 2, 3, 5432, null, "nightly copy");
    for (Edge e : build(threeTier())) {
      edges.add(x.matches(e) ? e.withExclusion(7L) : e);
    }
    List<MoveGroup> groups = Grouping.form(names(), edges, Map.of(), Grouping.Options.DEFAULT);
    assertThat(groups)
        .extracting(g -> g.hosts().stream().map(MoveGroup.Member::hostname).toList())
        .containsExactly(List.of("web1", "app1"), List.of("db1"), List.of("lone"));
    assertThat(groups.get(0).externalDependencies())
        .anySatisfy(e -> assertThat(e.exclusionId()).isEqualTo(7L));
    // the exclusion names a direction and port: the other way round or another port is not it
    assertThat(new Exclusion(8L, 3, 2, 5432, null, "").matches(edges.get(0))).isFalse();
  }

  @Test
  void pinsJoinHostsWithoutEdgesAndKeepDifferentPinsApart() {
    Map<Integer, String> pins = Map.of(1, "wave 1", 4, "wave 1", 3, "wave 2");
    List<MoveGroup> groups =
        Grouping.form(names(), build(threeTier()), pins, Grouping.Options.DEFAULT);
    // web1 and lone pinned together; app1 follows web1's edge; db1 is pinned elsewhere, so the
    // app1 -> db1 edge does not merge the waves
    assertThat(groups).hasSize(2);
    MoveGroup w1 = groups.get(0);
    assertThat(w1.id()).isEqualTo("pin:wave 1");
    assertThat(w1.pinned()).isTrue();
    assertThat(w1.hosts())
        .extracting(MoveGroup.Member::hostname)
        .containsExactly("web1", "app1", "lone");
    assertThat(w1.explanation())
        .extracting(MoveGroup.Join::reason)
        .contains("pinned to 'wave 1' by the operator");
    assertThat(groups.get(1).id()).isEqualTo("pin:wave 2");
    assertThat(groups.get(1).externalDependencies())
        .anySatisfy(e -> assertThat(e.port()).isEqualTo(5432));
  }

  @Test
  void groupingDoesNotDependOnTheOrderOfTheRows() {
    List<Observation> rows = new ArrayList<>(threeTier());
    List<MoveGroup> a = Grouping.form(names(), build(rows), Map.of(), Grouping.Options.DEFAULT);
    java.util.Collections.reverse(rows);
    List<MoveGroup> b = Grouping.form(names(), build(rows), Map.of(), Grouping.Options.DEFAULT);
    assertThat(b).isEqualTo(a);
  }

  @Test
  void networksAndRangesAreComputedWithoutNameLookups() {
    assertThat(EdgeBuilder.network("127.1.2.3")).isEqualTo("127.1.2.0/24");
    assertThat(EdgeBuilder.network("2001:db8:a:b:c:d:e:f")).isEqualTo("2001:db8:a:b::/64");
    assertThat(EdgeBuilder.inCidr("192.0.2.77", "192.0.2.0/25")).isTrue();
    assertThat(EdgeBuilder.inCidr("192.0.2.177", "192.0.2.0/25")).isFalse();
    assertThat(EdgeBuilder.inCidr("2001:db8::1", "192.0.2.0/24")).isFalse();
    assertThat(EdgeBuilder.literal("db.example.com")).isNull();
    assertThat(EdgeBuilder.literal("999.1.1.1")).isNull();
    assertThat(EdgeBuilder.isLocalOnly("fe80::1")).isTrue();
  }
}
