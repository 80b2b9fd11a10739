package io.perfmetrics.sizing;

import com.fasterxml.jackson.databind.JsonNode;
import io.perfmetrics.store.StorageUnavailableException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import javax.sql.DataSource;

/** Reads hosts and rollups for reports. Never reads raw samples: cost grows with hosts and days. */
public final class SizingStore {
  private static final String HOSTS =
      "SELECT c.id, coalesce(h.hostname, c.label, 'collector-' || c.id), h.os_family, h.inventory->'os'->>'arch',"
          + " h.cloud_provider, h.region, h.instance_type, h.cpu_count, h.inventory->'disks', h.inventory->'volumes'"
          + " FROM collectors c LEFT JOIN host_inventory h ON h.collector_id = c.id";

  /**
   * A host's merged histograms, the days with at least an hour of CPU samples, and each metric's
   * daily mean (index = day of the window, NaN for a day without samples) for its trend.
   */
  record Rolled(
      Map<SizingMetric, Histogram> metrics,
      int daysCovered,
      Map<SizingMetric, double[]> daily,
      DeviceUsage devices) {}

  private final DataSource dataSource;
  private final ExecutorService reads;

  /**
   * @param reads where the fleet report's parts are read side by side: virtual threads on a small
   *     appliance (the common pool has one worker on two cores), so a blocked read holds no
   *     platform thread; the caller owns and shuts it down
   */
  public SizingStore(DataSource dataSource, ExecutorService reads) {
    this.dataSource = dataSource;
    this.reads = reads;
  }

  public List<Host> hosts() {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(HOSTS + " ORDER BY c.id");
        ResultSet rs = ps.executeQuery()) {
      List<Host> out = new ArrayList<>();
      while (rs.next()) {
        out.add(host(rs));
      }
      return out;
    } catch (SQLException e) {
      throw new StorageUnavailableException("could not read hosts: " + e.getMessage(), e);
    }
  }

  /** The host of collector {@code id}, if there is one. */
  public Optional<Host> byId(int id) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(HOSTS + " WHERE c.id = ?")) {
      ps.setInt(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(host(rs)) : Optional.empty();
      }
    } catch (SQLException e) {
      throw new StorageUnavailableException("could not read host " + id + ": " + e.getMessage(), e);
    }
  }

  private static Host host(ResultSet rs) throws SQLException {
    Integer cpus = rs.getObject(8) == null ? null : rs.getInt(8);
    return new Host(
        rs.getInt(1),
        rs.getString(2),
        rs.getString(3),
        rs.getString(4),
        rs.getString(5),
        rs.getString(6),
        rs.getString(7),
        cpus,
        disks(rs.getString(9)),
        volumes(rs.getString(10)));
  }

  private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
      new com.fasterxml.jackson.databind.ObjectMapper();

  /**
   * An escaped device id as the contract makes them (at most 41 characters: a long name cut to 31
   * plus _h and 8 hex digits); anything else in a hello is ignored.
   */
  /**
   * The hello's disks: entries without a valid id are left out (the hello is the target's word).
   */
  static List<Host.Disk> disks(String json) {
    List<Host.Disk> out = new ArrayList<>();
    for (JsonNode n : array(json)) {
      String id = text(n.get("id"));
      if (DeviceMetric.validId(id)) {
        out.add(new Host.Disk(id, text(n.get("name")), size(n.get("size_bytes"))));
      }
    }
    return out;
  }

  static List<Host.Volume> volumes(String json) {
    List<Host.Volume> out = new ArrayList<>();
    for (JsonNode n : array(json)) {
      String id = text(n.get("id"));
      if (DeviceMetric.validId(id)) {
        String disk = text(n.get("disk"));
        out.add(
            new Host.Volume(
                id,
                text(n.get("mount")),
                size(n.get("capacity_bytes")),
                DeviceMetric.validId(disk) ? disk : null));
      }
    }
    return out;
  }

  private static JsonNode array(String json) {
    if (json == null) {
      return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }
    try {
      JsonNode n = JSON.readTree(json);
      return n != null && n.isArray()
          ? n
          : com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }
  }

  private static String text(JsonNode n) {
    return n == null || !n.isTextual() ? null : n.asText();
  }

  private static Long size(JsonNode n) {
    return n != null && n.isIntegralNumber() && n.asLong() >= 0 ? n.asLong() : null;
  }

  /**
   * How many parts the fleet's daily rollups are read in, side by side: the database encodes one
   * part's rows while the JVM merges another's histograms.
   */
  private static final int READ_PARTS =
      Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));

  /**
   * Merged daily rollups of [fromDay, toDay] (epoch days, inclusive) for every host, or one.
   *
   * @param collector null for all hosts
   */
  Map<Integer, Rolled> rolled(long fromDay, long toDay, Integer collector) {
    if (collector != null || READ_PARTS == 1) {
      return rolled(fromDay, toDay, collector, 1, 0);
    }
    List<java.util.concurrent.Future<Map<Integer, Rolled>>> others = new ArrayList<>();
    for (int p = 1; p < READ_PARTS; p++) {
      int part = p;
      others.add(reads.submit(() -> rolled(fromDay, toDay, null, READ_PARTS, part)));
    }
    // hosts fall into one part each: the parts' maps never share a key
    Map<Integer, Rolled> out = new HashMap<>(rolled(fromDay, toDay, null, READ_PARTS, 0));
    for (var f : others) {
      try {
        out.putAll(f.get());
      } catch (java.util.concurrent.ExecutionException e) {
        if (e.getCause() instanceof RuntimeException r) {
          throw r;
        }
        throw new IllegalStateException(e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new StorageUnavailableException("interrupted while reading sizing rollups", e);
      }
    }
    return out;
  }

  private Map<Integer, Rolled> rolled(
      long fromDay, long toDay, Integer collector, int parts, int part) {
    String sql =
        "SELECT d.collector_id, m.name, d.n, d.sum, d.max, d.hist, d.day - DATE '1970-01-01'"
            + " FROM sizing_daily d JOIN metrics m ON m.id = d.metric_id"
            + " WHERE d.day >= DATE '1970-01-01' + ? AND d.day <= DATE '1970-01-01' + ?"
            + (collector == null ? "" : " AND d.collector_id = ?")
            + (parts == 1 ? "" : " AND d.collector_id % " + parts + " = " + part);
    Map<Integer, Map<SizingMetric, Histogram>> hists = new HashMap<>();
    Map<Integer, Integer> days = new HashMap<>();
    Map<Integer, Map<SizingMetric, double[]>> daily = new HashMap<>();
    Map<Integer, DeviceUsage> devices = new HashMap<>();
    // a name parses once per report, not once per row
    Map<String, DeviceMetric> deviceNames = new HashMap<>();
    int windowDays = (int) (toDay - fromDay + 1);
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        ps.setInt(1, (int) fromDay);
        ps.setInt(2, (int) toDay);
        if (collector != null) {
          ps.setInt(3, collector);
        }
        ps.setFetchSize(10_000);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            String name = rs.getString(2);
            SizingMetric m = SizingMetric.byName(name);
            int id = rs.getInt(1);
            int n = rs.getInt(3);
            if (m == null) {
              // per-disk and per-volume rows come in the same query: one read per report
              DeviceMetric dm = deviceNames.computeIfAbsent(name, DeviceMetric::parse);
              if (dm != null) {
                deviceRow(devices, id, dm, rs, n, (int) (rs.getLong(7) - fromDay), windowDays);
              }
              continue;
            }
            hists
                .computeIfAbsent(id, k -> new EnumMap<>(SizingMetric.class))
                .computeIfAbsent(m, k -> new Histogram(m.scale))
                .mergeEncoded(rs.getBytes(6), n, rs.getDouble(4), rs.getDouble(5));
            if (m == SizingMetric.CPU_BUSY_PCT && n >= 60) {
              days.merge(id, 1, Integer::sum);
            }
            int day = (int) (rs.getLong(7) - fromDay);
            if (n > 0 && day >= 0 && day < windowDays) {
              daily.computeIfAbsent(id, k -> new EnumMap<>(SizingMetric.class))
                      .computeIfAbsent(
                          m,
                          k -> {
                            double[] a = new double[windowDays];
                            java.util.Arrays.fill(a, Double.NaN);
                            return a;
                          })[day] =
                  rs.getDouble(4) / n;
            }
          }
        }
      } finally {
        c.commit();
      }
    } catch (SQLException e) {
      throw new StorageUnavailableException("could not read sizing rollups: " + e.getMessage(), e);
    }
    Map<Integer, Rolled> out = new HashMap<>();
    hists.forEach(
        (id, h) ->
            out.put(
                id,
                new Rolled(
                    h,
                    days.getOrDefault(id, 0),
                    daily.getOrDefault(id, Map.of()),
                    devices.getOrDefault(id, DeviceUsage.NONE))));
    return out;
  }

  private static void deviceRow(
      Map<Integer, DeviceUsage> devices,
      int id,
      DeviceMetric dm,
      ResultSet rs,
      int n,
      int day,
      int windowDays)
      throws SQLException {
    DeviceUsage u =
        devices.computeIfAbsent(id, k -> new DeviceUsage(new HashMap<>(), new HashMap<>()));
    u.hists()
        .computeIfAbsent(dm, k -> new Histogram(Histogram.Scale.LOG))
        .mergeEncoded(rs.getBytes(6), n, rs.getDouble(4), rs.getDouble(5));
    if (dm.field() == DeviceMetric.Field.USED && n > 0 && day >= 0 && day < windowDays) {
      u.usedDaily()
              .computeIfAbsent(
                  dm.id(),
                  k -> {
                    double[] a = new double[windowDays];
                    java.util.Arrays.fill(a, Double.NaN);
                    return a;
                  })[day] =
          rs.getDouble(4) / n;
    }
  }

  /**
   * Hourly mean CPU busy % of [fromDay, toDay] (epoch days, inclusive), every host or one: for the
   * credit check of burstable types, which needs the order of the hours, not just their histogram.
   *
   * @param collector null for all hosts
   */
  Map<Integer, CpuHours> cpuHours(long fromDay, long toDay, Integer collector) {
    String sql =
        "SELECT r.collector_id, extract(epoch FROM r.hour)::bigint / 3600, r.sum / r.n FROM sizing_hourly r"
            + " WHERE r.metric_id = (SELECT id FROM metrics WHERE name = ?) AND r.n > 0"
            + " AND r.hour >= to_timestamp(?) AND r.hour < to_timestamp(?)"
            + (collector == null ? "" : " AND r.collector_id = ?");
    long firstHour = fromDay * 24;
    int hours = (int) ((toDay + 1 - fromDay) * 24);
    Map<Integer, CpuHours> out = new HashMap<>();
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        ps.setString(1, SizingMetric.CPU_BUSY_PCT.metricName);
        ps.setLong(2, firstHour * 3600);
        ps.setLong(3, (firstHour + hours) * 3600);
        if (collector != null) {
          ps.setInt(4, collector);
        }
        ps.setFetchSize(10_000);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            double[] busy =
                out.computeIfAbsent(
                        rs.getInt(1),
                        k -> {
                          double[] a = new double[hours];
                          java.util.Arrays.fill(a, Double.NaN);
                          return new CpuHours(firstHour, a);
                        })
                    .busyPct();
            int i = (int) (rs.getLong(2) - firstHour);
            if (i >= 0 && i < hours) {
              busy[i] = rs.getDouble(3);
            }
          }
        }
      } finally {
        c.commit();
      }
    } catch (SQLException e) {
      throw new StorageUnavailableException("could not read hourly CPU: " + e.getMessage(), e);
    }
    return out;
  }

  /**
   * Hourly means and maxima of one host from epoch second {@code from}, re-bucketed to {@code step}
   * seconds.
   */
  Series series(int collector, long from, long step) {
    String sql =
        "SELECT extract(epoch FROM r.hour)::bigint, m.name, r.n, r.sum, r.max FROM sizing_hourly r"
            + " JOIN metrics m ON m.id = r.metric_id WHERE r.collector_id = ? AND r.hour >= to_timestamp(?) ORDER BY 1";
    // per step: per metric {n, sum, max}
    Map<Long, Map<SizingMetric, double[]>> steps = new TreeMap<>();
    // per step: per disk ops metric {n, sum}; a step's IOPS is the sum of its disks' means
    Map<Long, Map<DeviceMetric, double[]>> ops = new HashMap<>();
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setInt(1, collector);
      ps.setLong(2, from);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String name = rs.getString(2);
          SizingMetric m = SizingMetric.byName(name);
          long ts = from + Math.floorDiv(rs.getLong(1) - from, step) * step;
          if (m == null) {
            DeviceMetric dm = DeviceMetric.parse(name);
            if (dm != null
                && dm.disk()
                && (dm.field() == DeviceMetric.Field.READ_OPS
                    || dm.field() == DeviceMetric.Field.WRITE_OPS)) {
              double[] a =
                  ops.computeIfAbsent(ts, k -> new HashMap<>())
                      .computeIfAbsent(dm, k -> new double[2]);
              a[0] += rs.getInt(3);
              a[1] += rs.getDouble(4);
            }
            continue;
          }
          double[] a =
              steps
                  .computeIfAbsent(ts, k -> new LinkedHashMap<>())
                  .computeIfAbsent(m, k -> new double[] {0, 0, Double.NEGATIVE_INFINITY});
          a[0] += rs.getInt(3);
          a[1] += rs.getDouble(4);
          a[2] = Math.max(a[2], rs.getDouble(5));
        }
      }
    } catch (SQLException e) {
      throw new StorageUnavailableException("could not read sizing series: " + e.getMessage(), e);
    }
    List<Series.Point> points = new ArrayList<>();
    steps.forEach(
        (ts, m) ->
            points.add(
                new Series.Point(
                    ts,
                    mean(m.get(SizingMetric.CPU_BUSY_PCT)),
                    max(m.get(SizingMetric.CPU_BUSY_PCT)),
                    mean(m.get(SizingMetric.MEM_USED)),
                    max(m.get(SizingMetric.MEM_USED)),
                    mean(m.get(SizingMetric.NET_RX)),
                    mean(m.get(SizingMetric.NET_TX)),
                    mean(m.get(SizingMetric.DISK_READ)),
                    mean(m.get(SizingMetric.DISK_WRITE)),
                    opsSum(ops.get(ts), DeviceMetric.Field.READ_OPS),
                    opsSum(ops.get(ts), DeviceMetric.Field.WRITE_OPS))));
    return new Series(step, points);
  }

  private static Double opsSum(Map<DeviceMetric, double[]> step, DeviceMetric.Field f) {
    if (step == null) {
      return null;
    }
    double sum = 0;
    boolean any = false;
    for (var e : step.entrySet()) {
      if (e.getKey().field() == f && e.getValue()[0] > 0) {
        sum += e.getValue()[1] / e.getValue()[0];
        any = true;
      }
    }
    return any ? Math.round(sum * 1000) / 1000.0 : null;
  }

  private static Double mean(double[] a) {
    return a == null || a[0] == 0 ? null : Math.round(a[1] / a[0] * 1000) / 1000.0;
  }

  private static Double max(double[] a) {
    return a == null || a[0] == 0 ? null : a[2];
  }
}
