package io.perfmetrics.dependencies;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.perfmetrics.sizing.FleetReport;
import java.util.List;

/**
 * Hosts that have to move together: a connected component of the edges that count, or the hosts an
 * operator pinned to one name (with the hosts their edges reach).
 *
 * @param id {@code pin:<name>} for a pinned group, else {@code g<lowest host id>}
 * @param internalEdges edges between two hosts of the group (those that joined it and the others)
 * @param externalDependencies edges that leave the group: to other groups' hosts, external
 *     networks, infrastructure, excluded ones
 * @param explanation why each host is in the group, in the order the hosts joined
 * @param sizing per provider, from the sizing report under the request's parameters; null when not
 *     asked for
 * @param cost the sums of {@code sizing} over all providers
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MoveGroup(
    String id,
    String name,
    boolean pinned,
    List<Member> hosts,
    List<Edge> internalEdges,
    List<Edge> externalDependencies,
    List<Join> explanation,
    List<FleetReport.ProviderTotal> sizing,
    Cost cost) {

  /** A host of the group with its sizing summary, where the report has one. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Member(
      int hostId,
      String hostname,
      String sizingStatus,
      String currentType,
      String recommendedType,
      Double currentMonthly,
      Double recommendedMonthly) {}

  /**
   * One step of the grouping: an edge joined {@code host} to the group (or a pin put it there, or
   * it started the group).
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Join(int hostId, String hostname, String reason, String edgeId) {}

  public record Cost(double currentMonthly, double recommendedMonthly, double monthlySavings) {}

  /** Without the edges and the explanation, for the group list. */
  public MoveGroup summary() {
    return new MoveGroup(id, name, pinned, hosts, null, null, null, sizing, cost);
  }

  MoveGroup withSizing(List<Member> members, List<FleetReport.ProviderTotal> totals, Cost sum) {
    return new MoveGroup(
        id, name, pinned, members, internalEdges, externalDependencies, explanation, totals, sum);
  }
}
