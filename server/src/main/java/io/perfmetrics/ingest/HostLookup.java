package io.perfmetrics.ingest;

import io.perfmetrics.http.ApiException;
import io.perfmetrics.store.StorageUnavailableException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * A host as an admin names it in the sizing, ports and dependencies APIs and pages: its collector
 * id, or the hostname its collector reported (the collector's label until it has).
 */
public final class HostLookup {
  private final DataSource dataSource;

  public HostLookup(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /** The collector id of the one host {@code key} names; else the 404 or 400 that says why. */
  public int resolve(String key) {
    List<Integer> found = find(key);
    if (found.isEmpty()) {
      throw unknown(key);
    }
    if (found.size() > 1) {
      throw ApiException.badRequest(several(key, found) + ": use the collector id");
    }
    return found.get(0);
  }

  /** What is wrong with a hostname that several hosts reported: how many, and their ids. */
  public static String several(String key, List<Integer> found) {
    return "hostname '" + key + "' names " + found.size() + " hosts (collector ids " + found + ")";
  }

  /** The 404 for a key that names no host. */
  public static ApiException unknown(String key) {
    return ApiException.notFound("no host with collector id or hostname '" + key + "'");
  }

  /**
   * The collector ids {@code key} names, in order: none, one, or several hosts that reported the
   * same hostname (for a caller that says so in its own way).
   */
  public List<Integer> find(String key) {
    String sql =
        "SELECT c.id FROM collectors c LEFT JOIN host_inventory h ON h.collector_id = c.id"
            + " WHERE c.id::text = ? OR h.hostname = ? OR (h.hostname IS NULL AND c.label = ?) ORDER BY c.id";
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, key);
      ps.setString(2, key);
      ps.setString(3, key);
      List<Integer> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          if (String.valueOf(rs.getInt(1)).equals(key)) {
            // an id wins over a hostname that happens to look like one
            return List.of(rs.getInt(1));
          }
          out.add(rs.getInt(1));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new StorageUnavailableException("could not read hosts: " + e.getMessage(), e);
    }
  }
}
