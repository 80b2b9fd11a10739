package io.perfmetrics.deploy.ssh;

import io.perfmetrics.deploy.Check;
import io.perfmetrics.deploy.Transport;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The read-only probe a preflight runs on a Unix host in one exec channel, and the checks made of
 * its answer. The probe only reads: {@code command -v}, {@code test -w}, {@code df}, the pidfile
 * and state file, {@code date}, and a GET of the appliance's /healthz whose body goes to /dev/null
 * (wget without its HSTS file).
 */
final class SshPreflight {
  /** Run as {@code sh -c <probe> sh <tools dir> <appliance url>}; answers key=value lines. */
  static final String PROBE =
      String.join(
          "\n",
          "d=$1; u=$2; s=collector.sh; ca=$(cat)",
          "echo shell=ok",
          "c=; if command -v curl >/dev/null 2>&1; then c=curl; elif command -v wget >/dev/null 2>&1; then c=wget; fi",
          "echo \"http_client=$c\"",
          "case $c in",
          "  curl) if curl --version 2>/dev/null | grep -i '^protocols:' | grep -qw https; then echo tls=yes; else echo tls=no; fi ;;",
          "  wget) if wget --version 2>/dev/null | grep -q '+https\\|+ssl'; then echo tls=yes;"
              + " elif wget --version >/dev/null 2>&1; then echo tls=no; else echo tls=unknown; fi ;;",
          "esac",
          "t=$d; while [ ! -e \"$t\" ] && [ \"$t\" != / ] && [ -n \"$t\" ]; do t=$(dirname \"$t\"); done",
          "echo \"tools_base=$t\"",
          "if [ -d \"$t\" ] && [ -w \"$t\" ] && [ -x \"$t\" ]; then echo tools_writable=yes; else echo tools_writable=no; fi",
          "echo \"free_kb=$(df -Pk \"$t\" 2>/dev/null | awk 'NR==2 {print $4}')\"",
          "if [ -r /proc/stat ] && [ -r /proc/meminfo ] && [ -d /proc/self ]; then echo proc=yes; else echo proc=no; fi",
          "echo \"clock=$(date -u +%s)\"",
          "p=$(cat \"$d/collector.pid\" 2>/dev/null)",
          "if [ -n \"$p\" ] && kill -0 \"$p\" 2>/dev/null && grep -q \"$s\" \"/proc/$p/cmdline\" 2>/dev/null; then echo collector=running;"
              + " elif [ -f \"$d/$s\" ]; then echo collector=stopped; else echo collector=absent; fi",
          "sed -n 's/^expires_at=/collector_expires_at=/p' \"$d/collector.state\" 2>/dev/null",
          "case $c in",
          // over https with the appliance's CA only, from stdin, as the collector will verify it
          "  curl) if [ -n \"$ca\" ]; then r=$(printf '%s\\n' \"$ca\" | curl -sS --cacert /dev/stdin -o /dev/null -m 5"
              + " -w '%{http_code}' \"$u/healthz\" 2>&1); else r=$(curl -sS -o /dev/null -m 5 -w '%{http_code}'"
              + " \"$u/healthz\" 2>&1); fi ;;",
          "  wget) h=; wget --help 2>&1 | grep -q -- --no-hsts && h=--no-hsts;"
              + " if [ -n \"$ca\" ]; then if r=$(printf '%s\\n' \"$ca\" | wget $h --ca-certificate=/dev/stdin -q -T 5"
              + " -O /dev/null \"$u/healthz\" 2>&1); then r=200; fi;"
              + " elif r=$(wget $h -q -T 5 -O /dev/null \"$u/healthz\" 2>&1); then r=200; fi ;;",
          "  *) r=skipped ;;",
          "esac",
          "echo \"reach=$(printf '%s' \"$r\" | tr '\\n' ' ')\"",
          "");

  static String command(String toolsDir, String url) {
    return SshTransport.shell(PROBE, toolsDir, url);
  }

  static Map<String, String> parse(String out) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String line : out.split("\n", -1)) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        m.putIfAbsent(line.substring(0, eq), line.substring(eq + 1).trim());
      }
    }
    return m;
  }

  /**
   * The checks made of the probe's answer; {@code sent} and {@code received} bracket it on the
   * appliance's clock.
   */
  static List<Check> checks(
      Map<String, String> a,
      String user,
      String toolsDir,
      Transport.PreflightContext ctx,
      Instant sent,
      Instant received) {
    List<Check> out = new ArrayList<>();
    out.add(Check.pass("shell", "/bin/sh runs commands for " + user));
    String client = a.getOrDefault("http_client", "");
    boolean https = "https".equals(ctx.applianceUrl().getScheme());
    if (client.isEmpty()) {
      out.add(
          Check.fail(
              "http_client",
              "neither curl nor wget is on the PATH of " + user,
              "Install curl (or wget) on the host, e.g. apt-get install curl or yum install curl: the collector uploads with it."));
    } else if ("no".equals(a.get("tls"))) {
      out.add(
          https
              ? Check.fail(
                  "http_client",
                  client + " without TLS support, and the appliance URL is https",
                  "Install a "
                      + client
                      + " built with TLS (e.g. the distribution's curl package), or reach the appliance over http.")
              : Check.warn(
                  "http_client",
                  client + " without TLS support (fine for the http appliance URL)",
                  "Install a " + client + " built with TLS before moving the appliance to https."));
    } else {
      out.add(
          Check.pass(
              "http_client",
              client + ("yes".equals(a.get("tls")) ? " with TLS" : " (TLS support unknown)")));
    }
    String base = a.getOrDefault("tools_base", "/");
    if (!"yes".equals(a.get("tools_writable"))) {
      out.add(
          Check.fail(
              "tools_folder",
              base + " is not writable by " + user + " (the collector goes to " + toolsDir + ")",
              "Make "
                  + base
                  + " writable for "
                  + user
                  + " (on most systems /var/tmp is mode 1777: chmod 1777 "
                  + base
                  + "), or set the appliance's tools folder to a directory "
                  + user
                  + " can write."));
    } else {
      long freeKb = parseLong(a.get("free_kb"));
      if (freeKb >= 0 && freeKb < 16 * 1024) {
        out.add(
            Check.warn(
                "tools_folder",
                base + " is writable but only " + freeKb + " KiB are free",
                "Free at least 16 MiB on the filesystem of "
                    + base
                    + ": the collector keeps a spool of up to 8 MiB there."));
      } else {
        out.add(
            Check.pass(
                "tools_folder",
                base
                    + " is writable, "
                    + (freeKb < 0 ? "free space unknown" : freeKb / 1024 + " MiB free")));
      }
    }
    out.add(
        "yes".equals(a.get("proc"))
            ? Check.pass("proc", "/proc is mounted")
            : Check.fail(
                "proc",
                "/proc/stat or /proc/meminfo cannot be read",
                "Mount procfs (mount -t proc proc /proc): the collector reads every metric from /proc."));
    long remote = parseLong(a.get("clock"));
    if (remote < 0) {
      out.add(
          Check.warn(
              "clock", "the host did not tell its time", "Make sure date(1) works on the host."));
    } else {
      long mid = (sent.getEpochSecond() + received.getEpochSecond()) / 2;
      long skew = remote - mid;
      long slack = Math.max(2, received.getEpochSecond() - sent.getEpochSecond());
      String fix =
          "Synchronise the host's clock with NTP (e.g. systemctl enable --now systemd-timesyncd or chronyd).";
      if (skew > 86_400) {
        out.add(
            Check.fail(
                "clock",
                "the host is "
                    + skew
                    + " s ahead of the appliance: the receiver refuses samples over a day ahead",
                fix));
      } else if (Math.abs(skew) > 60 + slack) {
        out.add(
            Check.warn(
                "clock",
                "the host is "
                    + Math.abs(skew)
                    + " s "
                    + (skew > 0 ? "ahead of" : "behind")
                    + " the appliance",
                fix));
      } else {
        out.add(
            Check.pass(
                "clock", "within " + Math.max(Math.abs(skew), slack) + " s of the appliance"));
      }
    }
    String collector = a.getOrDefault("collector", "absent");
    long expires = parseLong(a.get("collector_expires_at"));
    if ("running".equals(collector)) {
      out.add(
          Check.pass(
              "collector", "a collector is running (a deploy leaves it alone unless forced)"));
    } else if ("stopped".equals(collector) && expires > 0 && expires <= received.getEpochSecond()) {
      out.add(
          Check.pass(
              "collector",
              "a collector is installed and expired (a deploy or rescan restarts it)"));
    } else if ("stopped".equals(collector)) {
      out.add(
          Check.pass(
              "collector",
              "a collector is installed and stopped (a deploy or rescan restarts it)"));
    } else {
      out.add(Check.pass("collector", "no collector installed yet"));
    }
    String reach = a.getOrDefault("reach", "skipped");
    String healthz = ctx.applianceUrl() + "/healthz";
    if (client.isEmpty() || "skipped".equals(reach)) {
      out.add(Check.skip("appliance_reach", "no curl or wget to try " + healthz + " with"));
    } else if (reach.equals("200")) {
      out.add(Check.pass("appliance_reach", "the host reaches " + healthz));
    } else {
      int port = ctx.applianceUrl().getPort() > 0 ? ctx.applianceUrl().getPort() : https ? 443 : 80;
      out.add(
          Check.fail(
              "appliance_reach",
              "the host cannot reach " + healthz + " (" + client + ": " + reach.strip() + ")",
              "Let the host reach the appliance: open TCP "
                  + port
                  + " from it to "
                  + ctx.applianceUrl().getHost()
                  + " (firewall, proxy), or set PERFMETRICS_PUBLIC_URL to an address the hosts can reach."));
    }
    return out;
  }

  private static long parseLong(String s) {
    try {
      return s == null || s.isBlank() ? -1 : Long.parseLong(s.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
