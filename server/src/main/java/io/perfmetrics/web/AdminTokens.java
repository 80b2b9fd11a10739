package io.perfmetrics.web;

import io.perfmetrics.config.Secret;
import io.perfmetrics.store.Hashes;
import io.perfmetrics.store.StorageUnavailableException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Bearer tokens of the admin API. The configured one ({@code PERFMETRICS_ADMIN_TOKEN}) is checked
 * as given; otherwise the first start generates one, stores its digest and prints it once.
 */
public final class AdminTokens {
  private static final String PREFIX = "pma_";

  private final DataSource dataSource;
  private final byte[] configured;
  private volatile List<byte[]> stored = List.of();

  public AdminTokens(DataSource dataSource, Secret configuredToken) {
    this.dataSource = dataSource;
    this.configured = configuredToken == null ? null : Hashes.sha256(configuredToken.value());
  }

  /** Creates the first token when none is configured or stored; returns it to be shown once. */
  public Optional<String> ensureInitialToken() {
    reload();
    if (configured != null || !stored.isEmpty()) {
      return Optional.empty();
    }
    String token = PREFIX + Hashes.randomSecret();
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO admin_tokens (name, token_hash) VALUES ('initial', ?) ON CONFLICT (name) DO NOTHING")) {
      ps.setBytes(1, Hashes.sha256(token));
      if (ps.executeUpdate() == 0) {
        // another appliance on the same database created it first; theirs is the one printed
        reload();
        return Optional.empty();
      }
    } catch (SQLException e) {
      throw new StorageUnavailableException(
          "could not store the admin token: " + e.getMessage(), e);
    }
    reload();
    return Optional.of(token);
  }

  public boolean accepts(String token) {
    if (token == null || token.isEmpty()) {
      return false;
    }
    byte[] h = Hashes.sha256(token);
    boolean ok = configured != null && Hashes.sameDigest(configured, h);
    for (byte[] s : stored) {
      ok |= Hashes.sameDigest(s, h);
    }
    return ok;
  }

  private void reload() {
    List<byte[]> l = new ArrayList<>();
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT token_hash FROM admin_tokens");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        l.add(rs.getBytes(1));
      }
    } catch (SQLException e) {
      throw new StorageUnavailableException("could not read admin tokens: " + e.getMessage(), e);
    }
    stored = List.copyOf(l);
  }
}
