package io.perfmetrics.network;

import java.time.Instant;
import java.util.List;

/**
 * One listener of one host as the port audit sees it.
 *
 * @param bindScope {@code all} (every interface), {@code loopback} or {@code specific}
 * @param openNow seen in the host's latest snapshot
 * @param newAfterBaseline first seen after the first day the host's sockets were observed
 * @param policy the action of the first policy rule that matches, or null
 * @param severity the worst of the findings' severities, or null
 */
public record ListenerAudit(
    int hostId,
    String hostname,
    String proto,
    String localAddr,
    int localPort,
    String bindScope,
    String user,
    String process,
    String service,
    Instant firstSeen,
    Instant lastSeen,
    long snapshots,
    boolean openNow,
    boolean newAfterBaseline,
    String policy,
    Long policyRuleId,
    String severity,
    List<Finding> findings) {

  /**
   * Why a listener is reported.
   *
   * @param kind {@code policy_deny}, {@code risky_service}, {@code new_listener} or {@code
   *     privileged_port_user}
   */
  public record Finding(String kind, String severity, String reason) {}

  static final List<String> KINDS =
      List.of("policy_deny", "risky_service", "new_listener", "privileged_port_user");
}
