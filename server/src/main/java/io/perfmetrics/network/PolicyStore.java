package io.perfmetrics.network;

import io.perfmetrics.store.StorageUnavailableException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/** The port policy's rules in the database, in their order. */
public final class PolicyStore {
  private static final String COLUMNS =
      "id, action, proto, port_from, port_to, process, host, os_family, severity, note";

  private final DataSource dataSource;

  public PolicyStore(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  List<PolicyRule> list() {
    try (Connection c = dataSource.getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery("SELECT " + COLUMNS + " FROM port_policy_rules ORDER BY position, id")) {
      List<PolicyRule> out = new ArrayList<>();
      while (rs.next()) {
        out.add(rule(rs));
      }
      return out;
    } catch (SQLException e) {
      throw new StorageUnavailableException("could not read the port policy: " + e.getMessage(), e);
    }
  }

  /** Replaces every rule (an import); the rules get new ids. */
  List<PolicyRule> replaceAll(List<PolicyRule> rules) {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try {
        try (Statement s = c.createStatement()) {
          s.execute("DELETE FROM port_policy_rules");
        }
        int position = 10;
        for (PolicyRule r : rules) {
          insert(c, r, position);
          position += 10;
        }
        c.commit();
      } catch (SQLException e) {
        c.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw new StorageUnavailableException(
          "could not store the port policy: " + e.getMessage(), e);
    }
    return list();
  }

  /**
   * Adds a rule at a 1-based place in the order (null or past the end: last) and renumbers, so
   * positions stay simple multiples of ten.
   */
  PolicyRule add(PolicyRule rule, Integer place) {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try {
        lockRules(c);
        List<PolicyRule> existing = listIn(c);
        int at =
            place == null ? existing.size() : Math.max(0, Math.min(existing.size(), place - 1));
        long id = insert(c, rule, 0);
        List<Long> order = new ArrayList<>();
        existing.forEach(r -> order.add(r.id()));
        order.add(at, id);
        renumber(c, order);
        c.commit();
        return new PolicyRule(
            id,
            rule.action(),
            rule.proto(),
            rule.ports(),
            rule.process(),
            rule.host(),
            rule.osFamily(),
            rule.severity(),
            rule.note());
      } catch (SQLException e) {
        c.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw new StorageUnavailableException("could not store the rule: " + e.getMessage(), e);
    }
  }

  /** Changes a rule's fields in place (its position stays); empty when there is no such rule. */
  Optional<PolicyRule> update(long id, PolicyRule rule) {
    String sql =
        "UPDATE port_policy_rules SET action = ?, proto = ?, port_from = ?, port_to = ?, process = ?,"
            + " host = ?, os_family = ?, severity = ?, note = ? WHERE id = ?";
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      int i = bind(ps, rule, 1);
      ps.setLong(i, id);
      if (ps.executeUpdate() == 0) {
        return Optional.empty();
      }
      return Optional.of(
          new PolicyRule(
              id,
              rule.action(),
              rule.proto(),
              rule.ports(),
              rule.process(),
              rule.host(),
              rule.osFamily(),
              rule.severity(),
              rule.note()));
    } catch (SQLException e) {
      throw new StorageUnavailableException("could not store the rule: " + e.getMessage(), e);
    }
  }

  boolean delete(long id) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement("DELETE FROM port_policy_rules WHERE id = ?")) {
      ps.setLong(1, id);
      return ps.executeUpdate() > 0;
    } catch (SQLException e) {
      throw new StorageUnavailableException("could not delete the rule: " + e.getMessage(), e);
    }
  }

  private static void lockRules(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("LOCK TABLE port_policy_rules IN SHARE ROW EXCLUSIVE MODE");
    }
  }

  private static List<PolicyRule> listIn(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery("SELECT " + COLUMNS + " FROM port_policy_rules ORDER BY position, id")) {
      List<PolicyRule> out = new ArrayList<>();
      while (rs.next()) {
        out.add(rule(rs));
      }
      return out;
    }
  }

  private static void renumber(Connection c, List<Long> order) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("UPDATE port_policy_rules SET position = ? WHERE id = ?")) {
      for (int i = 0; i < order.size(); i++) {
        ps.setInt(1, (i + 1) * 10);
        ps.setLong(2, order.get(i));
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  private static long insert(Connection c, PolicyRule r, int position) throws SQLException {
    String sql =
        "INSERT INTO port_policy_rules (action, proto, port_from, port_to, process, host, os_family,"
            + " severity, note, position) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      int i = bind(ps, r, 1);
      ps.setInt(i, position);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  private static int bind(PreparedStatement ps, PolicyRule r, int i) throws SQLException {
    ps.setString(i++, r.action());
    ps.setString(i++, r.proto());
    if (r.ports() == null) {
      ps.setNull(i++, Types.INTEGER);
      ps.setNull(i++, Types.INTEGER);
    } else {
      ps.setInt(i++, r.portFrom());
      ps.setInt(i++, r.portTo());
    }
    ps.setString(i++, r.process());
    ps.setString(i++, r.host());
    ps.setString(i++, r.osFamily());
    ps.setString(i++, r.severity());
    ps.setString(i++, r.note());
    return i;
  }

  private static PolicyRule rule(ResultSet rs) throws SQLException {
    Integer from = (Integer) rs.getObject(4);
    Integer to = (Integer) rs.getObject(5);
    String ports = from == null ? null : from.equals(to) ? String.valueOf(from) : from + "-" + to;
    return new PolicyRule(
        rs.getLong(1),
        rs.getString(2),
        rs.getString(3),
        ports,
        rs.getString(6),
        rs.getString(7),
        rs.getString(8),
        rs.getString(9),
        rs.getString(10));
  }
}
