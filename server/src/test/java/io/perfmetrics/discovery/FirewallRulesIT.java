package io.perfmetrics.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.perfmetrics.config.DiscoverySettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The manifest's allowlist rules, checked by the real tools: iptables-restore --test and nft -c -f
 * (both only parse and check; nothing is installed in the kernel). Suricata has no installation
 * candidate on these machines, so its rules get a grammar check.
 */
class FirewallRulesIT {
  static final Manifest.Rules RULES =
      Manifest.of(
              DiscoverySettings.defaults(),
              List.of("198.51.100.40", "192.0.2.7"),
              true,
              null,
              true,
              null,
              8)
          .rules();

  static String run(Path input, String... cmd) throws Exception {
    Process p =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(input.toFile()).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(String.join(" ", cmd) + " said: " + out).isZero();
    return out;
  }

  @Test
  void iptables_restore_accepts_the_iptables_rules() throws Exception {
    Path f = Files.createTempFile("pm-iptables-", ".rules");
    try {
      Files.writeString(f, RULES.iptables());
      run(f, "iptables-restore", "--test", "--noflush");
      assertThat(RULES.iptables())
          .contains("-s 198.51.100.40/32")
          .contains("--dports 22,135,139,445,3389,443,9443");
    } finally {
      Files.deleteIfExists(f);
    }
  }

  @Test
  void nft_accepts_the_nftables_rules() throws Exception {
    Path f = Files.createTempFile("pm-nft-", ".nft");
    try {
      Files.writeString(f, RULES.nftables());
      run(f, "nft", "-c", "-f", f.toString());
      assertThat(RULES.nftables())
          .contains("ip saddr 192.0.2.7 tcp dport { 22, 135, 139, 445, 3389, 443, 9443 }");
    } finally {
      Files.deleteIfExists(f);
    }
  }

  /** Suricata/Snort rule grammar: action proto src sport -> dst dport (options; sid; rev;). */
  @Test
  void suricata_pass_rules_follow_the_rule_grammar() {
    Pattern rule =
        Pattern.compile(
            "pass (tcp|icmp) (\\$HOME_NET|\\d+\\.\\d+\\.\\d+\\.\\d+) (any|\\[[\\d,]+\\]) -> (\\$HOME_NET|\\d+\\.\\d+\\.\\d+\\.\\d+)"
                + " (any|\\[[\\d,]+\\]) \\(msg:\"[^\";]+\";( flow:to_(server|client);)?( itype:8;)? sid:\\d+; rev:1;\\)");
    List<String> lines = RULES.suricata().lines().filter(l -> !l.startsWith("#")).toList();
    assertThat(lines).hasSize(6).allMatch(l -> rule.matcher(l).matches());
    assertThat(lines.stream().map(l -> l.replaceAll(".*sid:(\\d+);.*", "$1")).distinct())
        .hasSize(6);
    assertThat(RULES.snortSuppress().lines().filter(l -> !l.startsWith("#")))
        .allMatch(
            l -> l.matches("suppress gen_id 122, track by_src, ip \\d+\\.\\d+\\.\\d+\\.\\d+"));
  }

  @Test
  void netsh_rules_name_the_ports_and_the_remote_address() {
    assertThat(RULES.netsh())
        .contains(
            "netsh advfirewall firewall add rule name=\"perfmetrics discovery TCP\" dir=in action=allow protocol=TCP"
                + " localport=22,135,139,445,3389,443,9443 remoteip=198.51.100.40");
    assertThat(RULES.netsh()).contains("protocol=icmpv4:8,any remoteip=192.0.2.7");
  }
}
