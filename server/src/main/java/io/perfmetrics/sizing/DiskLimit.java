package io.perfmetrics.sizing;

/**
 * What an instance type carries to its network disks: the IOPS and MB/s it sustains, and the burst
 * maximum where the provider publishes one (AWS: 30 minutes a day). Sizing checks the sustained
 * figures: a percentile of a fortnight is sustained load.
 */
public record DiskLimit(
    String provider, String type, double iops, double mbps, Double burstIops, Double burstMbps) {}
