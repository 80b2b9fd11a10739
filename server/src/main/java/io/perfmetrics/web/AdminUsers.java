package io.perfmetrics.web;

import io.perfmetrics.config.Secret;
import io.perfmetrics.store.StorageUnavailableException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import javax.sql.DataSource;

/** Console users (for now the one {@value #FIRST_ADMIN}), with slow password hashes. */
public final class AdminUsers {
  public static final String FIRST_ADMIN = "admin";

  /** A signed-in console user. */
  public record User(int id, String username) {}

  private final DataSource dataSource;
  private final PasswordHasher hasher;

  /** Verified against when the username is unknown, so that both cases take the same time. */
  private final String decoy;

  public AdminUsers(DataSource dataSource, PasswordHasher hasher) {
    this.dataSource = dataSource;
    this.hasher = hasher;
    this.decoy = hasher.hash(hasher.randomPassword());
  }

  /**
   * Makes sure the first admin exists. With a configured password the stored hash is (re)set to it
   * whenever it does not match, so the environment is also the way to reset a forgotten password.
   * Without one, the first start generates a password and returns it, to be shown once.
   */
  public Optional<String> ensureFirstAdmin(Secret configured) {
    Optional<String> stored = storedHash(FIRST_ADMIN);
    if (configured != null) {
      if (stored.isEmpty()) {
        insert(hasher.hash(configured.value()));
      } else if (!hasher.verify(configured.value(), stored.get())) {
        update(FIRST_ADMIN, hasher.hash(configured.value()));
      }
      return Optional.empty();
    }
    if (stored.isPresent()) {
      return Optional.empty();
    }
    String password = hasher.randomPassword();
    // another appliance on the same database may win the race; then theirs is the one printed
    return insert(hasher.hash(password)) ? Optional.of(password) : Optional.empty();
  }

  /**
   * The user, when the password is right. Takes a slow hash's time whether or not the user exists.
   */
  public Optional<User> authenticate(String username, String password) {
    if (username == null || password == null) {
      hasher.verify("", decoy);
      return Optional.empty();
    }
    Integer id = null;
    String hash = decoy;
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement("SELECT id, password_hash FROM admin_users WHERE username = ?")) {
      ps.setString(1, username);
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          id = rs.getInt(1);
          hash = rs.getString(2);
        }
      }
    } catch (SQLException e) {
      throw new StorageUnavailableException("could not read the user: " + e.getMessage(), e);
    }
    boolean ok = hasher.verify(password, hash);
    if (id == null || !ok) {
      return Optional.empty();
    }
    if (hasher.needsRehash(hash)) {
      update(username, hasher.hash(password));
    }
    return Optional.of(new User(id, username));
  }

  private Optional<String> storedHash(String username) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement("SELECT password_hash FROM admin_users WHERE username = ?")) {
      ps.setString(1, username);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
      }
    } catch (SQLException e) {
      throw new StorageUnavailableException("could not read admin users: " + e.getMessage(), e);
    }
  }

  private boolean insert(String hash) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO admin_users (username, password_hash) VALUES (?, ?) ON CONFLICT (username) DO NOTHING")) {
      ps.setString(1, FIRST_ADMIN);
      ps.setString(2, hash);
      return ps.executeUpdate() > 0;
    } catch (SQLException e) {
      throw new StorageUnavailableException(
          "could not create the first admin: " + e.getMessage(), e);
    }
  }

  private void update(String username, String hash) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "UPDATE admin_users SET password_hash = ?, password_set_at = now() WHERE username = ?")) {
      ps.setString(1, hash);
      ps.setString(2, username);
      ps.executeUpdate();
    } catch (SQLException e) {
      throw new StorageUnavailableException("could not store the password: " + e.getMessage(), e);
    }
  }
}
