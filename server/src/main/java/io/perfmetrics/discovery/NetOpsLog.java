package io.perfmetrics.discovery;

import static io.perfmetrics.http.CsvCell.cell;

import io.perfmetrics.store.StorageUnavailableException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * The network operations log: every packet-sending operation the appliance makes is recorded here,
 * by any package (discovery now, deploy later). Call {@link #record} once per operation, with the
 * time the operation started.
 */
public final class NetOpsLog {
  /** Query filters; null means any. */
  public record Filter(
      Long scanId,
      String destination,
      String protocol,
      String source,
      Instant from,
      Instant to,
      int limit,
      long offset) {
    public static Filter all() {
      return new Filter(null, null, null, null, null, null, 1000, 0);
    }
  }

  private final DataSource ds;

  public NetOpsLog(DataSource ds) {
    this.ds = ds;
  }

  /** Records one operation; its time is when it started. */
  public void record(Operation op) {
    // A cancelled scan interrupts its probes; the packet already left, so its record must still be
    // written. An interrupt closes a virtual thread's socket, so the flag is held back meanwhile
    // (and the write tried once more if one arrived during it), then restored for the caller.
    boolean interrupted = Thread.interrupted();
    try {
      insert(op);
    } catch (StorageUnavailableException e) {
      if (!Thread.interrupted()) {
        throw e;
      }
      interrupted = true;
      insert(op);
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void insert(Operation op) {
    try (Connection c = ds.getConnection();
        PreparedStatement ps = c.prepareStatement(INSERT)) {
      bind(ps, 1, op);
      ps.executeUpdate();
    } catch (SQLException e) {
      throw new StorageUnavailableException(
          "could not record a network operation to " + op.destination(), e);
    }
  }

  /**
   * One entry of the log: {@link #record} writes it alone, {@link #bind} in the same statement as
   * the change it goes with.
   */
  public record Operation(
      Instant ts,
      String source,
      @Nullable Long scanId,
      String destination,
      @Nullable Integer port,
      String protocol,
      String purpose,
      String result,
      @Nullable String detail) {}

  /** The statement that writes one entry; {@link #bind} fills in its parameters. */
  public static final String INSERT =
      "INSERT INTO netops (ts, destination, port, protocol, purpose, result, detail, scan_id, source)"
          + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";

  /**
   * Sets the parameters of {@link #INSERT} from {@code first} on: a statement may write an entry
   * with the change it goes with, as a deploy host's result does (one statement is one transaction,
   * so an appliance killed in between cannot leave an entry without its result).
   */
  public static void bind(PreparedStatement ps, int first, Operation op) throws SQLException {
    ps.setTimestamp(first, Timestamp.from(op.ts()));
    ps.setString(first + 1, op.destination());
    if (op.port() == null) {
      ps.setNull(first + 2, Types.INTEGER);
    } else {
      ps.setInt(first + 2, op.port());
    }
    ps.setString(first + 3, op.protocol());
    ps.setString(first + 4, op.purpose());
    ps.setString(first + 5, op.result());
    ps.setString(first + 6, op.detail() == null ? null : truncate(op.detail(), 2000));
    if (op.scanId() == null) {
      ps.setNull(first + 7, Types.BIGINT);
    } else {
      ps.setLong(first + 7, op.scanId());
    }
    ps.setString(first + 8, op.source());
  }

  public List<NetOp> query(Filter f) {
    StringBuilder sql =
        new StringBuilder(
            "SELECT id, ts, destination, port, protocol, purpose, result, detail, scan_id, source FROM netops WHERE true");
    List<Object> args = new ArrayList<>();
    if (f.scanId() != null) {
      sql.append(" AND scan_id = ?");
      args.add(f.scanId());
    }
    if (f.destination() != null) {
      sql.append(" AND destination = ?");
      args.add(f.destination());
    }
    if (f.protocol() != null) {
      sql.append(" AND protocol = ?");
      args.add(f.protocol());
    }
    if (f.source() != null) {
      sql.append(" AND source = ?");
      args.add(f.source());
    }
    if (f.from() != null) {
      sql.append(" AND ts >= ?");
      args.add(Timestamp.from(f.from()));
    }
    if (f.to() != null) {
      sql.append(" AND ts < ?");
      args.add(Timestamp.from(f.to()));
    }
    sql.append(" ORDER BY ts, id LIMIT ? OFFSET ?");
    args.add(f.limit());
    args.add(f.offset());
    try (Connection c = ds.getConnection();
        PreparedStatement ps = c.prepareStatement(sql.toString())) {
      for (int i = 0; i < args.size(); i++) {
        ps.setObject(i + 1, args.get(i));
      }
      List<NetOp> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          int port = rs.getInt(4);
          Integer portOrNull = rs.wasNull() ? null : port;
          long scan = rs.getLong(9);
          Long scanOrNull = rs.wasNull() ? null : scan;
          out.add(
              new NetOp(
                  rs.getLong(1),
                  rs.getTimestamp(2).toInstant(),
                  rs.getString(3),
                  portOrNull,
                  rs.getString(5),
                  rs.getString(6),
                  rs.getString(7),
                  rs.getString(8),
                  scanOrNull,
                  rs.getString(10)));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new StorageUnavailableException("could not read the network operations log", e);
    }
  }

  /** RFC 4180 CSV with a header line. */
  public static String csv(List<NetOp> ops) {
    StringBuilder b =
        new StringBuilder(
            "id,time,destination,port,protocol,purpose,result,detail,scan_id,source\r\n");
    for (NetOp o : ops) {
      b.append(o.id())
          .append(',')
          .append(o.ts())
          .append(',')
          .append(cell(o.destination()))
          .append(',')
          .append(o.port() == null ? "" : o.port())
          .append(',')
          .append(cell(o.protocol()))
          .append(',')
          .append(cell(o.purpose()))
          .append(',')
          .append(cell(o.result()))
          .append(',')
          .append(cell(o.detail()))
          .append(',')
          .append(o.scanId() == null ? "" : o.scanId())
          .append(',')
          .append(cell(o.source()))
          .append("\r\n");
    }
    return b.toString();
  }

  private static String truncate(String s, int n) {
    return s.length() <= n ? s : s.substring(0, n);
  }
}
