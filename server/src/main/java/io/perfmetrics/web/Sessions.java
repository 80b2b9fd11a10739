package io.perfmetrics.web;

import io.perfmetrics.store.Hashes;
import io.perfmetrics.store.StorageUnavailableException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Console sessions, in the database so that appliances sharing it share them. The cookie holds 256
 * random bits; the table holds only their SHA-256. A session ends after {@code idle} without use or
 * {@code absolute} after login, whichever comes first.
 */
public final class Sessions {
  /** Last use is written at most this often, not on every request. */
  static final Duration TOUCH_EVERY = Duration.ofSeconds(60);

  /** A live session. */
  public record Session(
      byte[] idHash,
      int userId,
      String username,
      String csrfToken,
      Instant createdAt,
      Instant lastSeenAt,
      Instant expiresAt) {}

  /** What login hands out: the cookie's value (shown only to that browser) and the session. */
  public record Opened(String cookieValue, Session session) {}

  private final DataSource dataSource;
  private final Clock clock;
  private final Duration idle;
  private final Duration absolute;

  public Sessions(DataSource dataSource, Clock clock, Duration idle, Duration absolute) {
    this.dataSource = dataSource;
    this.clock = clock;
    this.idle = idle;
    this.absolute = absolute;
  }

  public Opened open(AdminUsers.User user) {
    String value = Hashes.randomSecret();
    byte[] h = Hashes.sha256(value);
    String csrf = Hashes.randomSecret();
    Instant now = clock.instant();
    Instant expires = now.plus(absolute);
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO web_sessions (id_hash, user_id, csrf_token, created_at,"
                    + " last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)")) {
      ps.setBytes(1, h);
      ps.setInt(2, user.id());
      ps.setString(3, csrf);
      ps.setTimestamp(4, Timestamp.from(now));
      ps.setTimestamp(5, Timestamp.from(now));
      ps.setTimestamp(6, Timestamp.from(expires));
      ps.executeUpdate();
    } catch (SQLException e) {
      throw new StorageUnavailableException("could not store the session: " + e.getMessage(), e);
    }
    purgeExpired(now);
    return new Opened(value, new Session(h, user.id(), user.username(), csrf, now, now, expires));
  }

  /** The live session a cookie value stands for; an expired one is deleted on sight. */
  public Optional<Session> find(String cookieValue) {
    if (cookieValue == null || cookieValue.length() != 43) {
      return Optional.empty();
    }
    byte[] h = Hashes.sha256(cookieValue);
    Session s;
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT s.user_id, u.username, s.csrf_token, s.created_at,"
                    + " s.last_seen_at, s.expires_at FROM web_sessions s JOIN admin_users u ON u.id = s.user_id WHERE s.id_hash = ?")) {
      ps.setBytes(1, h);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        s =
            new Session(
                h,
                rs.getInt(1),
                rs.getString(2),
                rs.getString(3),
                rs.getTimestamp(4).toInstant(),
                rs.getTimestamp(5).toInstant(),
                rs.getTimestamp(6).toInstant());
      }
    } catch (SQLException e) {
      throw new StorageUnavailableException("could not read the session: " + e.getMessage(), e);
    }
    Instant now = clock.instant();
    if (!now.isBefore(s.expiresAt()) || !now.isBefore(s.lastSeenAt().plus(idle))) {
      delete(h);
      return Optional.empty();
    }
    if (Duration.between(s.lastSeenAt(), now).compareTo(TOUCH_EVERY) >= 0) {
      touch(h, now);
    }
    return Optional.of(s);
  }

  public void close(Session s) {
    delete(s.idHash());
  }

  private void touch(byte[] h, Instant now) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement("UPDATE web_sessions SET last_seen_at = ? WHERE id_hash = ?")) {
      ps.setTimestamp(1, Timestamp.from(now));
      ps.setBytes(2, h);
      ps.executeUpdate();
    } catch (SQLException e) {
      throw new StorageUnavailableException("could not update the session: " + e.getMessage(), e);
    }
  }

  private void delete(byte[] h) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement("DELETE FROM web_sessions WHERE id_hash = ?")) {
      ps.setBytes(1, h);
      ps.executeUpdate();
    } catch (SQLException e) {
      throw new StorageUnavailableException("could not end the session: " + e.getMessage(), e);
    }
  }

  private void purgeExpired(Instant now) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "DELETE FROM web_sessions WHERE expires_at <= ? OR last_seen_at <= ?")) {
      ps.setTimestamp(1, Timestamp.from(now));
      ps.setTimestamp(2, Timestamp.from(now.minus(idle)));
      ps.executeUpdate();
    } catch (SQLException e) {
      throw new StorageUnavailableException("could not purge sessions: " + e.getMessage(), e);
    }
  }
}
