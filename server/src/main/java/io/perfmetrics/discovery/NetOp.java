package io.perfmetrics.discovery;

import java.time.Instant;

/**
 * One operation the appliance performed on a network: a ping, a TCP probe, a DNS lookup, an SSH or
 * SMB connection, a metadata request.
 *
 * @param port null for ICMP and DNS
 * @param protocol icmp, tcp, dns, ssh, smb, nmap, http
 * @param purpose why, in words an auditor reads (e.g. "port probe", "ssh banner")
 * @param result what came back (e.g. open, closed, timeout, reply)
 * @param scanId the scan it belongs to, if any
 * @param source the package that sent it (discovery, deploy, ...)
 */
public record NetOp(
    long id,
    Instant ts,
    String destination,
    Integer port,
    String protocol,
    String purpose,
    String result,
    String detail,
    Long scanId,
    String source) {}
