package io.perfmetrics.ingest;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
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
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Collectors and their tokens: minting (deploys call this too), authentication on every reach-back
 * request, retirement. Authentication is served from a short-lived cache so the hot path does not
 * query the database per request; a retirement on another appliance is seen within {@link
 * #CACHE_TTL}.
 */
public final class CollectorRegistry {
  public static final Duration DEFAULT_TTL = Duration.ofDays(14);
  static final Duration CACHE_TTL = Duration.ofSeconds(30);

  /** What authentication needs of a collector row. */
  private record Credentials(byte[] tokenHash, Instant expiresAt, boolean retired) {}

  private final DataSource dataSource;
  private final Clock clock;
  private final Cache<Integer, Optional<Credentials>> cache;

  public CollectorRegistry(DataSource dataSource, Clock clock, Ticker ticker) {
    this.dataSource = dataSource;
    this.clock = clock;
    this.cache =
        Caffeine.newBuilder()
            .ticker(ticker)
            .expireAfterWrite(CACHE_TTL)
            .maximumSize(200_000)
            .build();
  }

  /**
   * Creates a collector with a fresh token.
   *
   * @param ttl how long the collector may report; at the end it gets 410 and stops
   */
  public MintedCollector mint(String label, String kind, Long targetId, Duration ttl) {
    return store(
        ttl,
        NEW + " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (ps, tokenHash, now, expires) ->
            bindNew(ps, 1, label, kind, targetId, tokenHash, now, expires),
        "could not store the new collector");
  }

  /**
   * The collector a deploy installs on a target, with a fresh token and TTL: the target's newest
   * collector renewed (a rescan restarting it: the host keeps one collector id and so one history,
   * and the old token stops working at once), or a new one for a target that has none. One
   * statement, one round trip per host.
   *
   * @param label the new collector's label (a renewed one keeps its own)
   */
  public MintedCollector forDeploy(long targetId, String label, String kind, Duration ttl) {
    // a data-modifying WITH sees what the one before it returned, not what it changed
    return store(
        ttl,
        "WITH renewed AS (UPDATE collectors SET token_hash = ?, expires_at = ?, deployed_at = ?,"
            + " status = 'active', retired_at = NULL"
            + " WHERE id = (SELECT max(id) FROM collectors WHERE target_id = ?) RETURNING id),"
            + " minted AS ("
            + NEW
            + " SELECT ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM renewed) RETURNING id)"
            + " SELECT id FROM renewed UNION ALL SELECT id FROM minted",
        (ps, tokenHash, now, expires) -> {
          ps.setBytes(1, tokenHash);
          ps.setTimestamp(2, expires);
          ps.setTimestamp(3, now);
          ps.setLong(4, targetId);
          bindNew(ps, 5, label, kind, targetId, tokenHash, now, expires);
        },
        "could not store the collector of target " + targetId);
  }

  /** A new collector's row; its seven values are set by {@link #bindNew}. */
  private static final String NEW =
      "INSERT INTO collectors (label, kind, target_id, token_hash, created_at, deployed_at, expires_at)";

  private static void bindNew(
      PreparedStatement ps,
      int first,
      String label,
      String kind,
      Long targetId,
      byte[] tokenHash,
      Timestamp now,
      Timestamp expires)
      throws SQLException {
    ps.setString(first, label);
    ps.setString(first + 1, kind);
    ps.setObject(first + 2, targetId);
    ps.setBytes(first + 3, tokenHash);
    ps.setTimestamp(first + 4, now);
    ps.setTimestamp(first + 5, now);
    ps.setTimestamp(first + 6, expires);
  }

  /** Sets the parameters of a statement that stores a collector's fresh token. */
  private interface TokenStatement {
    void bind(PreparedStatement ps, byte[] tokenHash, Timestamp now, Timestamp expires)
        throws SQLException;
  }

  /**
   * Runs {@code sql}, which stores a fresh token valid for {@code ttl} from now and returns the
   * collector's id; the token is handed out once, here, and only its hash is kept.
   */
  private MintedCollector store(
      Duration ttl, String sql, TokenStatement statement, String failure) {
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("ttl must be positive, got " + ttl);
    }
    String secret = Hashes.randomSecret();
    Instant now = clock.instant();
    Instant expires = now.plus(ttl);
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      statement.bind(ps, Hashes.sha256(secret), Timestamp.from(now), Timestamp.from(expires));
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        int id = rs.getInt(1);
        cache.invalidate(id);
        return new MintedCollector(id, new CollectorToken(id, secret).value(), expires);
      }
    } catch (SQLException e) {
      throw new StorageUnavailableException(failure + ": " + e.getMessage(), e);
    }
  }

  /** The collector deployed to a target, if any (the newest one). */
  public Optional<CollectorRecord> forTarget(long targetId) {
    return query("WHERE target_id = ? ORDER BY id DESC LIMIT 1", targetId).stream().findFirst();
  }

  /**
   * Checks a token. Throws {@link StorageUnavailableException} when the answer is not known because
   * the database is down: a collector must then keep its spool, not be told it is unknown.
   */
  public CollectorAuth authenticate(CollectorToken token) {
    Optional<Credentials> found = cache.get(token.collectorId(), this::load);
    if (found.isEmpty()
        || !Hashes.sameDigest(found.get().tokenHash(), Hashes.sha256(token.secret()))) {
      return new CollectorAuth.Unknown();
    }
    Credentials cr = found.get();
    if (cr.retired()) {
      return new CollectorAuth.Gone(
          token.collectorId(), "collector " + token.collectorId() + " was retired");
    }
    if (!clock.instant().isBefore(cr.expiresAt())) {
      return new CollectorAuth.Gone(
          token.collectorId(),
          "collector "
              + token.collectorId()
              + " expired at "
              + cr.expiresAt().truncatedTo(ChronoUnit.SECONDS));
    }
    return new CollectorAuth.Accepted(token.collectorId());
  }

  /** Retires a collector: its next request gets 410. Returns false when there is no such one. */
  public boolean retire(int id) {
    String sql =
        "UPDATE collectors SET status = 'retired', retired_at = ? WHERE id = ? AND status <> 'retired'";
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setTimestamp(1, Timestamp.from(clock.instant()));
      ps.setInt(2, id);
      int n = ps.executeUpdate();
      cache.invalidate(id);
      return n > 0 || find(id).isPresent();
    } catch (SQLException e) {
      throw new StorageUnavailableException(
          "could not retire collector " + id + ": " + e.getMessage(), e);
    }
  }

  public Optional<CollectorRecord> find(int id) {
    List<CollectorRecord> l = query("WHERE id = ?", (long) id);
    return l.isEmpty() ? Optional.empty() : Optional.of(l.get(0));
  }

  public List<CollectorRecord> list() {
    return query("ORDER BY id", null);
  }

  private List<CollectorRecord> query(String tail, Long id) {
    String sql =
        "SELECT id, target_id, label, kind, status, created_at, expires_at, last_seen_at, retired_at"
            + " FROM collectors "
            + tail;
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      if (id != null) {
        ps.setLong(1, id);
      }
      List<CollectorRecord> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(
              new CollectorRecord(
                  rs.getInt(1),
                  (Long) rs.getObject(2),
                  rs.getString(3),
                  rs.getString(4),
                  rs.getString(5),
                  instant(rs.getTimestamp(6)),
                  instant(rs.getTimestamp(7)),
                  instant(rs.getTimestamp(8)),
                  instant(rs.getTimestamp(9))));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new StorageUnavailableException("could not read collectors: " + e.getMessage(), e);
    }
  }

  private Optional<Credentials> load(int id) {
    String sql = "SELECT token_hash, expires_at, status FROM collectors WHERE id = ?";
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setInt(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        return Optional.of(
            new Credentials(
                rs.getBytes(1), rs.getTimestamp(2).toInstant(), "retired".equals(rs.getString(3))));
      }
    } catch (SQLException e) {
      throw new StorageUnavailableException(
          "could not check the collector token: " + e.getMessage(), e);
    }
  }

  private static Instant instant(Timestamp t) {
    return t == null ? null : t.toInstant();
  }

  /** Collectors by state now, for the appliance's metrics. */
  public record Counts(long active, long expiring, long expired, long retired) {}

  /**
   * Counts the collectors by state.
   *
   * @param expiringWithin an active collector whose TTL ends within this is counted as expiring
   *     (not as active): a rescan should restart it soon
   */
  public Counts counts(Duration expiringWithin) {
    Instant now = clock.instant();
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT count(*) FILTER (WHERE status = 'active' AND expires_at > ?),"
                    + " count(*) FILTER (WHERE status = 'active' AND expires_at > ? AND expires_at <= ?),"
                    + " count(*) FILTER (WHERE status = 'active' AND expires_at <= ?),"
                    + " count(*) FILTER (WHERE status = 'retired') FROM collectors")) {
      Timestamp soon = Timestamp.from(now.plus(expiringWithin));
      Timestamp current = Timestamp.from(now);
      ps.setTimestamp(1, soon);
      ps.setTimestamp(2, current);
      ps.setTimestamp(3, soon);
      ps.setTimestamp(4, current);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return new Counts(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4));
      }
    } catch (SQLException e) {
      throw new StorageUnavailableException("cannot count collectors: " + e.getMessage(), e);
    }
  }
}
