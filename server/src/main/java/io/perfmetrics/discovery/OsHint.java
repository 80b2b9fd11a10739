package io.perfmetrics.discovery;

/**
 * A guess about a host's operating system, with where it came from and how sure it is.
 *
 * @param source ssh-banner, smb-ntlm, nmap, open-ports
 * @param family unix, windows or unknown
 * @param detail e.g. "OpenSSH 9.2p1, Debian 12" or "Windows Server 2022 (10.0.20348)"
 * @param confidence 0.0 to 1.0
 */
public record OsHint(String source, String family, String detail, double confidence) {}
