package io.perfmetrics.network;

import static io.perfmetrics.http.CsvCell.cell;

import java.util.List;
import java.util.StringJoiner;

/** The port audit as RFC 4180 CSV, one row per listener, its findings in one cell. */
public final class PortsCsv {
  private PortsCsv() {}

  public static String listeners(List<ListenerAudit> rows) {
    StringBuilder b =
        new StringBuilder(
            "host_id,hostname,proto,local_addr,local_port,bind_scope,user,process,service,first_seen,last_seen,"
                + "snapshots,open_now,new_after_baseline,policy,severity,findings\r\n");
    for (ListenerAudit a : rows) {
      StringJoiner findings = new StringJoiner(" | ");
      for (ListenerAudit.Finding f : a.findings()) {
        findings.add(f.severity() + " " + f.kind() + ": " + f.reason());
      }
      b.append(a.hostId())
          .append(',')
          .append(cell(a.hostname()))
          .append(',')
          .append(a.proto())
          .append(',')
          .append(cell(a.localAddr()))
          .append(',')
          .append(a.localPort())
          .append(',')
          .append(a.bindScope())
          .append(',')
          .append(cell(a.user()))
          .append(',')
          .append(cell(a.process()))
          .append(',')
          .append(cell(a.service()))
          .append(',')
          .append(a.firstSeen())
          .append(',')
          .append(a.lastSeen())
          .append(',')
          .append(a.snapshots())
          .append(',')
          .append(a.openNow())
          .append(',')
          .append(a.newAfterBaseline())
          .append(',')
          .append(a.policy() == null ? "" : a.policy())
          .append(',')
          .append(a.severity() == null ? "" : a.severity())
          .append(',')
          .append(cell(findings.toString()))
          .append("\r\n");
    }
    return b.toString();
  }
}
