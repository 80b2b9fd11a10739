package io.perfmetrics.sizing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The instance catalog: every type, looked up by (provider, region) and by exact name. */
public final class Catalog {
  static final String HEADER =
      "provider,region,type,family,category,vcpu,memory_gib,arch,network_class,linux_hour,windows_hour,commit_1y_hour,commit_3y_hour";

  /**
   * The header with the CPU credit column; catalogs written before it (operators' own files) keep
   * the 13 columns and their burstable types cannot be recommended (credits unchecked).
   */
  static final String HEADER_WITH_CREDITS = HEADER + ",cpu_baseline_pct";

  private final String source;
  private final List<InstanceType> types;
  private final Map<String, List<InstanceType>> byRegion = new HashMap<>();
  private final Map<String, InstanceType> byName = new HashMap<>();
  private final DiskCatalog disks;

  Catalog(String source, List<InstanceType> types) {
    this(source, types, DiskCatalog.EMPTY);
  }

  Catalog(String source, List<InstanceType> types, DiskCatalog disks) {
    this.source = source;
    this.types = List.copyOf(types);
    this.disks = disks;
    for (InstanceType t : types) {
      byRegion.computeIfAbsent(t.provider() + "/" + t.region(), k -> new ArrayList<>()).add(t);
      byName.put(t.provider() + "/" + t.region() + "/" + t.type(), t);
    }
  }

  /**
   * Reads the CSV: {@code #} lines are comments, then the header, then one type per line.
   *
   * @throws IllegalArgumentException naming the line and the column that is wrong
   */
  public static Catalog parse(Reader in, String source) throws IOException {
    BufferedReader r = new BufferedReader(in);
    List<InstanceType> out = new ArrayList<>();
    String line;
    int no = 0;
    boolean header = false;
    int fields = 0;
    while ((line = r.readLine()) != null) {
      no++;
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      if (!header) {
        String h = line.trim();
        if (h.equals(HEADER)) {
          fields = 13;
        } else if (h.equals(HEADER_WITH_CREDITS)) {
          fields = 14;
        } else {
          throw new IllegalArgumentException(
              source + " line " + no + ": expected the header " + HEADER_WITH_CREDITS);
        }
        header = true;
        continue;
      }
      String[] f = line.split(",", -1);
      if (f.length != fields) {
        throw new IllegalArgumentException(
            source + " line " + no + ": expected " + fields + " fields, got " + f.length);
      }
      try {
        out.add(
            new InstanceType(
                f[0].trim(),
                f[1].trim(),
                f[2].trim(),
                f[3].trim(),
                f[4].trim(),
                Integer.parseInt(f[5].trim()),
                Double.parseDouble(f[6].trim()),
                f[7].trim(),
                f[8].trim(),
                Double.parseDouble(f[9].trim()),
                optional(f[10]),
                optional(f[11]),
                optional(f[12]),
                fields > 13 ? baseline(f[13]) : null));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            source + " line " + no + ": not a number (" + e.getMessage() + ")");
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException(
          source + ": no instance types (header found: " + header + ")");
    }
    return new Catalog(source, out);
  }

  private static Double baseline(String s) {
    Double pct = optional(s);
    if (pct != null && !(pct > 0 && pct <= 100)) {
      throw new NumberFormatException("cpu_baseline_pct must be in (0, 100], got " + s.trim());
    }
    return pct;
  }

  private static Double optional(String s) {
    return s.isBlank() ? null : Double.parseDouble(s.trim());
  }

  public String source() {
    return source;
  }

  public int size() {
    return types.size();
  }

  public List<InstanceType> types() {
    return types;
  }

  public List<InstanceType> in(String provider, String region) {
    return byRegion.getOrDefault(provider + "/" + region, List.of());
  }

  /** The same instance types with disk offerings and instance disk limits. */
  public Catalog withDisks(DiskCatalog d) {
    return new Catalog(source, types, d);
  }

  public DiskCatalog disks() {
    return disks;
  }

  public InstanceType find(String provider, String region, String type) {
    return byName.get(provider + "/" + region + "/" + type);
  }
}
