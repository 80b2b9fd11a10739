package io.perfmetrics.sizing;

import io.perfmetrics.ingest.SampleBatch;
import io.perfmetrics.ingest.SampleWriter;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;

/**
 * Runs in the sample writer's transaction: marks each (collector, hour) the group touched, so the
 * rollup knows what to recompute. One small statement per group (a group is up to 50,000 samples),
 * not per sample; the hot path keeps its COPY.
 *
 * <p>Marks are written in (collector, hour) order, the order the rollup deletes them in, so the two
 * never wait on each other in a cycle. {@code DO UPDATE} (not {@code DO NOTHING}) takes the row
 * lock and renews seq: a rollup that read the old mark will not delete the new one.
 */
public final class DirtyHours implements SampleWriter.InTransaction {
  private final Clock clock;

  /**
   * @param clock the time of a mark is the appliance's, the one the rollup compares it with
   */
  public DirtyHours(Clock clock) {
    this.clock = clock;
  }

  private static final String SQL =
      "INSERT INTO sizing_dirty (collector_id, hour, marked_at)"
          + " SELECT c, to_timestamp(h), to_timestamp(?) FROM unnest(?::int[], ?::bigint[]) AS u(c, h) ORDER BY c, h"
          + " ON CONFLICT (collector_id, hour) DO UPDATE SET seq = EXCLUDED.seq, marked_at = EXCLUDED.marked_at";

  @Override
  public void run(Connection c, List<SampleBatch> batches) throws SQLException {
    long[] keys = keys(batches);
    if (keys.length == 0) {
      return;
    }
    Integer[] collectors = new Integer[keys.length];
    Long[] hours = new Long[keys.length];
    for (int i = 0; i < keys.length; i++) {
      collectors[i] = (int) (keys[i] >>> 32);
      hours[i] = (keys[i] & 0xffffffffL) * 3600L;
    }
    try (PreparedStatement ps = c.prepareStatement(SQL)) {
      ps.setDouble(1, clock.millis() / 1000.0);
      ps.setArray(2, c.createArrayOf("int4", collectors));
      ps.setArray(3, c.createArrayOf("int8", hours));
      ps.executeUpdate();
    }
  }

  /** Distinct (collector, hour number) pairs, sorted, packed as collector << 32 | hour. */
  static long[] keys(List<SampleBatch> batches) {
    int total = 0;
    for (SampleBatch b : batches) {
      total += b.size();
    }
    long[] keys = new long[Math.min(total, 1024)];
    int k = 0;
    for (SampleBatch b : batches) {
      long prev = -1;
      long[] ts = b.epochSeconds();
      for (int i = 0; i < b.size(); i++) {
        long key = ((long) b.collectorId() << 32) | (Math.floorDiv(ts[i], 3600L) & 0xffffffffL);
        // a batch is mostly one hour: skip repeats without a set
        if (key != prev) {
          if (k == keys.length) {
            keys = Arrays.copyOf(keys, keys.length * 2);
          }
          keys[k++] = key;
          prev = key;
        }
      }
    }
    long[] sorted = Arrays.copyOf(keys, k);
    Arrays.sort(sorted);
    int n = 0;
    for (int i = 0; i < sorted.length; i++) {
      if (i == 0 || sorted[i] != sorted[i - 1]) {
        sorted[n++] = sorted[i];
      }
    }
    return Arrays.copyOf(sorted, n);
  }
}
