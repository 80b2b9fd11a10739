package io.perfmetrics.targets;

import io.perfmetrics.store.StorageUnavailableException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.sql.DataSource;

/**
 * Credentials for targets, secrets sealed with the master key; the API can write them, never read
 * them.
 */
public final class CredentialStore {
  static final Set<String> KINDS =
      Set.of(Credential.SSH_PASSWORD, Credential.SSH_KEY, Credential.SMB_PASSWORD);
  private static final String COLUMNS =
      "id, name, kind, username, passphrase_ciphertext IS NOT NULL, use_sudo, created_at";

  private final DataSource dataSource;
  private final SecretBox box;

  public CredentialStore(DataSource dataSource, SecretBox box) {
    this.dataSource = dataSource;
    this.box = box;
  }

  /** Thrown for input a user must fix; the message says what. */
  public static final class InvalidCredentialException extends RuntimeException {
    InvalidCredentialException(String message) {
      super(message);
    }
  }

  public Credential create(
      String name, String kind, String username, String secret, String passphrase, boolean sudo) {
    if (name == null || name.isBlank() || name.length() > 100) {
      throw new InvalidCredentialException("name is required (at most 100 characters)");
    }
    if (!KINDS.contains(kind)) {
      throw new InvalidCredentialException("kind must be one of " + KINDS + ", got '" + kind + "'");
    }
    if (username == null || username.isBlank() || username.length() > 256) {
      throw new InvalidCredentialException("username is required (at most 256 characters)");
    }
    if (secret == null || secret.isEmpty()) {
      throw new InvalidCredentialException(
          Credential.SSH_KEY.equals(kind) ? "private_key is required" : "password is required");
    }
    if (Credential.SSH_KEY.equals(kind) && !secret.contains("PRIVATE KEY-----")) {
      throw new InvalidCredentialException(
          "private_key must be an OpenSSH or PEM private key (-----BEGIN ... PRIVATE KEY-----)");
    }
    String sql =
        "INSERT INTO credentials (name, kind, username, secret_ciphertext, passphrase_ciphertext, use_sudo)"
            + " VALUES (?, ?, ?, ?, ?, ?) RETURNING "
            + COLUMNS;
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, name);
      ps.setString(2, kind);
      ps.setString(3, username);
      ps.setBytes(4, box.seal(secret, aad(name, "secret")));
      ps.setBytes(
          5,
          passphrase == null || passphrase.isEmpty()
              ? null
              : box.seal(passphrase, aad(name, "passphrase")));
      ps.setBoolean(6, sudo);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return row(rs);
      }
    } catch (SQLException e) {
      if ("23505".equals(e.getSQLState())) {
        throw new InvalidCredentialException("a credential named '" + name + "' exists already");
      }
      throw new StorageUnavailableException("could not store the credential: " + e.getMessage(), e);
    }
  }

  public List<Credential> list() {
    return query("SELECT " + COLUMNS + " FROM credentials ORDER BY id", null);
  }

  public Optional<Credential> find(long id) {
    return query("SELECT " + COLUMNS + " FROM credentials WHERE id = ?", id).stream().findFirst();
  }

  public boolean delete(long id) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement("DELETE FROM credentials WHERE id = ?")) {
      ps.setLong(1, id);
      return ps.executeUpdate() > 0;
    } catch (SQLException e) {
      throw new StorageUnavailableException(
          "could not delete the credential: " + e.getMessage(), e);
    }
  }

  /** Decrypts a credential for a transport. Not reachable from any route. */
  public Optional<CredentialSecrets> unseal(long id) {
    String sql =
        "SELECT "
            + COLUMNS
            + ", secret_ciphertext, passphrase_ciphertext FROM credentials WHERE id = ?";
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setLong(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        Credential cr = row(rs);
        byte[] pass = rs.getBytes(9);
        return Optional.of(
            new CredentialSecrets(
                cr,
                box.open(rs.getBytes(8), aad(cr.name(), "secret")),
                pass == null ? null : box.open(pass, aad(cr.name(), "passphrase"))));
      }
    } catch (SQLException e) {
      throw new StorageUnavailableException("could not read the credential: " + e.getMessage(), e);
    }
  }

  private List<Credential> query(String sql, Long id) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      if (id != null) {
        ps.setLong(1, id);
      }
      List<Credential> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(row(rs));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new StorageUnavailableException("could not read credentials: " + e.getMessage(), e);
    }
  }

  private static Credential row(ResultSet rs) throws SQLException {
    return new Credential(
        rs.getLong(1),
        rs.getString(2),
        rs.getString(3),
        rs.getString(4),
        rs.getBoolean(5),
        rs.getBoolean(6),
        rs.getTimestamp(7).toInstant());
  }

  private static String aad(String name, String column) {
    return "perfmetrics/credentials/" + name + "/" + column;
  }
}
