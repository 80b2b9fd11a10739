package io.perfmetrics.sizing;

import java.util.List;

/**
 * A host as sizing sees it: a collector and what its hello said. Provider, region and type come
 * from the cloud identity document; all of them may be null (on premises, no hello yet).
 *
 * @param disks the hello's disks; empty from an old collector
 * @param volumes the hello's volumes (file systems, drives); empty from an old collector
 */
public record Host(
    int id,
    String name,
    String osFamily,
    String arch,
    String provider,
    String region,
    String instanceType,
    Integer cpuCount,
    List<Disk> disks,
    List<Volume> volumes) {

  /** A disk of the hello: escaped id, raw name, size; sizeBytes null when not stated. */
  public record Disk(String id, String name, Long sizeBytes) {}

  /**
   * A volume of the hello: escaped id, raw mount point, capacity, the disk id it is on (or null).
   */
  public record Volume(String id, String mount, Long capacityBytes, String disk) {}

  public Host {
    disks = disks == null ? List.of() : List.copyOf(disks);
    volumes = volumes == null ? List.of() : List.copyOf(volumes);
  }

  /** A host whose hello lists no disks or volumes. */
  public Host(
      int id,
      String name,
      String osFamily,
      String arch,
      String provider,
      String region,
      String instanceType,
      Integer cpuCount) {
    this(id, name, osFamily, arch, provider, region, instanceType, cpuCount, List.of(), List.of());
  }
}
