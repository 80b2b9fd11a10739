package io.perfmetrics.dependencies;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The grouping, pure: connected components over the edges between known hosts that are not
 * infrastructure (unless asked), not excluded, and seen in at least {@code minHours} hours. Hosts
 * pinned to one name start in one group; an edge never merges two groups pinned to different names.
 * Each merge is recorded, so a group explains itself.
 */
final class Grouping {
  private Grouping() {}

  /** What the grouping is asked for. */
  record Options(int minHours, boolean includeInfrastructure) {
    static final Options DEFAULT = new Options(1, false);
  }

  /** Whether an edge may join its hosts, and if not, why. */
  static String whyNot(Edge e, Options o) {
    if (!e.betweenHosts()) {
      return "external";
    }
    if (e.exclusionId() != null) {
      return "excluded";
    }
    if (e.infrastructure() != null && !o.includeInfrastructure()) {
      return "infrastructure";
    }
    if (e.hours() < o.minHours()) {
      return "below min_hours";
    }
    return null;
  }

  static List<MoveGroup> form(
      Map<Integer, String> hostnames, List<Edge> edges, Map<Integer, String> pins, Options o) {
    // union-find over host ids, in id order so that the result never depends on input order
    Map<Integer, Integer> parent = new HashMap<>();
    Map<Integer, String> pinOfRoot = new HashMap<>();
    Map<Integer, List<MoveGroup.Join>> joins = new HashMap<>();
    List<Integer> ids = new ArrayList<>(hostnames.keySet());
    ids.sort(null);
    for (int id : ids) {
      parent.put(id, id);
      String pin = pins.get(id);
      if (pin != null) {
        pinOfRoot.put(id, pin);
      }
      List<MoveGroup.Join> j = new ArrayList<>();
      j.add(
          new MoveGroup.Join(
              id,
              hostnames.get(id),
              pin == null ? "starts the group" : "pinned to '" + pin + "' by the operator",
              null));
      joins.put(id, j);
    }
    // hosts pinned to one name are one group, whatever their edges
    Map<String, Integer> firstOfPin = new TreeMap<>();
    for (int id : ids) {
      String pin = pins.get(id);
      if (pin != null) {
        Integer first = firstOfPin.putIfAbsent(pin, id);
        if (first != null) {
          union(parent, pinOfRoot, joins, first, id);
        }
      }
    }
    List<Edge> sorted = new ArrayList<>(edges);
    sorted.sort(Comparator.comparingInt(Edge::hours).reversed().thenComparing(Edge::id));
    for (Edge e : sorted) {
      if (whyNot(e, o) != null
          || !parent.containsKey(e.client().hostId())
          || !parent.containsKey(e.server().hostId())) {
        continue;
      }
      int a = find(parent, e.client().hostId());
      int b = find(parent, e.server().hostId());
      if (a == b) {
        continue;
      }
      String pa = pinOfRoot.get(a);
      String pb = pinOfRoot.get(b);
      if (pa != null && pb != null && !pa.equals(pb)) {
        continue;
      }
      // the smaller group's hosts join the larger's; the explanation names the edge
      int keep = joins.get(a).size() >= joins.get(b).size() ? a : b;
      int gone = keep == a ? b : a;
      int joiner = keep == a ? e.server().hostId() : e.client().hostId();
      int anchor = keep == a ? e.client().hostId() : e.server().hostId();
      List<MoveGroup.Join> moved = joins.remove(gone);
      List<MoveGroup.Join> into = joins.get(keep);
      into.add(
          new MoveGroup.Join(
              joiner,
              hostnames.get(joiner),
              "joined by "
                  + e.client().label()
                  + " -> "
                  + e.server().label()
                  + " port "
                  + e.port()
                  + "/"
                  + e.proto()
                  + " ("
                  + e.hours()
                  + " h) with "
                  + hostnames.get(anchor),
              e.id()));
      for (MoveGroup.Join j : moved) {
        if (j.hostId() != joiner) {
          into.add(j);
        }
      }
      parent.put(gone, keep);
      if (pinOfRoot.containsKey(gone)) {
        pinOfRoot.put(keep, pinOfRoot.remove(gone));
      }
    }
    Map<Integer, List<Integer>> members = new TreeMap<>();
    for (int id : ids) {
      members.computeIfAbsent(find(parent, id), k -> new ArrayList<>()).add(id);
    }
    Map<Integer, Integer> groupOf = new HashMap<>();
    members.forEach((root, hs) -> hs.forEach(h -> groupOf.put(h, root)));
    Map<Integer, List<Edge>> internal = new HashMap<>();
    Map<Integer, List<Edge>> external = new HashMap<>();
    for (Edge e : edges) {
      Integer gc = e.client().isHost() ? groupOf.get(e.client().hostId()) : null;
      Integer gs = e.server().isHost() ? groupOf.get(e.server().hostId()) : null;
      if (gc != null && gc.equals(gs)) {
        internal.computeIfAbsent(gc, k -> new ArrayList<>()).add(e);
        continue;
      }
      if (gc != null) {
        external.computeIfAbsent(gc, k -> new ArrayList<>()).add(e);
      }
      if (gs != null) {
        external.computeIfAbsent(gs, k -> new ArrayList<>()).add(e);
      }
    }
    List<MoveGroup> out = new ArrayList<>();
    members.forEach(
        (root, hs) -> {
          String pin = pinOfRoot.get(root);
          List<MoveGroup.Member> m = new ArrayList<>();
          for (int h : hs) {
            m.add(new MoveGroup.Member(h, hostnames.get(h), null, null, null, null, null));
          }
          out.add(
              new MoveGroup(
                  pin == null ? "g" + hs.get(0) : "pin:" + pin,
                  pin == null
                      ? hostnames.get(hs.get(0)) + (hs.size() > 1 ? " +" + (hs.size() - 1) : "")
                      : pin,
                  pin != null,
                  m,
                  List.copyOf(internal.getOrDefault(root, List.of())),
                  List.copyOf(external.getOrDefault(root, List.of())),
                  List.copyOf(joins.get(root)),
                  null,
                  null));
        });
    // biggest first: the waves that need the most planning
    out.sort(
        Comparator.<MoveGroup>comparingInt(g -> g.hosts().size())
            .reversed()
            .thenComparing(MoveGroup::id));
    return out;
  }

  private static void union(
      Map<Integer, Integer> parent,
      Map<Integer, String> pinOfRoot,
      Map<Integer, List<MoveGroup.Join>> joins,
      int a,
      int b) {
    int ra = find(parent, a);
    int rb = find(parent, b);
    if (ra != rb) {
      parent.put(rb, ra);
      joins.get(ra).addAll(joins.remove(rb));
      pinOfRoot.remove(rb);
    }
  }

  private static int find(Map<Integer, Integer> parent, int x) {
    int r = x;
    while (parent.get(r) != r) {
      r = parent.get(r);
    }
    // path compression keeps 5,000 hosts with hub services flat
    int c = x;
    while (c != r) {
      int next = parent.get(c);
      parent.put(c, r);
      c = next;
    }
    return r;
  }
}
