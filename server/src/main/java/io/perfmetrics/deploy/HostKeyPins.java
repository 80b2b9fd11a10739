package io.perfmetrics.deploy;

import io.perfmetrics.store.StorageUnavailableException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * SSH host keys pinned on first use. A different key later is remembered as pending and refused
 * until an admin accepts it: a re-installed host and a man in the middle look the same from here.
 */
public final class HostKeyPins {
  /** The verdict on a presented key. */
  public enum Verdict {
    PINNED_NOW,
    MATCHES,
    CHANGED
  }

  private final DataSource dataSource;

  public HostKeyPins(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  public Verdict check(String address, int port, String algorithm, String fingerprint) {
    try (Connection c = dataSource.getConnection()) {
      // one round trip for both common cases: the row inserted now (pinned on first use), or the
      // pin already there (the outer SELECT sees the table as it was before the INSERT)
      try (PreparedStatement pin =
          c.prepareStatement(
              "WITH ins AS (INSERT INTO host_keys (address, port, algorithm, fingerprint) VALUES (?, ?, ?, ?)"
                  + " ON CONFLICT DO NOTHING RETURNING fingerprint)"
                  + " SELECT true, fingerprint FROM ins"
                  + " UNION ALL SELECT false, fingerprint FROM host_keys WHERE address = ? AND port = ?")) {
        pin.setString(1, address);
        pin.setInt(2, port);
        pin.setString(3, algorithm);
        pin.setString(4, fingerprint);
        pin.setString(5, address);
        pin.setInt(6, port);
        try (ResultSet rs = pin.executeQuery()) {
          if (!rs.next()) {
            // the pin was taken by a concurrent insert this statement could not see yet
            return checkAgain(c, address, port, fingerprint);
          }
          if (rs.getBoolean(1)) {
            return Verdict.PINNED_NOW;
          }
          if (rs.getString(2).equals(fingerprint)) {
            return Verdict.MATCHES;
          }
        }
      }
      return changed(c, address, port, fingerprint);
    } catch (SQLException e) {
      throw new StorageUnavailableException("could not check the host key: " + e.getMessage(), e);
    }
  }

  /** The pinned key compared, after a conflict on a row inserted concurrently. */
  private static Verdict checkAgain(Connection c, String address, int port, String fingerprint)
      throws SQLException {
    try (PreparedStatement sel =
        c.prepareStatement("SELECT fingerprint FROM host_keys WHERE address = ? AND port = ?")) {
      sel.setString(1, address);
      sel.setInt(2, port);
      try (ResultSet rs = sel.executeQuery()) {
        if (!rs.next()) {
          throw new SQLException("the pin of " + address + ":" + port + " vanished while checked");
        }
        if (rs.getString(1).equals(fingerprint)) {
          return Verdict.MATCHES;
        }
      }
    }
    return changed(c, address, port, fingerprint);
  }

  /** Remembers a key that differs from the pin as pending, for an admin to accept. */
  private static Verdict changed(Connection c, String address, int port, String fingerprint)
      throws SQLException {
    try (PreparedStatement upd =
        c.prepareStatement(
            "UPDATE host_keys SET pending_fingerprint = ?, pending_seen_at = now() WHERE address = ? AND port = ?")) {
      upd.setString(1, fingerprint);
      upd.setString(2, address);
      upd.setInt(3, port);
      upd.executeUpdate();
    }
    return Verdict.CHANGED;
  }

  /** What a preflight says about a presented key. */
  public record Seen(Verdict verdict, String pinned) {}

  /**
   * Like {@link #check} without pinning: a preflight changes nothing. A changed key is still
   * remembered as pending, so the admin can accept it after reading the preflight. {@code
   * PINNED_NOW} here means "new: a deploy would pin it".
   */
  public Seen inspect(String address, int port, String fingerprint) {
    try (Connection c = dataSource.getConnection()) {
      String pinned;
      try (PreparedStatement sel =
          c.prepareStatement("SELECT fingerprint FROM host_keys WHERE address = ? AND port = ?")) {
        sel.setString(1, address);
        sel.setInt(2, port);
        try (ResultSet rs = sel.executeQuery()) {
          if (!rs.next()) {
            return new Seen(Verdict.PINNED_NOW, null);
          }
          pinned = rs.getString(1);
        }
      }
      if (pinned.equals(fingerprint)) {
        return new Seen(Verdict.MATCHES, pinned);
      }
      try (PreparedStatement upd =
          c.prepareStatement(
              "UPDATE host_keys SET pending_fingerprint = ?, pending_seen_at = now() WHERE address = ? AND port = ?")) {
        upd.setString(1, fingerprint);
        upd.setString(2, address);
        upd.setInt(3, port);
        upd.executeUpdate();
      }
      return new Seen(Verdict.CHANGED, pinned);
    } catch (SQLException e) {
      throw new StorageUnavailableException("could not check the host key: " + e.getMessage(), e);
    }
  }

  /** Makes the pending key the pinned one; false when no change is pending. */
  public boolean acceptPending(String address, int port) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "UPDATE host_keys SET fingerprint = pending_fingerprint, pinned_at = now(), pending_fingerprint = NULL,"
                    + " pending_seen_at = NULL WHERE address = ? AND port = ? AND pending_fingerprint IS NOT NULL")) {
      ps.setString(1, address);
      ps.setInt(2, port);
      return ps.executeUpdate() > 0;
    } catch (SQLException e) {
      throw new StorageUnavailableException("could not accept the host key: " + e.getMessage(), e);
    }
  }
}
