package io.perfmetrics.dependencies;

import static io.perfmetrics.http.CsvCell.cell;

import java.util.List;
import java.util.StringJoiner;

/** The map's edges and the groups as RFC 4180 CSV. */
public final class DependenciesCsv {
  private DependenciesCsv() {}

  public static String edges(List<Edge> edges) {
    StringBuilder b =
        new StringBuilder(
            "client,client_host_id,server,server_host_id,port,proto,first_seen,last_seen,hours,"
                + "max_connections,seen_by,client_processes,server_processes,infrastructure,exclusion_id\r\n");
    for (Edge e : edges) {
      b.append(cell(e.client().label()))
          .append(',')
          .append(e.client().hostId() == null ? "" : e.client().hostId())
          .append(',')
          .append(cell(e.server().label()))
          .append(',')
          .append(e.server().hostId() == null ? "" : e.server().hostId())
          .append(',')
          .append(e.port())
          .append(',')
          .append(e.proto())
          .append(',')
          .append(e.firstSeen())
          .append(',')
          .append(e.lastSeen())
          .append(',')
          .append(e.hours())
          .append(',')
          .append(e.maxConnections())
          .append(',')
          .append(e.seenBy())
          .append(',')
          .append(cell(String.join(" | ", e.clientProcesses())))
          .append(',')
          .append(cell(String.join(" | ", e.serverProcesses())))
          .append(',')
          .append(cell(e.infrastructure()))
          .append(',')
          .append(e.exclusionId() == null ? "" : e.exclusionId())
          .append("\r\n");
    }
    return b.toString();
  }

  public static String groups(List<MoveGroup> groups) {
    StringBuilder b =
        new StringBuilder(
            "group_id,name,pinned,hosts,host_ids,hostnames,internal_edges,external_dependencies,"
                + "current_monthly,recommended_monthly,monthly_savings\r\n");
    for (MoveGroup g : groups) {
      StringJoiner ids = new StringJoiner(" ");
      StringJoiner names = new StringJoiner(" ");
      for (MoveGroup.Member m : g.hosts()) {
        ids.add(String.valueOf(m.hostId()));
        names.add(m.hostname());
      }
      b.append(cell(g.id()))
          .append(',')
          .append(cell(g.name()))
          .append(',')
          .append(g.pinned())
          .append(',')
          .append(g.hosts().size())
          .append(',')
          .append(ids)
          .append(',')
          .append(cell(names.toString()))
          .append(',')
          .append(g.internalEdges() == null ? "" : g.internalEdges().size())
          .append(',')
          .append(g.externalDependencies() == null ? "" : g.externalDependencies().size())
          .append(',')
          .append(g.cost() == null ? "" : g.cost().currentMonthly())
          .append(',')
          .append(g.cost() == null ? "" : g.cost().recommendedMonthly())
          .append(',')
          .append(g.cost() == null ? "" : g.cost().monthlySavings())
          .append("\r\n");
    }
    return b.toString();
  }
}
