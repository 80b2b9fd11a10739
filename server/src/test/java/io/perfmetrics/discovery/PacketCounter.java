package io.perfmetrics.discovery;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Counts, with iptables counters on the OUTPUT chain, the TCP SYNs and ICMP echo requests this
 * machine sends to given addresses: an independent check of the operations log. The rules only
 * count (no target) and live in a chain of their own, removed on close.
 */
final class PacketCounter implements AutoCloseable {
  private final String chain =
      "PMTEST" + UUID.randomUUID().toString().substring(0, 8).toUpperCase();

  private PacketCounter() {}

  static PacketCounter on(List<String> addresses) {
    PacketCounter c = new PacketCounter();
    c.ipt("-N", c.chain);
    c.ipt("-I", "OUTPUT", "-j", c.chain);
    for (String a : addresses) {
      c.ipt("-A", c.chain, "-d", a, "-p", "tcp", "--syn");
      c.ipt("-A", c.chain, "-d", a, "-p", "icmp", "--icmp-type", "echo-request");
    }
    return c;
  }

  int syns(String address) {
    return count(address, "tcp");
  }

  int echoRequests(String address) {
    return count(address, "icmp");
  }

  private int count(String address, String proto) {
    String out = ipt("-L", chain, "-n", "-v", "-x");
    for (String line : out.split("\n")) {
      String[] f = line.trim().split("\\s+");
      // pkts bytes prot opt in out source destination ... (no target: these rules only count; -n
      // prints
      // protocol numbers)
      String number = proto.equals("tcp") ? "6" : "1";
      if (f.length >= 8 && f[0].matches("\\d+") && f[2].equals(number) && f[7].equals(address)) {
        return Integer.parseInt(f[0]);
      }
    }
    throw new IllegalStateException("no counter for " + proto + " to " + address + " in:\n" + out);
  }

  private String ipt(String... args) {
    List<String> cmd = new ArrayList<>(List.of("iptables", "-w"));
    cmd.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
      }
      return out;
    } catch (IOException e) {
      throw new IllegalStateException(
          "iptables is needed to count packets (scripts/test installs it)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    ipt("-D", "OUTPUT", "-j", chain);
    ipt("-F", chain);
    ipt("-X", chain);
  }
}
