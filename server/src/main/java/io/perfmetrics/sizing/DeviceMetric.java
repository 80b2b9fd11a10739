package io.perfmetrics.sizing;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A per-disk or per-volume metric name of the collector contract: {@code disk.<id>.<field>} (read
 * and write bytes and operations per second of one whole disk) or {@code fs.<id>.<field>} (used and
 * capacity bytes of one file system or drive). The id is the escaped device name or mount point
 * ({@code io.perfmetrics.ingest.DeviceIds}); it never holds a dot, so the host totals ({@code
 * disk.read_bytes_per_s}, {@code fs.used_bytes}) never parse as one.
 */
public record DeviceMetric(boolean disk, String id, Field field) {

  public enum Field {
    READ_BYTES("read_bytes_per_s"),
    WRITE_BYTES("write_bytes_per_s"),
    READ_OPS("read_ops_per_s"),
    WRITE_OPS("write_ops_per_s"),
    USED("used_bytes"),
    CAPACITY("capacity_bytes");

    final String suffix;

    Field(String suffix) {
      this.suffix = suffix;
    }
  }

  /**
   * What an id of the escape can hold (a cut id is 41 characters long); the same in Java and
   * PostgreSQL regular expressions.
   */
  static final String ID = "[a-z0-9_]{1,41}";

  /** The rollup selects the per-device names with this (PostgreSQL regular expression). */
  static final String SQL_PATTERN =
      "^(disk\\."
          + ID
          + "\\.(read|write)_(bytes|ops)_per_s|fs\\."
          + ID
          + "\\.(used|capacity)_bytes)$";

  private static final Pattern NAME =
      Pattern.compile(
          "(disk)\\.("
              + ID
              + ")\\.((?:read|write)_(?:bytes|ops)_per_s)"
              + "|(fs)\\.("
              + ID
              + ")\\.((?:used|capacity)_bytes)");

  private static final Pattern ID_PATTERN = Pattern.compile(ID);

  /** Whether {@code id} can be a disk's or volume's id (the hello is the target's word). */
  static boolean validId(String id) {
    return id != null && ID_PATTERN.matcher(id).matches();
  }

  /** The parsed name, or null when it is not a per-device metric. */
  static DeviceMetric parse(String name) {
    if (name == null || !(name.startsWith("disk.") || name.startsWith("fs."))) {
      return null;
    }
    Matcher m = NAME.matcher(name);
    if (!m.matches()) {
      return null;
    }
    boolean disk = m.group(1) != null;
    String id = disk ? m.group(2) : m.group(5);
    String suffix = disk ? m.group(3) : m.group(6);
    for (Field f : Field.values()) {
      if (f.suffix.equals(suffix)) {
        return new DeviceMetric(disk, id, f);
      }
    }
    return null;
  }

  String metricName() {
    return (disk ? "disk." : "fs.") + id + "." + field.suffix;
  }
}
