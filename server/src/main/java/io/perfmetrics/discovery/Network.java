package io.perfmetrics.discovery;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The one edge through which discovery touches a network; tests may replace it. */
interface Network {
  /** Whether ICMP echo can be sent at all; when not, nothing is sent and TCP probes decide. */
  Optional<String> pingUnavailable();

  PingResult ping(String address, Duration timeout) throws InterruptedException;

  /** The PTR name, or empty. */
  Optional<String> reverseName(String address);

  /** TCP connect; when open, reads what the server says first for up to {@code bannerWait}. */
  PortState connect(String address, int port, Duration timeout, Duration bannerWait);

  /** Anonymous SMB2 negotiate and NTLM challenge; empty when the server did not answer in SMB2. */
  Optional<SmbNtlm.Challenge> smb(String address, int port, Duration timeout)
      throws java.io.IOException;

  /** nmap's OS detection; empty when nmap is not available. */
  Optional<String> nmapUnavailable();

  NmapResult nmap(String address, List<Integer> openPorts) throws InterruptedException;

  /** nmap's best OS guess: family (unix/windows/unknown), the match's name, accuracy 0-100. */
  record NmapResult(String family, String match, int accuracy, String note) {}
}
