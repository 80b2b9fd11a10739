package io.perfmetrics.discovery;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads an OS hint from the identification line an SSH server sends first (RFC 4253 4.2). */
final class SshBanner {
  private static final Pattern LINE = Pattern.compile("SSH-(\\d+\\.\\d+)-(\\S+)(?:\\s+(.*))?");
  private static final Pattern DEBIAN = Pattern.compile("deb(\\d+)u\\d+");

  private SshBanner() {}

  static Optional<OsHint> parse(String banner) {
    if (banner == null) {
      return Optional.empty();
    }
    String first = banner.lines().filter(l -> l.startsWith("SSH-")).findFirst().orElse(null);
    if (first == null) {
      return Optional.empty();
    }
    Matcher m = LINE.matcher(first.strip());
    if (!m.matches()) {
      return Optional.empty();
    }
    String software = m.group(2);
    String comment = m.group(3) == null ? "" : m.group(3).strip();
    String product = software.replace('_', ' ');
    String lower = (software + " " + comment).toLowerCase(Locale.ROOT);
    if (lower.contains("openssh_for_windows")
        || lower.contains("for_windows")
        || lower.contains("windows")) {
      return Optional.of(new OsHint("ssh-banner", "windows", product + " " + comment, 0.8));
    }
    String distro = null;
    Matcher deb = DEBIAN.matcher(comment);
    if (comment.startsWith("Debian")) {
      distro = deb.find() ? "Debian " + deb.group(1) : "Debian";
    } else if (comment.startsWith("Ubuntu")) {
      distro = "Ubuntu";
    } else if (comment.startsWith("Raspbian")) {
      distro = "Raspbian";
    } else if (lower.contains("freebsd")) {
      distro = "FreeBSD";
    } else if (!comment.isEmpty()) {
      distro = comment;
    }
    String detail = product + (distro == null ? "" : ", " + distro) + " (" + first.strip() + ")";
    if (software.startsWith("OpenSSH") || software.startsWith("dropbear")) {
      return Optional.of(new OsHint("ssh-banner", "unix", detail, distro == null ? 0.7 : 0.9));
    }
    return Optional.of(new OsHint("ssh-banner", "unknown", detail, 0.3));
  }
}
