package io.perfmetrics.sizing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.io.StringReader;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Issue 13: disks sized to offerings, and instance types checked against their disk I/O. */
class StorageSizerTest {
  static final double GIB = 1024.0 * 1024 * 1024;

  /** The us-east-1, eastus and us-central1 rows of the shipped disks.csv, as of 2026-11-29. */
  static final String OFFERINGS =
      DiskCatalog.DISKS_HEADER
          + "\n"
          + """
          aws,us-east-1,gp3,,1,16384,0.08,,3000,0,16000,500,3000,0.005,125,0,0,1000,125,0.04
          aws,us-east-1,io2,,4,65536,0.125,,100,0,256000,1000,0,0.065,0,0,0.256,4000,,
          aws,us-east-1,st1,,125,16384,0.045,,500,0,500,,,,0,0.0390625,0,500,,
          azure,eastus,StandardSSD_LRS,E2,1,8,,0.6,500,0,500,,,,60,0,0,60,,
          azure,eastus,StandardSSD_LRS,E60,1,8192,,614.4,2000,0,2000,,,,400,0,0,400,,
          azure,eastus,PremiumSSD_LRS,P2,1,8,,1.2,120,0,120,,,,25,0,0,25,,
          azure,eastus,PremiumSSD_LRS,P15,1,256,,38.01,1100,0,1100,,,,125,0,0,125,,
          azure,eastus,PremiumSSD_LRS,P20,1,512,,73.22,2300,0,2300,,,,150,0,0,150,,
          gcp,us-central1,pd-balanced,,10,65536,0.1,,3000,6,80000,,,,140,0.28,0,1200,,
          """;

  static final String LIMITS =
      DiskCatalog.LIMITS_HEADER
          + "\n"
          + """
          aws,a.xlarge,1000,100,,
          aws,b.xlarge,10000,500,,
          """;

  static final Catalog CATALOG =
      SizerTest.parse(
              """
              provider,region,type,family,category,vcpu,memory_gib,arch,network_class,linux_hour,windows_hour,commit_1y_hour,commit_3y_hour
              aws,us-east-1,a.xlarge,a,general,4,16,x86_64,up-to-12.5Gbps,0.10,,,
              aws,us-east-1,b.xlarge,b,general,4,16,x86_64,up-to-12.5Gbps,0.20,,,
              gcp,us-central1,g-standard-4,g-standard,general,4,16,x86_64,10Gbps,0.15,,,
              azure,eastus,Standard_A4,A,general,4,16,x86_64,10Gbps,0.15,,,
              """)
          .withDisks(disks(OFFERINGS, LIMITS));

  static DiskCatalog disks(String offerings, String limits) {
    try {
      return DiskCatalog.parse(
          new StringReader(offerings), "test disks", new StringReader(limits), "test limits");
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  static Host host(String provider, String region, List<Host.Disk> disks, List<Host.Volume> vols) {
    return new Host(1, "db1", "linux", "x86_64", provider, region, null, 4, disks, vols);
  }

  /** A host with CPU, memory and network as SizerTest's (2.6 vCPU, 13 GiB needed) and devices. */
  static Usage usage(DeviceUsage devices) {
    Usage u = SizerTest.fullTwoWeeks();
    return new Usage(
        u.metrics(), u.daysCovered(), u.expectedSamples(), () -> null, Map.of(), devices);
  }

  static final class Devices {
    final Map<DeviceMetric, Histogram> hists = new HashMap<>();
    final Map<String, double[]> daily = new HashMap<>();

    Devices disk(String id, double readOps, double writeOps, double readBytes, double writeBytes) {
      put(true, id, DeviceMetric.Field.READ_OPS, readOps);
      put(true, id, DeviceMetric.Field.WRITE_OPS, writeOps);
      put(true, id, DeviceMetric.Field.READ_BYTES, readBytes);
      put(true, id, DeviceMetric.Field.WRITE_BYTES, writeBytes);
      return this;
    }

    Devices volume(String id, double usedBytes, double capacityBytes, double[] dailyUsed) {
      put(false, id, DeviceMetric.Field.USED, usedBytes);
      put(false, id, DeviceMetric.Field.CAPACITY, capacityBytes);
      if (dailyUsed != null) {
        daily.put(id, dailyUsed);
      }
      return this;
    }

    private void put(boolean disk, String id, DeviceMetric.Field f, double v) {
      hists.put(new DeviceMetric(disk, id, f), SizerTest.constant(v, 14 * SizerTest.DAY));
    }

    DeviceUsage build() {
      return new DeviceUsage(hists, daily);
    }
  }

  static SizingQuery horizon(int months) {
    return SizerTest.horizon(months);
  }

  static List<Host.Disk> oneDisk(String id, long sizeGib) {
    return List.of(new Host.Disk(id, "/dev/" + id, sizeGib * (long) GIB));
  }

  @Test
  void gp3WithExtraIopsAndThroughputPricesWhatIsProvisionedAboveTheBaseline() {
    // 100 GiB used x 1.3 = 130 GiB; (3,000 + 2,000) IOPS x 1.3 = 6,500; (50 + 50) MB/s x 1.3 = 130
    // gp3: 130 x 0.08 = 10.40, 3,500 IOPS above 3,000 x 0.005 = 17.50, 5 MB/s above 125 x 0.04 =
    // 0.20: 28.10 a month; io2 would be 130 x 0.125 + 6,500 x 0.065 = 438.75, st1 carries 500 IOPS
    Devices d =
        new Devices()
            .disk("nvme1n1", 3000, 2000, 50e6, 50e6)
            .volume("_2fdata", 100 * GIB, 200 * GIB, null);
    Host h =
        host(
            "aws",
            "us-east-1",
            oneDisk("nvme1n1", 200),
            List.of(new Host.Volume("_2fdata", "/data", 200 * (long) GIB, "nvme1n1")));
    StorageSizer.Storage s =
        StorageSizer.size(h, usage(d.build()), SizingQuery.defaults(), CATALOG, "aws", "us-east-1");
    StorageLine l = s.lines().get(0);
    assertThat(l.volumes()).containsExactly("/data");
    assertThat(l.neededGib()).isEqualTo(130.0);
    assertThat(l.iopsNeeded()).isEqualTo(6500.0);
    assertThat(l.mbpsNeeded()).isEqualTo(130.0);
    assertThat(l.offering()).isEqualTo("gp3");
    assertThat(l.sizeGib()).isEqualTo(130.0);
    assertThat(l.iops()).isEqualTo(6500.0);
    assertThat(l.mbps()).isEqualTo(130.0);
    assertThat(l.monthly()).isEqualTo(28.10);
    assertThat(l.price())
        .isEqualTo(
            "130 GiB x 0.08 = 10.40 + 3,500 IOPS above 3,000 x 0.005 = 17.50"
                + " + 5 MB/s above 125 x 0.04 = 0.20");
    assertThat(l.reason()).contains("next: io2 at 438.75 USD a month");
    assertThat(s.monthly()).isEqualTo(28.10);
    assertThat(s.iopsNeeded()).isEqualTo(6500.0);
  }

  @Test
  void aGrowingVolumeIsSizedForTheHorizonAndAFlatOneAsItIs() {
    // /data grows 1 GiB a day from 100 GiB: its p95 (constant here) is 113 GiB, the trend adds
    // 12 months x 30.4375 days = 365.25 GiB: (113 + 365.25) x 1.3 = 621.725 -> 622 GiB of gp3 =
    // 49.76. /logs stays at 50 GiB: no trend, 50 x 1.3 = 65 GiB = 5.20 (800 x 1.3 = 1,040 IOPS
    // each: more than st1's 500)
    double[] growing = TrendTest.line(14, 100 * GIB, GIB);
    double[] flat = TrendTest.line(14, 50 * GIB, 0);
    Devices d =
        new Devices()
            .disk("sdb", 400, 400, 1e6, 1e6)
            .disk("sdc", 400, 400, 1e6, 1e6)
            .volume("_2fdata", 113 * GIB, 500 * GIB, growing)
            .volume("_2flogs", 50 * GIB, 500 * GIB, flat);
    Host h =
        host(
            "aws",
            "us-east-1",
            List.of(
                new Host.Disk("sdb", "sdb", 500 * (long) GIB),
                new Host.Disk("sdc", "sdc", 500 * (long) GIB)),
            List.of(
                new Host.Volume("_2fdata", "/data", 500 * (long) GIB, "sdb"),
                new Host.Volume("_2flogs", "/logs", 500 * (long) GIB, "sdc")));
    StorageSizer.Storage s =
        StorageSizer.size(h, usage(d.build()), horizon(12), CATALOG, "aws", "us-east-1");
    StorageLine data = s.lines().get(0);
    StorageLine logs = s.lines().get(1);
    assertThat(data.disk()).isEqualTo("sdb");
    assertThat(data.usedGib()).isEqualTo(113.0);
    assertThat(data.usedGibProjected()).isCloseTo(478.25, within(1e-6));
    assertThat(data.neededGib()).isCloseTo(621.725, within(1e-6));
    assertThat(data.sizeGib()).isEqualTo(622.0);
    assertThat(data.monthly()).isEqualTo(49.76);
    assertThat(data.trends().get(0).metric()).isEqualTo("fs._2fdata.used_bytes");
    assertThat(data.trends().get(0).significant()).isTrue();
    assertThat(logs.usedGibProjected()).isNull();
    assertThat(logs.neededGib()).isEqualTo(65.0);
    assertThat(logs.monthly()).isEqualTo(5.20);
    assertThat(logs.trends().get(0).significant()).isFalse();
    assertThat(s.monthly()).isEqualTo(54.96);

    // today's demand, no horizon: the growing volume as it is now
    StorageSizer.Storage today =
        StorageSizer.size(h, usage(d.build()), horizon(0), CATALOG, "aws", "us-east-1");
    assertThat(today.lines().get(0).neededGib()).isCloseTo(146.9, within(1e-6));
  }

  @Test
  void theProvisionedSizeIsAnOperatorChoice() {
    // 400 + 400 IOPS x 1.3 = 1,040: gp3, not st1 (500)
    Devices d = new Devices().disk("sda", 400, 400, 1e6, 1e6).volume("_2f", 20 * GIB, 0, null);
    Host h =
        host(
            "aws",
            "us-east-1",
            oneDisk("sda", 250),
            List.of(new Host.Volume("_2f", "/", 250 * (long) GIB, "sda")));
    SizingQuery provisioned =
        new SizingQuery(
            null,
            null,
            null,
            PricingModel.ON_DEMAND,
            95,
            1.3,
            14,
            List.of(),
            null,
            0,
            SizingQuery.SIZE_PROVISIONED);
    StorageLine l =
        StorageSizer.size(h, usage(d.build()), provisioned, CATALOG, "aws", "us-east-1")
            .lines()
            .get(0);
    assertThat(l.sizedOn()).isEqualTo("provisioned");
    assertThat(l.neededGib()).isEqualTo(250.0);
    assertThat(l.monthly()).isEqualTo(20.0);
  }

  @Test
  void anAzureTierIsChosenByItsIopsNotItsSize() {
    // 5 GiB used x 1.3 = 6.5 GiB fits E2 and P2 (8 GiB), but (1,200 + 300) x 1.3 = 1,950 IOPS:
    // E2 and P2 carry 500 and 120, P15 1,100; P20 (512 GiB, 2,300 IOPS) at 73.22 is cheaper than
    // E60 (2,000 IOPS) at 614.40
    Devices d =
        new Devices().disk("sdc", 1200, 300, 1e6, 1e6).volume("_2fdb", 5 * GIB, 8 * GIB, null);
    Host h =
        host(
            "azure",
            "eastus",
            oneDisk("sdc", 8),
            List.of(new Host.Volume("_2fdb", "/db", 8 * (long) GIB, "sdc")));
    StorageLine l =
        StorageSizer.size(h, usage(d.build()), SizingQuery.defaults(), CATALOG, "azure", "eastus")
            .lines()
            .get(0);
    assertThat(l.neededGib()).isCloseTo(6.5, within(1e-9));
    assertThat(l.iopsNeeded()).isEqualTo(1950.0);
    assertThat(l.offering()).isEqualTo("PremiumSSD_LRS P20");
    assertThat(l.sizeGib()).isEqualTo(512.0);
    assertThat(l.iops()).isEqualTo(2300.0);
    assertThat(l.monthly()).isEqualTo(73.22);
    assertThat(l.reason())
        .contains("cheapest of 2 offering(s)")
        .contains("next: StandardSSD_LRS E60 at 614.40");
  }

  @Test
  void aDiskBiggerThanAnyOfferingHasNoFitAndSaysSo() {
    // 60,000 GiB x 1.3 = 78,000 GiB: gp3 and st1 end at 16,384, io2 at 65,536
    Devices d = new Devices().disk("sdd", 10, 10, 1e6, 1e6).volume("_2fbig", 60_000 * GIB, 0, null);
    Host h =
        host(
            "aws",
            "us-east-1",
            oneDisk("sdd", 60_000),
            List.of(new Host.Volume("_2fbig", "/big", null, "sdd")));
    StorageSizer.Storage s =
        StorageSizer.size(h, usage(d.build()), SizingQuery.defaults(), CATALOG, "aws", "us-east-1");
    StorageLine l = s.lines().get(0);
    assertThat(l.offering()).isNull();
    assertThat(l.monthly()).isNull();
    assertThat(l.reason())
        .startsWith("no disk offering fits 78,000 GiB")
        .contains("io2: 78,000 GiB > 65,536 GiB max")
        .contains("gp3: 78,000 GiB > 16,384 GiB max");
    assertThat(s.monthly()).isNull();
    assertThat(s.notes()).anyMatch(n -> n.startsWith("disk /dev/sdd: no disk offering fits"));
  }

  @Test
  void aHostWhoseIoRulesOutTheCheapestTypeGetsTheNextAndTheRejectedListSaysWhy() {
    // a.xlarge fits CPU and memory but sustains 1,000 IOPS; the disk needs (600 + 400) x 1.3 =
    // 1,300
    Devices d = new Devices().disk("sda", 600, 400, 10e6, 10e6).volume("_2f", 10 * GIB, 0, null);
    Host h = rootOnSda("aws", "us-east-1");
    HostSizing s = Sizer.size(h, usage(d.build()), SizingQuery.defaults(), CATALOG);
    assertThat(s.demand().diskIopsNeeded()).isEqualTo(1300.0);
    assertThat(s.demand().diskMbpsNeeded()).isEqualTo(26.0);
    assertThat(s.recommended().type()).isEqualTo("b.xlarge");
    assertThat(s.recommended().reason())
        .contains("disk 10,000 IOPS >= 1300.0 needed, 500 MB/s >= 26.000 needed");
    assertThat(s.recommended().diskIops()).isEqualTo(10000.0);
    assertThat(s.rejected()).extracting(Candidate::type).containsExactly("a.xlarge");
    assertThat(s.rejected().get(0).reason())
        .isEqualTo("too small: disk 1,000 IOPS < 1300.0 IOPS needed");
    // 13 GiB of gp3 (1.04) with the baseline IOPS and MB/s: 0.10 x 730 x 2 = 146 + 1.04
    assertThat(s.storageMonthly()).isEqualTo(1.04);
    assertThat(s.totalMonthly()).isEqualTo(147.04);
  }

  @Test
  void aProviderWithoutAPublishedInstanceDiskLimitIsNotCheckedAndTheReportSaysSo() {
    Devices d = new Devices().disk("sda", 600, 400, 10e6, 10e6).volume("_2f", 10 * GIB, 0, null);
    Host h = rootOnSda("gcp", "us-central1");
    HostSizing s = Sizer.size(h, usage(d.build()), SizingQuery.defaults(), CATALOG);
    assertThat(s.recommended().type()).isEqualTo("g-standard-4");
    assertThat(s.recommended().diskIops()).isNull();
    assertThat(s.recommended().reason()).contains("disk limit not checked (none published)");
    assertThat(s.notes())
        .contains(
            "disk limit not checked: the catalog has no published disk limit for gcp g-standard-4"
                + " (its disks need 1300.0 IOPS and 26.000 MB/s)");
    // pd-balanced: 13 GiB -> its 10 GiB minimum is below the need: 13 x 0.10 = 1.30
    assertThat(s.storage().get(0).offering()).isEqualTo("pd-balanced");
    assertThat(s.storageMonthly()).isEqualTo(1.30);
  }

  @Test
  void aHostWithoutPerDiskDataFallsBackToTheTotalsAndSaysSo() {
    Usage u = SizerTest.fullTwoWeeks();
    Map<SizingMetric, Histogram> m = new EnumMap<>(SizingMetric.class);
    m.putAll(u.metrics());
    m.put(SizingMetric.FS_USED, SizerTest.constant(40 * GIB, 14 * SizerTest.DAY));
    m.put(SizingMetric.FS_CAPACITY, SizerTest.constant(100 * GIB, 14 * SizerTest.DAY));
    m.put(SizingMetric.DISK_READ, SizerTest.constant(20e6, 14 * SizerTest.DAY));
    m.put(SizingMetric.DISK_WRITE, SizerTest.constant(10e6, 14 * SizerTest.DAY));
    Usage old = new Usage(m, u.daysCovered(), u.expectedSamples());
    HostSizing s =
        Sizer.size(
            host("aws", "us-east-1", List.of(), List.of()), old, SizingQuery.defaults(), CATALOG);
    StorageLine l = s.storage().get(0);
    assertThat(l.source()).isEqualTo("totals");
    assertThat(l.disk()).isEqualTo("all");
    // 40 x 1.3 = 52 GiB of gp3 = 4.16; 30 MB/s x 1.3 = 39 MB/s; IOPS not measured
    assertThat(l.neededGib()).isEqualTo(52.0);
    assertThat(l.mbpsNeeded()).isEqualTo(39.0);
    assertThat(l.iopsNeeded()).isNull();
    assertThat(l.monthly()).isEqualTo(4.16);
    assertThat(s.demand().diskIopsNeeded()).isNull();
    assertThat(s.notes())
        .contains(
            "no per-disk data (the collector predates per-disk metrics): storage sized from the"
                + " totals as one disk, IOPS not measured");
    // a.xlarge carries 100 MB/s >= 39: the cheapest type still fits
    assertThat(s.recommended().type()).isEqualTo("a.xlarge");
  }

  @Test
  void aRegionWithoutOfferingsIsNotPricedAndSaysWhichRegionsAre() {
    Devices d = new Devices().disk("sda", 1, 1, 1e6, 1e6).volume("_2f", 10 * GIB, 0, null);
    StorageSizer.Storage s =
        StorageSizer.size(
            host("aws", "eu-west-1", oneDisk("sda", 10), List.of()),
            usage(d.build()),
            SizingQuery.defaults(),
            CATALOG,
            "aws",
            "eu-west-1");
    assertThat(s.monthly()).isNull();
    assertThat(s.notes())
        .contains(
            "storage not priced: the disk catalog has no offerings for aws eu-west-1 (it has aws"
                + " us-east-1, azure eastus, gcp us-central1)");
  }

  @Test
  void anLvmVolumeCountsOnTheDiskBeneathAndItsIoIsNotCountedTwice() {
    // / is on dm-0 (LVM) on sda: one line, sda's I/O, the volume's space
    Devices d =
        new Devices()
            .disk("sda", 400, 400, 1e6, 1e6)
            .disk("dm_2d0", 400, 400, 1e6, 1e6)
            .volume("_2f", 20 * GIB, 0, null);
    Host h =
        host(
            "aws",
            "us-east-1",
            List.of(
                new Host.Disk("sda", "sda", 100 * (long) GIB),
                new Host.Disk("dm_2d0", "dm-0", 99 * (long) GIB)),
            List.of(new Host.Volume("_2f", "/", 99 * (long) GIB, "dm_2d0")));
    StorageSizer.Storage s =
        StorageSizer.size(h, usage(d.build()), SizingQuery.defaults(), CATALOG, "aws", "us-east-1");
    assertThat(s.lines()).extracting(StorageLine::disk).containsExactly("sda");
    assertThat(s.lines().get(0).volumes()).containsExactly("/");
    assertThat(s.lines().get(0).neededGib()).isEqualTo(26.0);
    assertThat(s.iopsNeeded()).isEqualTo(1040.0);
    assertThat(s.notes())
        .contains(
            "dm-0 is a device-mapper or RAID device on the disks: its I/O is counted on the disks"
                + " beneath, not again");
  }

  @Test
  void deviceMetricNamesParseAndTheTotalsDoNot() {
    assertThat(DeviceMetric.parse("disk.dm_2d0.read_ops_per_s"))
        .isEqualTo(new DeviceMetric(true, "dm_2d0", DeviceMetric.Field.READ_OPS));
    assertThat(DeviceMetric.parse("fs._2fvar_2flib.used_bytes"))
        .isEqualTo(new DeviceMetric(false, "_2fvar_2flib", DeviceMetric.Field.USED));
    assertThat(DeviceMetric.parse("disk.read_bytes_per_s")).isNull();
    assertThat(DeviceMetric.parse("fs.used_bytes")).isNull();
    assertThat(DeviceMetric.parse("disk.sda.busy_pct")).isNull();
    assertThat(DeviceMetric.parse("disk.sda.x.read_ops_per_s")).isNull();
    // a long mount point's id is cut to 41 characters (device-ids.tsv): still a volume
    assertThat(DeviceMetric.parse("fs._2fmnt_2fabcdefghijklmnopqrstuv_h1df84eea.used_bytes"))
        .isEqualTo(
            new DeviceMetric(
                false, "_2fmnt_2fabcdefghijklmnopqrstuv_h1df84eea", DeviceMetric.Field.USED));
    assertThat(
            DeviceMetric.parse("disk._2fvar_2flib_2fpostgresql_2f16__h886b0ceb.write_bytes_per_s"))
        .isNotNull();
    assertThat(
            SizingStore.disks(
                "[{\"id\": \"_2fvar_2flib_2fpostgresql_2f16__h886b0ceb\", \"name\": \"x\","
                    + " \"size_bytes\": 1}]"))
        .hasSize(1);
  }

  @Test
  void theShippedDiskCatalogCoversEveryRegionOfTheInstanceCatalogButAzureSoutheastAsia() {
    DiskCatalog d = DiskCatalog.builtIn();
    for (String r : List.of("us-east-1", "us-west-2", "eu-west-1", "ap-southeast-1")) {
      assertThat(d.in("aws", r))
          .as(r)
          .extracting(DiskOffering::offering)
          .containsExactly("gp3", "io2", "st1");
    }
    for (String r : List.of("eastus", "westus2")) {
      assertThat(d.in("azure", r))
          .as(r)
          .extracting(DiskOffering::offering)
          .contains("StandardSSD_LRS", "PremiumSSD_LRS", "PremiumV2_LRS");
    }
    // westeurope: the tiers, no Premium SSD v2 price found; southeastasia: nothing found
    assertThat(d.in("azure", "westeurope"))
        .extracting(DiskOffering::offering)
        .contains("StandardSSD_LRS", "PremiumSSD_LRS")
        .doesNotContain("PremiumV2_LRS");
    assertThat(d.in("azure", "southeastasia")).isEmpty();
    assertThat(d.in("gcp", "us-central1"))
        .extracting(DiskOffering::offering)
        .containsExactly("pd-balanced", "pd-ssd", "hyperdisk-balanced");
    for (String r : List.of("us-east1", "europe-west1", "asia-southeast1")) {
      assertThat(d.in("gcp", r))
          .as(r)
          .extracting(DiskOffering::offering)
          .containsExactly("pd-balanced", "pd-ssd");
    }
    // regional prices (sources in the file's header)
    assertThat(d.in("aws", "eu-west-1").get(0).gibMonth()).isEqualTo(0.088);
    assertThat(d.in("aws", "eu-west-1").get(0).iopsMonth()).isEqualTo(0.0055);
    assertThat(d.in("aws", "ap-southeast-1").get(0).gibMonth()).isEqualTo(0.096);
    assertThat(d.in("azure", "westeurope"))
        .filteredOn(o -> "P10".equals(o.tier()))
        .extracting(DiskOffering::tierMonth)
        .containsExactly(21.68);
    assertThat(d.in("gcp", "asia-southeast1").get(1).gibMonth()).isEqualTo(0.187);

    assertThat(d.limit("aws", "m7i.large").iops()).isEqualTo(3600.0);
    assertThat(d.limit("aws", "m7i.large").burstIops()).isEqualTo(40000.0);
    assertThat(d.limit("azure", "Standard_D4s_v5").mbps()).isEqualTo(145.0);
    // GCP: the pd-balanced per-VM limit of the series and vCPU count, the lower of read and write,
    // MiB/s as MB/s: N2 2-7 vCPUs 15,000 IOPS and 240 MiB/s; C2 16 vCPUs 8,000 read / 4,000 write
    // IOPS and 600 / 480 MiB/s
    assertThat(d.limit("gcp", "n2-standard-4").iops()).isEqualTo(15000.0);
    assertThat(d.limit("gcp", "n2-standard-4").mbps()).isEqualTo(251.658);
    assertThat(d.limit("gcp", "c2-standard-16").iops()).isEqualTo(4000.0);
    assertThat(d.limit("gcp", "c2-standard-16").mbps()).isEqualTo(503.316);
    assertThat(d.limit("gcp", "e2-medium").iops()).isEqualTo(10000.0);
    // every type of the shipped instance catalog has its limit but the Hyperdisk-only series and
    // the shared-core e2-micro and e2-small, for which no figure was found
    for (InstanceType t : CatalogSource.builtIn().types()) {
      boolean unpublished =
          t.provider().equals("gcp")
              && (t.type().startsWith("n4-")
                  || t.type().startsWith("c4-")
                  || t.type().startsWith("c4a-")
                  || t.type().equals("e2-micro")
                  || t.type().equals("e2-small"));
      assertThat(d.limit(t.provider(), t.type()) == null).as(t.type()).isEqualTo(unpublished);
    }
  }

  @Test
  void aRegionOfTheShippedCatalogWithoutDiskPricesSaysSoAndWhichRegionsHaveThem() {
    Devices d = new Devices().disk("sda", 1, 1, 1e6, 1e6).volume("_2f", 10 * GIB, 0, null);
    StorageSizer.Storage s =
        StorageSizer.size(
            host("azure", "southeastasia", oneDisk("sda", 10), List.of()),
            usage(d.build()),
            SizingQuery.defaults(),
            CatalogSource.builtIn(),
            "azure",
            "southeastasia");
    assertThat(s.monthly()).isNull();
    assertThat(s.lines().get(0).offering()).isNull();
    assertThat(s.notes())
        .contains(
            "storage not priced: the disk catalog has no offerings for azure southeastasia (it has"
                + " aws ap-southeast-1, aws eu-west-1, aws us-east-1, aws us-west-2, azure eastus,"
                + " azure westeurope, azure westus2, gcp asia-southeast1, gcp europe-west1,"
                + " gcp us-central1, gcp us-east1)");
  }

  /** Three E2 types as the shipped catalog has them, with the shipped disk catalog. */
  static final Catalog E2 =
      SizerTest.parse(
              """
              provider,region,type,family,category,vcpu,memory_gib,arch,network_class,linux_hour,windows_hour,commit_1y_hour,commit_3y_hour
              gcp,us-central1,e2-standard-4,e2-standard,general,4,16,x86_64,up-to-8Gbps,0.134023,0.318023,0.084434,0.06031
              gcp,us-central1,e2-standard-8,e2-standard,general,8,32,x86_64,up-to-16Gbps,0.268046,0.636046,0.168869,0.120621
              gcp,us-central1,e2-standard-16,e2-standard,general,16,64,x86_64,up-to-16Gbps,0.536091,1.272091,0.337737,0.241241
              """)
          .withDisks(DiskCatalog.builtIn());

  /** The n4-standard-4 in two regions as the shipped catalog has it, with the shipped disks. */
  static final Catalog N4 =
      SizerTest.parse(
              """
              provider,region,type,family,category,vcpu,memory_gib,arch,network_class,linux_hour,windows_hour,commit_1y_hour,commit_3y_hour
              gcp,us-central1,n4-standard-4,n4-standard,general,4,16,x86_64,up-to-10Gbps,0.1814,0.3654,0.11428,0.081632
              gcp,us-east1,n4-standard-4,n4-standard,general,4,16,x86_64,up-to-10Gbps,0.1814,0.3654,0.11428,0.081632
              """)
          .withDisks(DiskCatalog.builtIn());

  @Test
  void aGcpTypeIsCheckedAgainstItsPersistentDiskLimitAndItsDisksArePersistentDisks() {
    // (10,000 + 3,000) x 1.3 = 16,900 IOPS: e2-standard-4 and -8 carry 15,000 (E2 2-15 vCPUs),
    // e2-standard-16 20,000 (16-31 vCPUs)
    Devices d = new Devices().disk("sda", 10000, 3000, 10e6, 10e6).volume("_2f", 10 * GIB, 0, null);
    Host h = rootOnSda("gcp", "us-central1");
    HostSizing s = Sizer.size(h, usage(d.build()), SizingQuery.defaults(), E2);
    assertThat(s.demand().diskIopsNeeded()).isEqualTo(16900.0);
    assertThat(s.recommended().type()).isEqualTo("e2-standard-16");
    assertThat(s.recommended().diskIops()).isEqualTo(20000.0);
    assertThat(s.recommended().reason())
        .contains("disk 20,000 IOPS >= 16900.0 needed, 1,048.58 MB/s >= 26.000 needed");
    assertThat(s.rejected())
        .extracting(Candidate::type)
        .containsExactly("e2-standard-8", "e2-standard-4");
    assertThat(s.rejected().get(1).reason())
        .isEqualTo("too small: disk 15,000 IOPS < 16900.0 IOPS needed");
    assertThat(s.notes()).noneMatch(n -> n.startsWith("disk limit not checked"));
    // E2 attaches Persistent Disk only (not us-central1's Hyperdisk Balanced): 16,900 IOPS on
    // pd-ssd = 6,000 + 30 per GiB -> 364 GiB x 0.17 = 61.88 (pd-balanced would need 2,317 GiB)
    assertThat(s.storage().get(0).offering()).isEqualTo("pd-ssd");
    assertThat(s.storage().get(0).sizeGib()).isEqualTo(364.0);
    assertThat(s.storageMonthly()).isEqualTo(61.88);
    assertThat(s.notes())
        .contains("disks priced on the offerings e2-standard-16 can attach: pd-balanced, pd-ssd");
  }

  @Test
  void aHyperdiskOnlyTypeGetsHyperdiskAndHasNoPublishedLimitToCheck() {
    // 13 GiB, 260 IOPS, 2.6 MB/s on an n4-standard-4
    Devices d = new Devices().disk("sda", 100, 100, 1e6, 1e6).volume("_2f", 10 * GIB, 0, null);
    List<Host.Volume> root = List.of(new Host.Volume("_2f", "/", null, "sda"));
    HostSizing s =
        Sizer.size(
            host("gcp", "us-central1", oneDisk("sda", 100), root),
            usage(d.build()),
            SizingQuery.defaults(),
            N4);
    assertThat(s.recommended().type()).isEqualTo("n4-standard-4");
    // Hyperdisk Balanced, the baseline enough: 13 x 0.06 = 0.78
    assertThat(s.storage().get(0).offering()).isEqualTo("hyperdisk-balanced");
    assertThat(s.storageMonthly()).isEqualTo(0.78);
    assertThat(s.recommended().reason()).contains("disk limit not checked (none published)");
    assertThat(s.notes())
        .contains(
            "disks priced on the offerings n4-standard-4 can attach: hyperdisk-balanced",
            "disk limit not checked: the catalog has no published disk limit for gcp n4-standard-4"
                + " (its disks need 260.0 IOPS and 2.600 MB/s)");

    // us-east1 prices no Hyperdisk Balanced: the n4's disks are not priced, and the report says why
    HostSizing east =
        Sizer.size(
            host("gcp", "us-east1", oneDisk("sda", 100), root),
            usage(d.build()),
            SizingQuery.defaults(),
            N4);
    assertThat(east.recommended().type()).isEqualTo("n4-standard-4");
    assertThat(east.storage().get(0).offering()).isNull();
    assertThat(east.storageMonthly()).isNull();
    assertThat(east.notes())
        .contains(
            "storage not priced: no disk offering the catalog has for gcp us-east1 attaches to"
                + " n4-standard-4");
  }

  /** A host whose root volume is on its one 100 GiB disk sda. */
  private static Host rootOnSda(String provider, String region) {
    return host(
        provider, region, oneDisk("sda", 100), List.of(new Host.Volume("_2f", "/", null, "sda")));
  }
}
