package io.perfmetrics.testing;

import io.perfmetrics.ingest.MintedCollector;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.LongFunction;

/**
 * Hosts that have "reported" through the real receiver: a minted collector, its hello with a cloud
 * identity document, and back-dated samples with a known distribution, one body per day.
 */
public final class ReportingHosts {
  public static final double GIB = 1024.0 * 1024 * 1024;

  private ReportingHosts() {}

  public static String aws(String type, String region) {
    return "{\"provider\":\"aws\",\"document\":{\"instanceType\":\""
        + type
        + "\",\"region\":\""
        + region
        + "\"}}";
  }

  public static String azure(String type, String region) {
    return "{\"provider\":\"azure\",\"document\":{\"compute\":{\"vmSize\":\""
        + type
        + "\",\"location\":\""
        + region
        + "\"}}}";
  }

  public static String gcp(String type, String zone) {
    return "{\"provider\":\"gcp\",\"document\":{\"machineType\":\"projects/1/machineTypes/"
        + type
        + "\",\"zone\":\"projects/1/zones/"
        + zone
        + "\"}}";
  }

  /**
   * Mints a collector, says hello as {@code name} (a JSON string's content: escape it), POSTs
   * {@code minutes} samples of CPU busy % and memory used from {@code from} (epoch s), plus network
   * and disk when {@code network}. Fails on any answer but 204.
   */
  public static MintedCollector report(
      TestAppliance appliance,
      String name,
      String os,
      int cpus,
      String cloud,
      long from,
      int minutes,
      LongFunction<Double> busy,
      LongFunction<Double> memUsed,
      boolean network) {
    MintedCollector m = appliance.app.collectors().mint(name, "manual", null, Duration.ofDays(30));
    String hello =
        "{\"hostname\":\""
            + name
            + "\",\"os\":{\"family\":\""
            + os
            + "\",\"arch\":\"x86_64\"},"
            + "\"cpu\":{\"count\":"
            + cpus
            + "},\"memory_bytes\":"
            + (long) (64 * GIB)
            + ",\"cloud\":"
            + cloud
            + "}";
    expect204(appliance.post("/api/v1/hello", m.token(), "application/json", hello));
    StringBuilder body = new StringBuilder();
    for (int i = 0; i < minutes; i++) {
      long ts = from + i * 60L;
      body.append(ts).append(",cpu.busy_pct,").append(busy.apply(i)).append('\n');
      body.append(ts).append(",mem.used_bytes,").append(memUsed.apply(i).longValue()).append('\n');
      if (network) {
        body.append(ts).append(",net.rx_bytes_per_s,1000000\n");
        body.append(ts)
            .append(",net.tx_bytes_per_s,")
            .append(i % 10 == 0 ? 5_000_000 : 500_000)
            .append('\n');
        body.append(ts).append(",disk.read_bytes_per_s,2000000\n");
      }
      if (i % 1440 == 1439 || i == minutes - 1) {
        expect204(appliance.post("/api/v1/metrics", m.token(), "text/plain", body.toString()));
        body.setLength(0);
      }
    }
    return m;
  }

  private static void expect204(HttpResponse<String> r) {
    if (r.statusCode() != 204) {
      throw new AssertionError(
          r.request().uri().getPath() + " answered " + r.statusCode() + ": " + r.body());
    }
  }
}
