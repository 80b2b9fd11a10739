package io.perfmetrics.targets;

import io.perfmetrics.store.StorageUnavailableException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/** Targets: add, list, remove. */
public final class TargetStore {
  /** Host names and IPv4/IPv6 literals; nothing that a shell or URL would read as syntax. */
  static final Pattern ADDRESS =
      Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.\\-:]{0,252}[A-Za-z0-9])?");

  static final Set<String> OS = Set.of(Target.UNIX, Target.WINDOWS, "unknown");
  private static final List<String> NAMES =
      List.of("id", "address", "port", "os_family", "credential_id", "source", "created_at");
  private static final String COLUMNS = String.join(", ", NAMES);

  /**
   * A target's columns, qualified by {@code alias}, in the order {@link #row(ResultSet, int)} reads
   * them: for a statement of another store that returns a target with its own row.
   */
  public static String columns(String alias) {
    return NAMES.stream().map(c -> alias + "." + c).collect(Collectors.joining(", "));
  }

  private final DataSource dataSource;
  private final Clock clock;

  /** The clock is the one collectors' TTLs are read against ({@code CollectorRegistry}'s). */
  public TargetStore(DataSource dataSource, Clock clock) {
    this.dataSource = dataSource;
    this.clock = clock;
  }

  /** Thrown for input a user must fix; the message says what. */
  public static final class InvalidTargetException extends RuntimeException {
    InvalidTargetException(String message) {
      super(message);
    }
  }

  public Target create(String address, Integer port, String osFamily, Long credentialId) {
    if (address == null || !ADDRESS.matcher(address).matches()) {
      throw new InvalidTargetException(
          "address must be a host name or IP address, got '" + address + "'");
    }
    if (port != null && (port < 1 || port > 65535)) {
      throw new InvalidTargetException("port must be 1-65535, got " + port);
    }
    String os = osFamily == null ? Target.UNIX : osFamily;
    if (!OS.contains(os)) {
      throw new InvalidTargetException(
          "os_family must be one of " + OS + ", got '" + osFamily + "'");
    }
    String sql =
        "INSERT INTO targets (address, port, os_family, credential_id) VALUES (?, ?, ?, ?) RETURNING "
            + COLUMNS;
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, address);
      if (port == null) {
        ps.setNull(2, Types.INTEGER);
      } else {
        ps.setInt(2, port);
      }
      ps.setString(3, os);
      ps.setObject(4, credentialId);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return row(rs);
      }
    } catch (SQLException e) {
      if ("23505".equals(e.getSQLState())) {
        throw new InvalidTargetException(
            "target " + address + (port == null ? "" : ":" + port) + " exists already");
      }
      if ("23503".equals(e.getSQLState())) {
        throw new InvalidTargetException("no credential " + credentialId);
      }
      throw new StorageUnavailableException("could not store the target: " + e.getMessage(), e);
    }
  }

  public List<Target> list() {
    return query("SELECT " + COLUMNS + " FROM targets ORDER BY id", null);
  }

  public Optional<Target> find(long id) {
    return query("SELECT " + COLUMNS + " FROM targets WHERE id = ?", id).stream().findFirst();
  }

  /**
   * What a removal did. A target whose collector is still active (neither retired nor past its TTL)
   * is kept: removed, it would leave that collector running and reporting for up to 14 days with
   * nothing in the appliance to stop it by.
   */
  public record Removal(
      boolean removed, @Nullable Integer activeCollector, @Nullable Instant until) {
    public boolean notFound() {
      return !removed && activeCollector == null;
    }

    /**
     * Why the target was kept and the two ways on, one wording for the API, the CLI and the
     * console; each names how it undeploys and how it retires (its commands, its buttons).
     */
    public String refusal(long targetId, String howToUndeploy, String howToRetire) {
      return "target "
          + targetId
          + " still has collector "
          + activeCollector
          + ", active until "
          + Objects.requireNonNull(until).truncatedTo(ChronoUnit.SECONDS)
          + ": undeploy it first, which stops the collector and removes its folder ("
          + howToUndeploy
          + "); for a host that is gone, retire the collector instead, which stops it at its next"
          + " upload ("
          + howToRetire
          + "), then remove the target";
    }
  }

  /**
   * Removes a target unless it has an active collector, in one statement (no race with a deploy).
   */
  public Removal delete(long id) {
    try (Connection c = dataSource.getConnection()) {
      // twice at most: a collector that expires or is retired between the two statements leaves
      // the target removable, and the second delete removes it
      for (int attempt = 0; attempt < 2; attempt++) {
        Timestamp now = Timestamp.from(clock.instant());
        try (PreparedStatement ps =
            c.prepareStatement(
                "DELETE FROM targets t WHERE t.id = ? AND NOT EXISTS (SELECT 1 FROM collectors k"
                    + " WHERE k.target_id = t.id AND k.status = 'active' AND k.expires_at > ?)")) {
          ps.setLong(1, id);
          ps.setTimestamp(2, now);
          if (ps.executeUpdate() > 0) {
            return new Removal(true, null, null);
          }
        }
        try (PreparedStatement ps =
            c.prepareStatement(
                "SELECT k.id, k.expires_at FROM targets t JOIN collectors k ON k.target_id = t.id"
                    + " WHERE t.id = ? AND k.status = 'active' AND k.expires_at > ?"
                    + " ORDER BY k.id DESC LIMIT 1")) {
          ps.setLong(1, id);
          ps.setTimestamp(2, now);
          try (ResultSet rs = ps.executeQuery()) {
            if (rs.next()) {
              return new Removal(false, rs.getInt(1), rs.getTimestamp(2).toInstant());
            }
          }
        }
      }
      return new Removal(false, null, null);
    } catch (SQLException e) {
      throw new StorageUnavailableException("could not delete the target: " + e.getMessage(), e);
    }
  }

  private List<Target> query(String sql, Long id) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      if (id != null) {
        ps.setLong(1, id);
      }
      List<Target> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(row(rs));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new StorageUnavailableException("could not read targets: " + e.getMessage(), e);
    }
  }

  private static Target row(ResultSet rs) throws SQLException {
    return row(rs, 1);
  }

  /** The target in {@link #columns}, from column {@code from} on. */
  public static Target row(ResultSet rs, int from) throws SQLException {
    return new Target(
        rs.getLong(from),
        rs.getString(from + 1),
        rs.getInt(from + 2),
        rs.getString(from + 3),
        (Long) rs.getObject(from + 4),
        rs.getString(from + 5),
        rs.getTimestamp(from + 6).toInstant());
  }
}
