package io.perfmetrics.ingest;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * Writes samples with {@code COPY ... FROM STDIN (FORMAT binary)}: no text formatting on our side,
 * no number parsing on the server's. Public so the ingest benchmark's baseline writes the very same
 * rows the very same way.
 */
public final class SampleCopy {
  /** PostgreSQL's timestamps count microseconds from 2000-01-01. */
  private static final long PG_EPOCH_OFFSET_S = 946_684_800L;

  private static final byte[] HEADER = {
    'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xff, '\r', '\n', 0, 0, 0, 0, 0, 0, 0, 0, 0
  };

  /** 2 (field count) + 4 fields with 4-byte lengths: int4, int2, int8, float8. */
  private static final int ROW_BYTES = 2 + (4 + 4) + (4 + 2) + (4 + 8) + (4 + 8);

  private final ByteBuffer buf = ByteBuffer.allocate(1 << 20);

  /** Copies every sample of the batches into {@code table}; returns the number of rows sent. */
  public long copy(Connection c, String table, List<SampleBatch> batches) throws SQLException {
    CopyIn in =
        c.unwrap(PGConnection.class)
            .getCopyAPI()
            .copyIn(
                "COPY "
                    + table
                    + " (collector_id, metric_id, ts, value) FROM STDIN (FORMAT binary)");
    long rows = 0;
    try {
      buf.clear();
      buf.put(HEADER);
      for (SampleBatch b : batches) {
        for (int i = 0; i < b.size(); i++) {
          if (buf.remaining() < ROW_BYTES + 2) {
            flush(in);
          }
          buf.putShort((short) 4);
          buf.putInt(4).putInt(b.collectorId());
          buf.putInt(2).putShort(b.metricIds()[i]);
          buf.putInt(8).putLong((b.epochSeconds()[i] - PG_EPOCH_OFFSET_S) * 1_000_000L);
          buf.putInt(8).putDouble(b.values()[i]);
        }
        rows += b.size();
      }
      buf.putShort((short) -1);
      flush(in);
      in.endCopy();
      return rows;
    } finally {
      if (in.isActive()) {
        in.cancelCopy();
      }
    }
  }

  private void flush(CopyIn in) throws SQLException {
    in.writeToCopy(buf.array(), 0, buf.position());
    buf.clear();
  }
}
