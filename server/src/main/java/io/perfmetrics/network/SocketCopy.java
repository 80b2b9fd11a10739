package io.perfmetrics.network;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * Writes the rows of socket snapshots with {@code COPY socket_rows ... (FORMAT binary)}, as {@code
 * SampleCopy} does for samples: PostgreSQL then parses no timestamps, addresses or numbers (text
 * COPY of these rows spent most of its time in timestamptz and inet input), and we format none.
 * Public so the benchmark's baseline writes the very same rows the very same way.
 */
public final class SocketCopy {
  private static final long PG_EPOCH_OFFSET_S = 946_684_800L;
  private static final byte[] HEADER = {
    'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xff, '\r', '\n', 0, 0, 0, 0, 0, 0, 0, 0, 0
  };
  private static final String COLUMNS =
      "(collector_id, ts, kind, direction, proto, local_addr, local_port,"
          + " remote_addr, remote_port, username, process, service, connections)";

  /** PostgreSQL's inet wire format: family 2 = IPv4, 3 = IPv6 (not the OS's AF_INET6). */
  private static final byte PGSQL_AF_INET = 2;

  private static final byte PGSQL_AF_INET6 = 3;

  private final ByteBuffer buf = ByteBuffer.allocate(1 << 20);

  /** A host's addresses repeat in every row and snapshot: encode each once per COPY. */
  private final Map<String, byte[]> inet = new HashMap<>();

  private final Map<String, byte[]> utf8 = new HashMap<>();

  /** One host's snapshots; public for the benchmark. */
  public record Upload(int collectorId, List<SocketSnapshot> snapshots) {}

  /**
   * Copies the listen and conn rows of the snapshots whose (collector, ts) {@code include} accepts
   * into {@code table} (socket_rows or a table like it).
   *
   * @return the number of rows sent
   */
  public long copy(Connection c, String table, List<Upload> uploads, Include include)
      throws SQLException {
    CopyIn in =
        c.unwrap(PGConnection.class)
            .getCopyAPI()
            .copyIn("COPY " + table + " " + COLUMNS + " FROM STDIN (FORMAT binary)");
    long rows = 0;
    try {
      buf.clear();
      buf.put(HEADER);
      for (Upload u : uploads) {
        for (SocketSnapshot s : u.snapshots()) {
          if (!include.test(u.collectorId(), s.ts())) {
            continue;
          }
          long micros = (s.ts() - PG_EPOCH_OFFSET_S) * 1_000_000L;
          for (SocketSnapshot.Listener l : s.listeners()) {
            byte[] proto = text(l.proto());
            byte[] addr = inet(l.addr());
            byte[] user = text(l.user());
            byte[] process = text(l.process());
            byte[] service = text(l.service());
            room(
                in,
                2
                    + 13 * 4
                    + 4
                    + 8
                    + 1
                    + 4
                    + 4
                    + 4
                    + proto.length
                    + addr.length
                    + user.length
                    + process.length
                    + service.length);
            buf.putShort((short) 13);
            buf.putInt(4).putInt(u.collectorId());
            buf.putInt(8).putLong(micros);
            buf.putInt(1).put((byte) 'l');
            buf.putInt(-1);
            bytes(proto);
            bytes(addr);
            buf.putInt(4).putInt(l.port());
            buf.putInt(-1);
            buf.putInt(-1);
            bytes(user);
            bytes(process);
            bytes(service);
            buf.putInt(-1);
            rows++;
          }
          for (Map.Entry<SocketSnapshot.Connection, Integer> e : s.connections().entrySet()) {
            SocketSnapshot.Connection x = e.getKey();
            byte[] direction = text(x.direction());
            byte[] proto = text(x.proto());
            byte[] local = inet(x.localAddr());
            byte[] remote = inet(x.remoteAddr());
            byte[] user = text(x.user());
            byte[] process = text(x.process());
            byte[] service = text(x.service());
            room(
                in,
                2
                    + 13 * 4
                    + 4
                    + 8
                    + 1
                    + 4
                    + 4
                    + 4
                    + direction.length
                    + proto.length
                    + local.length
                    + remote.length
                    + user.length
                    + process.length
                    + service.length);
            buf.putShort((short) 13);
            buf.putInt(4).putInt(u.collectorId());
            buf.putInt(8).putLong(micros);
            buf.putInt(1).put((byte) 'c');
            bytes(direction);
            bytes(proto);
            bytes(local);
            buf.putInt(4).putInt(x.localPort());
            bytes(remote);
            buf.putInt(4).putInt(x.remotePort());
            bytes(user);
            bytes(process);
            bytes(service);
            buf.putInt(4).putInt(e.getValue());
            rows++;
          }
        }
      }
      room(in, 2);
      buf.putShort((short) -1);
      flush(in);
      in.endCopy();
      return rows;
    } finally {
      inet.clear();
      utf8.clear();
      if (in.isActive()) {
        in.cancelCopy();
      }
    }
  }

  /** Which snapshots to copy: the receiver copies only those whose replay key was new. */
  @FunctionalInterface
  public interface Include {
    Include ALL = (collectorId, ts) -> true;

    boolean test(int collectorId, long ts);
  }

  private byte[] text(String s) {
    return utf8.computeIfAbsent(s, k -> k.getBytes(StandardCharsets.UTF_8));
  }

  /** inet's binary input: family, prefix bits, is_cidr, address length, address bytes. */
  private byte[] inet(String canonical) {
    return inet.computeIfAbsent(
        canonical,
        k -> {
          byte[] a = Addresses.bytes(k);
          if (a == null) {
            throw new IllegalArgumentException("not a canonical address literal: " + k);
          }
          byte[] out = new byte[4 + a.length];
          out[0] = a.length == 4 ? PGSQL_AF_INET : PGSQL_AF_INET6;
          out[1] = (byte) (a.length * 8);
          out[2] = 0;
          out[3] = (byte) a.length;
          System.arraycopy(a, 0, out, 4, a.length);
          return out;
        });
  }

  private void bytes(byte[] b) {
    buf.putInt(b.length).put(b);
  }

  private void room(CopyIn in, int n) throws SQLException {
    if (buf.remaining() < n) {
      flush(in);
    }
  }

  private void flush(CopyIn in) throws SQLException {
    in.writeToCopy(buf.array(), 0, buf.position());
    buf.clear();
  }
}
