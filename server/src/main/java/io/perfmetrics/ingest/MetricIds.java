package io.perfmetrics.ingest;

import io.perfmetrics.store.StorageUnavailableException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * Metric names interned to small ids, so a sample row stays four narrow columns. Names are
 * registered on first sight; the mapping never changes, so it is cached for good.
 */
public final class MetricIds {
  public static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_.]{0,63}");

  /**
   * A guard against a collector inventing names without end. Per-disk and per-volume names ({@code
   * disk.<id>.*}, {@code fs.<id>.*}, DeviceIds) make the set grow with the fleet's variety of
   * device names and mount points (a collector sends at most 64 of each, 384 names); ids are
   * smallint, so the guard stays below 32,767 with room for the fixed names.
   */
  static final int MAX_METRICS = 30_000;

  private final DataSource dataSource;
  private final Map<String, Short> ids = new ConcurrentHashMap<>();

  public MetricIds(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /** The cached id, or null when the name has not been seen by this process yet. */
  public Short cached(String name) {
    return ids.get(name);
  }

  /** Seeds the cache; for tests of code that only reads it. */
  void remember(String name, short id) {
    ids.put(name, id);
  }

  /** Ids for names, registering the new ones. */
  public Map<String, Short> resolve(Collection<String> names) throws MalformedSamplesException {
    Map<String, Short> out = new HashMap<>();
    for (String n : names) {
      Short id = ids.get(n);
      if (id != null) {
        out.put(n, id);
      }
    }
    if (out.size() == names.size()) {
      return out;
    }
    if (ids.size() + names.size() > MAX_METRICS) {
      throw new MalformedSamplesException(
          "too many distinct metric names: the receiver keeps at most " + MAX_METRICS);
    }
    String[] missing = names.stream().filter(n -> !out.containsKey(n)).toArray(String[]::new);
    try (Connection c = dataSource.getConnection()) {
      Array arr = c.createArrayOf("text", missing);
      try (PreparedStatement ins =
          c.prepareStatement(
              "INSERT INTO metrics (name) SELECT unnest(?) ON CONFLICT (name) DO NOTHING")) {
        ins.setArray(1, arr);
        ins.executeUpdate();
      }
      try (PreparedStatement sel =
          c.prepareStatement("SELECT name, id FROM metrics WHERE name = ANY(?)")) {
        sel.setArray(1, arr);
        try (ResultSet rs = sel.executeQuery()) {
          while (rs.next()) {
            ids.put(rs.getString(1), rs.getShort(2));
            out.put(rs.getString(1), rs.getShort(2));
          }
        }
      }
    } catch (SQLException e) {
      throw new StorageUnavailableException(
          "could not register metric names: " + e.getMessage(), e);
    }
    return out;
  }

  /** The name for an id, for reading series back. */
  public Map<Short, String> names() {
    Map<Short, String> out = new HashMap<>();
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT id, name FROM metrics");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.put(rs.getShort(1), rs.getString(2));
        ids.putIfAbsent(rs.getString(2), rs.getShort(1));
      }
    } catch (SQLException e) {
      throw new StorageUnavailableException("could not read metric names: " + e.getMessage(), e);
    }
    return out;
  }
}
