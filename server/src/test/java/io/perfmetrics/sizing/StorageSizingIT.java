package io.perfmetrics.sizing;

import static io.perfmetrics.testing.ReportingHosts.GIB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.perfmetrics.ingest.MintedCollector;
import io.perfmetrics.testing.ConsoleClient;
import io.perfmetrics.testing.ReportingHosts;
import io.perfmetrics.testing.TestAppliance;
import io.perfmetrics.testing.TestPostgres;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 13 end to end: hosts POST per-disk and per-volume metrics with the collector contract's
 * names (and a hello listing their disks and volumes) through the real receiver; the rollup rolls
 * them up; the API, the CSV, the CLI and the console show each disk on its offering, the instance
 * type that carries the disks' I/O, and compute plus storage per host and per provider.
 */
class StorageSizingIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static TestPostgres postgres;
  static TestAppliance appliance;
  static int diskA;
  static int diskB;
  static int oldC;

  @BeforeAll
  static void start() throws Exception {
    postgres = new TestPostgres();
    appliance = new TestAppliance(postgres.newDatabase());
    long now = appliance.clock.instant().getEpochSecond();
    long hour = now - now % 3600;
    long from = hour - 86_400L;
    int minutes = 1440;
    // every disk metric idle (0) one minute in 20, else its level: p95 is the level, the mean
    // 0.95 of it
    LongFunction<Double> idle = i -> i % 20 == 19 ? 0.0 : 1.0;

    // disk-a, AWS us-east-1: nvme0n1 holds / (20 GiB used), 100 + 50 IOPS and 1 + 1 MB/s;
    // nvme1n1 holds /data (100 GiB used), 3,000 + 2,000 IOPS and 50 + 50 MB/s
    Map<String, LongFunction<Double>> a = new LinkedHashMap<>();
    a.put("disk.nvme0n1.read_ops_per_s", i -> 100 * idle.apply(i));
    a.put("disk.nvme0n1.write_ops_per_s", i -> 50 * idle.apply(i));
    a.put("disk.nvme0n1.read_bytes_per_s", i -> 1e6 * idle.apply(i));
    a.put("disk.nvme0n1.write_bytes_per_s", i -> 1e6 * idle.apply(i));
    a.put("disk.nvme1n1.read_ops_per_s", i -> 3000 * idle.apply(i));
    a.put("disk.nvme1n1.write_ops_per_s", i -> 2000 * idle.apply(i));
    a.put("disk.nvme1n1.read_bytes_per_s", i -> 50e6 * idle.apply(i));
    a.put("disk.nvme1n1.write_bytes_per_s", i -> 50e6 * idle.apply(i));
    a.put("fs._2f.used_bytes", i -> 20 * GIB);
    a.put("fs._2f.capacity_bytes", i -> 100 * GIB);
    a.put("fs._2fdata.used_bytes", i -> 100 * GIB);
    a.put("fs._2fdata.capacity_bytes", i -> 500 * GIB);
    diskA =
        report(
            "disk-a",
            ReportingHosts.aws("m7i.large", "us-east-1"),
            "\"disks\":[{\"id\":\"nvme0n1\",\"name\":\"nvme0n1\",\"size_bytes\":"
                + (long) (100 * GIB)
                + "},{\"id\":\"nvme1n1\",\"name\":\"nvme1n1\",\"size_bytes\":"
                + (long) (500 * GIB)
                + "}],\"volumes\":[{\"id\":\"_2f\",\"mount\":\"/\",\"capacity_bytes\":"
                + (long) (100 * GIB)
                + ",\"disk\":\"nvme0n1\"},{\"id\":\"_2fdata\",\"mount\":\"/data\",\"capacity_bytes\":"
                + (long) (500 * GIB)
                + ",\"disk\":\"nvme1n1\"}]",
            from,
            minutes,
            a);

    // disk-b, Azure eastus, Windows-style ids: PhysicalDisk "0 C:" holds C: (40 GiB used), 1,500
    // IOPS in all and 2 MB/s
    Map<String, LongFunction<Double>> b = new LinkedHashMap<>();
    b.put("disk.0_20_43_3a.read_ops_per_s", i -> 1200 * idle.apply(i));
    b.put("disk.0_20_43_3a.write_ops_per_s", i -> 300 * idle.apply(i));
    b.put("disk.0_20_43_3a.read_bytes_per_s", i -> 1e6 * idle.apply(i));
    b.put("disk.0_20_43_3a.write_bytes_per_s", i -> 1e6 * idle.apply(i));
    b.put("fs._43_3a.used_bytes", i -> 40 * GIB);
    b.put("fs._43_3a.capacity_bytes", i -> 127 * GIB);
    diskB =
        report(
            "disk-b",
            ReportingHosts.azure("Standard_D2s_v5", "eastus"),
            "\"disks\":[{\"id\":\"0_20_43_3a\",\"name\":\"0 C:\",\"size_bytes\":"
                + (long) (127 * GIB)
                + "}],\"volumes\":[{\"id\":\"_43_3a\",\"mount\":\"C:\",\"capacity_bytes\":"
                + (long) (127 * GIB)
                + ",\"disk\":\"0_20_43_3a\"}]",
            from,
            minutes,
            b);

    // old-c, GCP us-central1, an old collector: the totals only (40 GiB used, 20 MB/s read)
    Map<String, LongFunction<Double>> c = new LinkedHashMap<>();
    c.put("fs.used_bytes", i -> 40 * GIB);
    c.put("fs.capacity_bytes", i -> 100 * GIB);
    c.put("disk.read_bytes_per_s", i -> 20e6 * idle.apply(i));
    oldC =
        report(
            "old-c", ReportingHosts.gcp("e2-standard-2", "us-central1-a"), null, from, minutes, c);
    appliance.clock.advance(Rollup.QUIET.plusMinutes(1));
    appliance.app.sizingRollup().runOnce();
  }

  @AfterAll
  static void stop() {
    if (appliance != null) {
      appliance.close();
    }
    if (postgres != null) {
      postgres.close();
    }
  }

  /**
   * A host on 2 CPUs at 10 % busy with 2 GiB in use (it fits a t3.medium by CPU and memory), its
   * hello with {@code inventory} (JSON members, or null for none) and the given series.
   */
  static int report(
      String name,
      String cloud,
      String inventory,
      long from,
      int minutes,
      Map<String, LongFunction<Double>> series) {
    MintedCollector m = appliance.app.collectors().mint(name, "manual", null, Duration.ofDays(30));
    String hello =
        "{\"hostname\":\""
            + name
            + "\",\"os\":{\"family\":\"linux\",\"arch\":\"x86_64\"},\"cpu\":{\"count\":2},"
            + "\"memory_bytes\":"
            + (long) (8 * GIB)
            + ",\"cloud\":"
            + cloud
            + (inventory == null ? "" : "," + inventory)
            + "}";
    expect204(appliance.post("/api/v1/hello", m.token(), "application/json", hello));
    StringBuilder body = new StringBuilder();
    for (int i = 0; i < minutes; i++) {
      long ts = from + i * 60L;
      body.append(ts).append(",cpu.busy_pct,10\n");
      body.append(ts).append(",mem.used_bytes,").append((long) (2 * GIB)).append('\n');
      for (var e : series.entrySet()) {
        body.append(ts)
            .append(',')
            .append(e.getKey())
            .append(',')
            .append(e.getValue().apply(i).longValue())
            .append('\n');
      }
      if (i % 240 == 239 || i == minutes - 1) {
        expect204(appliance.post("/api/v1/metrics", m.token(), "text/plain", body.toString()));
        body.setLength(0);
      }
    }
    return m.id();
  }

  static void expect204(HttpResponse<String> r) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(204);
  }

  static JsonNode get(String path) throws Exception {
    HttpResponse<String> r = appliance.admin("GET", path, null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  static JsonNode disk(JsonNode host, String id) {
    for (JsonNode l : host.get("storage")) {
      if (l.get("disk").asText().equals(id)) {
        return l;
      }
    }
    throw new AssertionError("no disk " + id + " in " + host.get("storage"));
  }

  @Test
  void eachDiskGetsTheCheapestOfferingAndTheTypeCarriesTheirIo() throws Exception {
    JsonNode a = get("/api/v1/sizing/" + diskA);
    // nvme1n1: 100 GiB x 1.3 = 130 GiB, 6,500 IOPS, 130 MB/s: gp3 10.40 + 3,500 x 0.005 + 5 x
    // 0.04 = 28.10
    JsonNode data = disk(a, "nvme1n1");
    assertThat(data.get("volumes").toString()).isEqualTo("[\"/data\"]");
    assertThat(data.get("needed_gib").asDouble()).isEqualTo(130.0);
    assertThat(data.get("iops_needed").asDouble()).isEqualTo(6500.0);
    assertThat(data.get("mbps_needed").asDouble()).isEqualTo(130.0);
    assertThat(data.get("offering").asText()).isEqualTo("gp3");
    assertThat(data.get("monthly").asDouble()).isEqualTo(28.10);
    // nvme0n1: 20 GiB x 1.3 = 26 GiB of gp3, its baseline enough: 2.08
    JsonNode root = disk(a, "nvme0n1");
    assertThat(root.get("iops_needed").asDouble()).isEqualTo(195.0);
    assertThat(root.get("offering").asText()).isEqualTo("gp3");
    assertThat(root.get("monthly").asDouble()).isEqualTo(2.08);
    assertThat(a.get("storage_monthly").asDouble()).isEqualTo(30.18);
    // the disks need 6,695 IOPS and 132.6 MB/s: t3.medium fits CPU and memory, but every type up
    // to the xlarges sustains at most 6,000 IOPS (t3.2xlarge 4,000): c6i.2xlarge (12,000 IOPS,
    // 312.5 MB/s) at 0.34/h
    assertThat(a.get("demand").get("disk_iops_needed").asDouble()).isEqualTo(6695.0);
    assertThat(a.get("demand").get("disk_mbps_needed").asDouble()).isEqualTo(132.6, within(1e-9));
    assertThat(a.get("recommended").get("type").asText()).isEqualTo("c6i.2xlarge");
    assertThat(a.get("recommended").get("disk_iops").asDouble()).isEqualTo(12000.0);
    assertThat(a.get("recommended").get("monthly").asDouble()).isEqualTo(248.20);
    assertThat(a.get("total_monthly").asDouble()).isEqualTo(278.38);
    assertThat(a.get("rejected").get(0).get("type").asText()).isEqualTo("t3.2xlarge");
    assertThat(a.get("rejected").get(0).get("reason").asText())
        .isEqualTo(
            "too small: disk 4,000 IOPS < 6695.0 IOPS needed, disk 86.88 MB/s < 132.600 MB/s"
                + " needed");
    // the current m7i.large sustains 3,600 IOPS and 81.25 MB/s
    assertThat(a.get("current").get("disk_mbps").asDouble()).isEqualTo(81.25);
    // the chart's series: the disks' IOPS summed per hour
    JsonNode points = a.get("series").get("points");
    JsonNode point = points.get(points.size() - 2);
    assertThat(point.has("disk_read_ops_per_s_mean")).as(points.toString()).isTrue();
    assertThat(point.get("disk_read_ops_per_s_mean").asDouble())
        .isEqualTo(3100 * 0.95, within(1e-6));

    JsonNode b = get("/api/v1/sizing/" + diskB);
    // C: 40 GiB x 1.3 = 52 GiB, 1,950 IOPS: Premium SSD v2 with its 3,000 included IOPS, 52 x
    // 0.081 = 4.21 (Standard SSD tiers carry 500 IOPS up to E50, P20 costs 73.22)
    JsonNode c = disk(b, "0_20_43_3a");
    assertThat(c.get("name").asText()).isEqualTo("0 C:");
    assertThat(c.get("volumes").toString()).isEqualTo("[\"C:\"]");
    assertThat(c.get("iops_needed").asDouble()).isEqualTo(1950.0);
    assertThat(c.get("offering").asText()).isEqualTo("PremiumV2_LRS");
    assertThat(c.get("monthly").asDouble()).isEqualTo(4.21);
  }

  @Test
  void anOldCollectorFallsBackToTheTotalsAndItsGcpTypeIsCheckedAgainstItsDiskLimit()
      throws Exception {
    JsonNode c = get("/api/v1/sizing/" + oldC);
    JsonNode all = disk(c, "all");
    assertThat(all.get("source").asText()).isEqualTo("totals");
    // 2 CPUs at 10 % and 2 GiB x 1.3: e2-medium (1 vCPU sustained, 4 GiB); its published
    // Persistent Disk limit (10,000 IOPS, 200 MiB/s = 209.715 MB/s) carries the 26 MB/s
    assertThat(c.get("recommended").get("type").asText()).isEqualTo("e2-medium");
    assertThat(c.get("recommended").get("disk_mbps").asDouble()).isEqualTo(209.715);
    assertThat(c.get("recommended").get("reason").asText())
        .contains("disk 209.72 MB/s >= 26.000 needed");
    // 40 GiB x 1.3 = 52 GiB; 20 MB/s x 1.3 = 26 MB/s. An E2 attaches Persistent Disk only, not
    // us-central1's cheaper Hyperdisk Balanced: pd-balanced, 52 x 0.10 = 5.20
    assertThat(all.get("needed_gib").asDouble()).isEqualTo(52.0);
    assertThat(all.get("mbps_needed").asDouble()).isEqualTo(26.0);
    assertThat(all.has("iops_needed")).isFalse();
    assertThat(all.get("offering").asText()).isEqualTo("pd-balanced");
    assertThat(all.get("monthly").asDouble()).isEqualTo(5.20);
    assertThat(c.get("notes").toString())
        .contains("no per-disk data (the collector predates per-disk metrics)")
        .contains("disks priced on the offerings e2-medium can attach: pd-balanced, pd-ssd")
        .doesNotContain("disk limit not checked");
  }

  @Test
  void theFleetTotalsAddStorageToCompute() throws Exception {
    JsonNode fleet = get("/api/v1/sizing");
    JsonNode aws = null;
    for (JsonNode t : fleet.get("totals")) {
      if (t.get("provider").asText().equals("aws")) {
        aws = t;
      }
    }
    assertThat(aws).isNotNull();
    assertThat(aws.get("storage_priced").asInt()).isEqualTo(1);
    assertThat(aws.get("storage_monthly").asDouble()).isEqualTo(30.18);
    assertThat(aws.get("total_monthly").asDouble()).isEqualTo(278.38);
    // the fleet list carries each host's disks too
    for (JsonNode h : fleet.get("hosts")) {
      if (h.get("host_id").asInt() == diskA) {
        assertThat(h.get("storage")).hasSize(2);
        assertThat(h.get("total_monthly").asDouble()).isEqualTo(278.38);
      }
    }
    // sized on the disks' size now: nvme1n1 is 500 GiB of gp3 = 40 + 17.50 + 0.20
    JsonNode p = get("/api/v1/sizing/" + diskA + "?storage_size=provisioned");
    assertThat(disk(p, "nvme1n1").get("sized_on").asText()).isEqualTo("provisioned");
    assertThat(disk(p, "nvme1n1").get("monthly").asDouble()).isEqualTo(57.70);
    HttpResponse<String> bad = appliance.admin("GET", "/api/v1/sizing?storage_size=biggest", null);
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("storage_size must be used or provisioned");
  }

  @Test
  void theCsvAndTheCliCarryTheStorage() throws Exception {
    String fleet = appliance.admin("GET", "/api/v1/sizing?format=csv", null).body();
    assertThat(fleet.lines().findFirst().orElseThrow())
        .endsWith(",storage_monthly,total_monthly,disk_iops_needed,disk_mbps_needed,storage");
    assertThat(fleet)
        .contains(
            ",30.18,278.38,6695,132.6,nvme0n1: gp3 26 GiB 2.08; nvme1n1: gp3 130 GiB 28.10\n");
    String host = appliance.admin("GET", "/api/v1/sizing/" + diskA + "?format=csv", null).body();
    assertThat(host).contains("\n" + SizingCsv.STORAGE_COLUMNS + "\n");
    assertThat(host)
        .contains(
            "\nnvme1n1,nvme1n1,per_disk,/data,100,,500,used,130,6500,130,gp3,130,6500,130,28.1,");

    java.io.PrintStream old = System.out;
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    int code;
    System.setOut(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
    try {
      code =
          new picocli.CommandLine(new io.perfmetrics.cli.Main())
              .execute(
                  "sizing",
                  "disk-a",
                  "--storage-size=provisioned",
                  "--url=" + appliance.baseUrl(),
                  "--ca=" + appliance.app.tls().trustFile(),
                  "--token=" + TestAppliance.ADMIN_TOKEN);
    } finally {
      System.setOut(old);
    }
    assertThat(code).isZero();
    JsonNode cli = JSON.readTree(out.toString(java.nio.charset.StandardCharsets.UTF_8));
    assertThat(disk(cli, "nvme1n1").get("monthly").asDouble()).isEqualTo(57.70);
  }

  @Test
  void theConsoleHostPageHasTheDisksTableAndTheDiskCharts() throws Exception {
    ConsoleClient console = new ConsoleClient(appliance).loggedIn();
    String html = console.get("/sizing/" + diskA).body();
    assertThat(html).contains("id=\"host-disks\"");
    String row = between(html, "<tr data-disk=\"nvme1n1\">", "</tr>");
    assertThat(row).contains(">/data<").contains(">gp3<").contains(">28.10<");
    assertThat(html)
        .contains("compute $248.20 + storage $30.18 = $278.38 a month")
        .contains("id=\"chart-sizing-disk\"")
        .contains("id=\"chart-sizing-iops\"")
        // the volumes' growth beside the host's
        .contains("fs._2fdata.used_bytes");
    String fleet = console.get("/sizing").body();
    assertThat(between(fleet, "<tr data-provider=\"aws\">", "</tr>"))
        .contains(">30.18<")
        .contains(">278.38<");
    // a form choice reaches the page
    assertThat(console.get("/sizing/" + diskA + "?storage_size=provisioned").body())
        .contains(">57.70<");
  }

  static String between(String s, String from, String to) {
    int i = s.indexOf(from);
    assertThat(i).as("%s in the page", from).isNotNegative();
    int j = s.indexOf(to, i);
    return s.substring(i, j);
  }
}
