package io.perfmetrics.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.perfmetrics.config.Config;
import io.perfmetrics.sizing.Rollup;
import io.perfmetrics.testing.ReportingHosts;
import io.perfmetrics.testing.TempDirs;
import io.perfmetrics.testing.TestAppliance;
import io.perfmetrics.testing.TestPostgres;
import io.perfmetrics.testing.TestSshd;
import java.io.File;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The console in Debian's headless Chromium, driven by Selenium through Debian's chromedriver,
 * against the real appliance, database and an OpenSSH target: log in, add a credential and a
 * target, deploy, follow the job to its per-host result, open the collector's charts, scan loopback
 * and read the operations log and manifest, open the sizing report, sort it, export it as CSV, open
 * a host's sizing charts, log out. Each page is saved as a PNG under {@code target/screenshots}. A
 * browser that cannot start fails the test: it is never skipped.
 */
class ConsoleBrowserIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String CHROMIUM = "/usr/bin/chromium";
  static final String CHROMEDRIVER = "/usr/bin/chromedriver";
  static TestPostgres postgres;
  static TestSshd sshd;
  static TestAppliance appliance;
  static ChromeDriver browser;
  static Path profile;
  static Path screenshots;
  static Path downloads;
  static final String SCANNED = "127.0.0.9";
  static ServerSocket listener;
  static int web;
  static String webToken;

  @BeforeAll
  static void start() throws Exception {
    screenshots = Path.of(System.getProperty("perfmetrics.screenshots", "target/screenshots"));
    Files.createDirectories(screenshots);
    postgres = new TestPostgres();
    sshd = new TestSshd(true);
    var collectors =
        new Config.Collectors(
            Duration.ofSeconds(1),
            Duration.ofSeconds(2),
            Duration.ofDays(14),
            1 << 20,
            "http://127.0.0.1:" + TestPostgres.freePort(),
            sshd.userWritableDir().resolve("tools").toString(),
            Duration.ofSeconds(30),
            8);
    // discovery probes a listener and a closed port on a loopback address that is not the
    // appliance's own (own addresses are never scanned), fast, without nmap or reverse DNS
    listener = new ServerSocket(0, 50, InetAddress.getByName(SCANNED));
    int closed = TestPostgres.freePort();
    appliance =
        new TestAppliance(
            postgres.newDatabase(),
            (UnaryOperator<Config>)
                c ->
                    c.withCollectors(collectors)
                        .withDiscovery(
                            c.discovery()
                                .withPorts(List.of(listener.getLocalPort(), closed), List.of())
                                .withPacing(Duration.ofMillis(50), Duration.ofMillis(10))
                                .withNmap("off")
                                .withReverseDns(false)));
    // two cloud hosts that reported for two days (through the real receiver), for the sizing pages
    long now = appliance.clock.instant().getEpochSecond();
    long hour = now - now % 3600;
    var webCollector =
        ReportingHosts.report(
            appliance,
            "web-1",
            "linux",
            8,
            ReportingHosts.aws("m7i.2xlarge", "us-east-1"),
            hour - 2 * 86_400L,
            2 * 1440 - 60,
            i -> 15 + 10 * Math.sin(i / 120.0) + (i % 97 == 0 ? 40 : 0),
            i -> (5 + Math.sin(i / 300.0)) * ReportingHosts.GIB,
            true);
    web = webCollector.id();
    webToken = webCollector.token();
    ReportingHosts.report(
        appliance,
        "db-1",
        "linux",
        16,
        ReportingHosts.azure("Standard_E16s_v5", "westeurope"),
        hour - 2 * 86_400L,
        2 * 1440 - 60,
        i -> 30.0 + i % 7,
        i -> 40 * ReportingHosts.GIB,
        true);
    downloads = Files.createTempDirectory("perfmetrics-downloads-");
    browser = chromium(appliance.spkiPin());
    // downloads (CSV exports) land where the test reads them
    browser.executeCdpCommand(
        "Browser.setDownloadBehavior",
        Map.of("behavior", "allow", "downloadPath", downloads.toString()));
  }

  /**
   * Debian's chromium and chromedriver, named explicitly: Selenium Manager has nothing to look up
   * or download.
   */
  static ChromeDriver chromium(String spkiPin) throws Exception {
    if (!Files.isExecutable(Path.of(CHROMIUM)) || !Files.isExecutable(Path.of(CHROMEDRIVER))) {
      throw new AssertionError(
          "the browser tests need Debian's chromium and chromium-driver ("
              + CHROMIUM
              + ", "
              + CHROMEDRIVER
              + "): apt-get install chromium chromium-driver, or run scripts/test as root");
    }
    profile = Files.createTempDirectory("perfmetrics-chromium-");
    System.setProperty("webdriver.chrome.driver", CHROMEDRIVER);
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM);
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1400,1000",
        "--user-data-dir=" + profile);
    if (spkiPin != null) {
      // trust exactly the appliance's server key, nothing of the system's CAs in its place
      options.addArguments("--ignore-certificate-errors-spki-list=" + spkiPin);
    }
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(new File(CHROMEDRIVER))
            .usingAnyFreePort()
            .build();
    return new ChromeDriver(service, options);
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (browser != null) {
        browser.quit();
      }
      if (appliance != null) {
        // stop what the test started on the "target" through the product itself
        appliance.admin("POST", "/api/v1/deployments", "{\"action\":\"undeploy\"}");
        Thread.sleep(3000);
        appliance.close();
      }
    } finally {
      if (sshd != null) {
        sshd.close();
      }
      if (postgres != null) {
        postgres.close();
      }
      if (listener != null) {
        listener.close();
      }
      TempDirs.delete(profile);
      TempDirs.delete(downloads);
    }
  }

  @Test
  void anAdminDeploysScansAndReadsTheSizingReport() throws Exception {
    WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60));

    // not logged in: any page leads to the login form
    browser.get(url("/targets"));
    assertThat(browser.getCurrentUrl()).contains("/login?next=%2Ftargets");
    shot("01-login");
    browser.findElement(By.id("username")).sendKeys("admin");
    browser.findElement(By.id("password")).sendKeys(TestAppliance.ADMIN_PASSWORD);
    browser.findElement(By.id("login")).click();
    wait.until(d -> d.getCurrentUrl().endsWith("/targets"));
    assertThat(browser.manage().getCookieNamed("pm_session").isHttpOnly()).isTrue();

    browser.get(url("/"));
    assertThat(browser.findElement(By.id("count-never_deployed")).getText()).contains("0");
    shot("02-overview");

    // a credential: its password goes in and never comes back
    browser.get(url("/credentials"));
    browser.findElement(By.id("cred-name")).sendKeys("ops");
    new Select(browser.findElement(By.id("cred-kind"))).selectByValue("ssh_password");
    browser.findElement(By.id("cred-username")).sendKeys(TestSshd.USER);
    browser.findElement(By.id("cred-password")).sendKeys(sshd.password());
    browser.findElement(By.id("add-credential-submit")).click();
    wait.until(d -> d.getPageSource().contains("Added credential ops"));
    assertThat(browser.getPageSource()).doesNotContain(sshd.password());
    shot("03-credentials");

    // a target: the real sshd on this machine
    browser.get(url("/targets"));
    browser.findElement(By.id("target-address")).sendKeys("127.0.0.1");
    browser.findElement(By.id("target-port")).sendKeys(String.valueOf(sshd.port()));
    new Select(browser.findElement(By.id("target-os"))).selectByValue("unix");
    new Select(browser.findElement(By.id("target-credential")))
        .selectByVisibleText("ops (ssh_password)");
    browser.findElement(By.id("add-target-submit")).click();
    wait.until(d -> d.getPageSource().contains("Added target 127.0.0.1:" + sshd.port()));
    WebElement row = browser.findElement(By.cssSelector("#targets tbody tr"));
    assertThat(row.getText()).contains("never deployed");
    shot("04-targets");

    // deploy from the row; the job page follows the job to a result per host
    row.findElement(By.xpath(".//button[normalize-space()='Deploy']")).click();
    wait.until(d -> d.getCurrentUrl().contains("/jobs/"));
    wait.until(d -> !"running".equals(d.findElement(By.id("job")).getAttribute("data-state")));
    WebElement host = browser.findElement(By.cssSelector("#job-hosts tbody tr"));
    assertThat(host.findElement(By.cssSelector("td.outcome")).getText())
        .as(host.getText())
        .isEqualTo("started");
    assertThat(browser.findElement(By.id("job-progress")).getText())
        .isEqualTo("1 of 1 hosts done, 0 failed");
    shot("05-job");

    browser.get(url("/targets"));
    assertThat(browser.findElement(By.cssSelector("#targets tbody tr")).getText())
        .contains("running")
        .containsPattern("1[34]d [0-9]+h");
    shot("06-targets-running");

    // the collector reports; its page charts CPU and memory
    long targetId =
        JSON.readTree(appliance.admin("GET", "/api/v1/targets", null).body())
            .get("targets")
            .get(0)
            .get("id")
            .asLong();
    int collector =
        JSON.readTree(
                appliance.admin("GET", "/api/v1/targets/" + targetId + "/status", null).body())
            .get("collector_id")
            .asInt();
    awaitSamples(collector);
    browser.get(url("/collectors"));
    assertThat(browser.findElement(By.id("collectors")).getText())
        .contains("sh")
        .contains("active");
    shot("07-collectors");
    browser.get(url("/collectors/" + collector));
    wait.until(d -> "true".equals(d.findElement(By.id("charts")).getAttribute("data-loaded")));
    assertThat(
            Integer.parseInt(browser.findElement(By.id("chart-cpu")).getAttribute("data-points")))
        .isPositive();
    assertThat(
            Integer.parseInt(browser.findElement(By.id("chart-mem")).getAttribute("data-points")))
        .isPositive();
    shot("08-collector-charts");

    browser.get(url("/"));
    assertThat(browser.findElement(By.id("count-running")).getText()).contains("1");
    shot("09-overview-running");

    // a discovery scan of this machine: live progress to a result per address
    browser.get(url("/scans"));
    browser.findElement(By.id("scan-targets")).sendKeys(SCANNED);
    browser.findElement(By.id("scan-submit")).click();
    wait.until(d -> d.getCurrentUrl().matches(".*/scans/[0-9]+$"));
    wait.until(d -> "done".equals(d.findElement(By.id("scan")).getAttribute("data-status")));
    WebElement scanned =
        browser.findElement(By.cssSelector("#scan-hosts tbody tr[data-address='" + SCANNED + "']"));
    assertThat(scanned.getText()).contains(String.valueOf(listener.getLocalPort()));
    shot("10-scan");

    // every operation it sent is in the log; the manifest states them and the allowlist rules
    browser.findElement(By.id("scan-netops")).click();
    wait.until(d -> d.getCurrentUrl().contains("/netops"));
    assertThat(browser.findElements(By.cssSelector("#netops tbody tr"))).isNotEmpty();
    assertThat(browser.findElement(By.id("netops")).getText())
        .contains(SCANNED)
        .contains(String.valueOf(listener.getLocalPort()));
    shot("11-netops");
    browser.findElement(By.id("netops-manifest-link")).click();
    wait.until(d -> d.getCurrentUrl().contains("/netops/manifest"));
    assertThat(browser.findElement(By.id("manifest-iptables")).getText()).contains("ACCEPT");
    shot("12-manifest");

    // sizing: the hours the hosts reported in are rolled up once quiet
    appliance.clock.advance(Rollup.QUIET.plusMinutes(1));
    appliance.app.sizingRollup().runOnce();
    browser.get(url("/sizing"));
    WebElement report = browser.findElement(By.id("sizing-report"));
    assertThat(report.getText())
        .contains("web-1")
        .contains("db-1")
        .contains("m7i.2xlarge")
        .contains("Standard_E16s_v5");
    assertThat(browser.findElement(By.id("sizing-totals")).getText())
        .contains("aws")
        .contains("azure");
    // sort by savings, largest first: db-1 (16 vCPUs for ~5 needed) saves more than web-1
    WebElement savings = report.findElement(By.xpath(".//th[normalize-space()='Savings $/month']"));
    savings.click();
    savings.click();
    assertThat(savings.getAttribute("aria-sort")).isEqualTo("descending");
    List<WebElement> rows = report.findElements(By.cssSelector("tbody tr"));
    assertThat(rows.get(0).getText()).startsWith("db-1");
    shot("13-sizing");

    // the export is the report as shown, downloaded by the browser
    browser.findElement(By.id("sizing-csv")).click();
    Path csv = downloads.resolve("sizing.csv");
    wait.until(d -> Files.exists(csv) && !Files.exists(downloads.resolve("sizing.csv.crdownload")));
    List<String> lines = Files.readAllLines(csv);
    assertThat(lines.get(0)).startsWith("host_id,hostname,status,provider,region");
    assertThat(lines)
        .anySatisfy(l -> assertThat(l).startsWith(web + ",web-1,sized,aws,us-east-1,"));

    // a host's page: charts over time with the percentile and the recommended capacity
    report.findElement(By.linkText("web-1")).click();
    wait.until(d -> d.getCurrentUrl().contains("/sizing/" + web));
    wait.until(d -> d.findElement(By.id("sizing-charts")).getAttribute("data-loaded") != null);
    assertThat(browser.findElement(By.id("sizing-charts")).getAttribute("data-loaded"))
        .isEqualTo("true");
    String recommended = browser.findElement(By.id("host-recommended")).getText().split(" ")[0];
    for (String chart : List.of("chart-sizing-cpu", "chart-sizing-mem")) {
      WebElement canvas = browser.findElement(By.id(chart));
      assertThat(Integer.parseInt(canvas.getAttribute("data-points"))).as(chart).isGreaterThan(20);
      assertThat(canvas.getAttribute("data-lines"))
          .as(chart)
          .contains("p95 used")
          .contains("needed (× headroom)")
          .contains("recommended " + recommended + " capacity")
          .contains("current m7i.2xlarge capacity");
    }
    // the disk chart (issue 13): the host's read throughput, what its disks need, and what the
    // recommended and current types carry to their disks
    WebElement disk = browser.findElement(By.id("chart-sizing-disk"));
    assertThat(Integer.parseInt(disk.getAttribute("data-points"))).isGreaterThan(20);
    assertThat(disk.getAttribute("data-lines"))
        .contains("read (hourly mean)")
        .contains("disks need (× headroom)")
        .contains("recommended " + recommended + " disk limit")
        .contains("current m7i.2xlarge disk limit");
    assertThat(browser.findElement(By.id("host-disks")).getText()).contains("all disks (totals)");
    assertThat(browser.findElement(By.id("candidates")).getText())
        .contains(recommended)
        .contains("cheapest type that fits");
    // everything the page loaded (scripts, styles, the chart library, its data) came from the
    // appliance
    @SuppressWarnings("unchecked")
    List<String> loaded =
        (List<String>)
            browser.executeScript(
                "return performance.getEntriesByType('resource').map(function (e) { return e.name; });");
    assertThat(loaded).isNotEmpty().allSatisfy(u -> assertThat(u).startsWith(url("/")));
    assertThat(loaded).anySatisfy(u -> assertThat(u).contains("/webjars/chart.js/"));
    shot("14-sizing-host");
    browser.executeScript(
        "arguments[0].scrollIntoView()", browser.findElement(By.id("sizing-charts")));
    shot("15-sizing-host-charts");
    browser.findElement(By.id("host-csv")).click();
    Path hostCsv = downloads.resolve("sizing-" + web + ".csv");
    wait.until(
        d ->
            Files.exists(hostCsv)
                && !Files.exists(downloads.resolve("sizing-" + web + ".csv.crdownload")));
    assertThat(Files.readString(hostCsv))
        .contains("\nrank,type,family")
        .contains("\n1," + recommended + ",");

    browser.findElement(By.id("logout")).click();
    wait.until(d -> d.getCurrentUrl().contains("/login"));
    shot("16-logged-out");
    browser.get(url("/targets"));
    assertThat(browser.getCurrentUrl()).contains("/login");
  }

  @Test
  void anAdminReadsThePortAuditFindingsFirstFiltersItExportsItAndSeesItOnTheHostPage()
      throws Exception {
    WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
    // web-1 reports its sockets through the real receiver: telnet (denied by the default policy)
    // and an ssh daemon whose process name is markup with a comma and a quote
    long now = appliance.clock.instant().getEpochSecond();
    long ts = now - now % 300 - 600;
    String hostile = "%3Cscript%3Ealert(1)%3C%2Fscript%3E%2C%22x";
    String body =
        ts
            + ",snapshot,proc,3,0,0\n"
            + ts
            + ",listen,tcp,0.0.0.0,23,root,telnetd,\n"
            + ts
            + ",listen,tcp,0.0.0.0,22,root,"
            + hostile
            + ",sshd\n"
            + ts
            + ",listen,tcp,127.0.0.1,8080,app,java,\n";
    assertThat(appliance.post("/api/v1/sockets", webToken, "text/plain", body).statusCode())
        .isEqualTo(204);

    browser.get(url("/ports"));
    if (browser.getCurrentUrl().contains("/login")) {
      browser.findElement(By.id("username")).sendKeys("admin");
      browser.findElement(By.id("password")).sendKeys(TestAppliance.ADMIN_PASSWORD);
      browser.findElement(By.id("login")).click();
      wait.until(d -> d.getCurrentUrl().endsWith("/ports"));
    }
    // findings first, then every listener
    String page = browser.getPageSource();
    assertThat(page.indexOf("<h2>Findings</h2>"))
        .isPositive()
        .isLessThan(page.indexOf("<h2>Listeners</h2>"));

    // filter by host: web-1's telnet is the first finding, its listeners all there
    browser.findElement(By.cssSelector("#ports-filters input[name=host]")).sendKeys("web-1");
    browser.findElement(By.cssSelector("#ports-filters button[type=submit]")).click();
    wait.until(d -> d.getCurrentUrl().contains("host=web-1"));
    WebElement finding = browser.findElement(By.cssSelector("#findings tbody tr"));
    assertThat(finding.getText()).contains("high", "web-1", "23/tcp", "telnetd");
    List<WebElement> listeners = browser.findElements(By.cssSelector("#listeners tbody tr"));
    assertThat(listeners).hasSize(3);
    WebElement ssh =
        listeners.stream().filter(r -> r.getText().contains("sshd")).findFirst().orElseThrow();
    // the hostile name is text: shown as sent, no element made of it
    assertThat(ssh.findElements(By.tagName("td")).get(5).getText())
        .isEqualTo("<script>alert(1)</script>,\"x");
    assertThat(browser.findElements(By.cssSelector("#listeners script"))).isEmpty();
    assertThat(browser.getPageSource()).contains("&lt;script&gt;alert(1)&lt;/script&gt;");
    shot("17-ports");

    // a port filter narrows it to telnet, and the CSV link exports what is shown
    WebElement port = browser.findElement(By.cssSelector("#ports-filters input[name=port]"));
    port.sendKeys("23");
    browser.findElement(By.cssSelector("#ports-filters button[type=submit]")).click();
    wait.until(d -> d.getCurrentUrl().contains("port=23"));
    assertThat(browser.findElements(By.cssSelector("#listeners tbody tr")))
        .singleElement()
        .satisfies(r -> assertThat(r.getText()).contains("telnetd"));
    WebElement export = browser.findElement(By.id("ports-csv"));
    assertThat(export.getAttribute("href")).contains("/api/v1/ports?format=csv&host=web-1&port=23");
    export.click();
    Path csv = downloads.resolve("ports.csv");
    wait.until(d -> Files.exists(csv) && !Files.exists(downloads.resolve("ports.csv.crdownload")));
    List<String> lines = Files.readAllLines(csv);
    assertThat(lines).hasSize(2);
    assertThat(lines.get(1)).contains("web-1", "23", "telnetd", "policy_deny");

    // the host's sizing page has a Ports tab with the same listeners and findings
    browser.get(url("/sizing/" + web));
    browser.findElement(By.id("host-ports-tab")).click();
    wait.until(d -> d.getCurrentUrl().endsWith("#ports"));
    WebElement section = browser.findElement(By.id("ports"));
    assertThat(section.findElement(By.cssSelector("#findings tbody tr")).getText())
        .contains("23/tcp", "telnetd");
    assertThat(section.findElements(By.cssSelector("#listeners tbody tr"))).hasSize(3);
    assertThat(section.getText()).contains("<script>alert(1)</script>,\"x");
    assertThat(section.findElements(By.tagName("script"))).isEmpty();
    shot("18-host-ports");

    // leave the browser logged out, as the other test expects to find it
    browser.manage().deleteAllCookies();
  }

  static void awaitSamples(int collector) throws Exception {
    for (int i = 0; i < 150; i++) {
      JsonNode cpu =
          JSON.readTree(
              appliance
                  .admin(
                      "GET",
                      "/api/v1/collectors/" + collector + "/samples?metric=cpu.busy_pct",
                      null)
                  .body());
      JsonNode mem =
          JSON.readTree(
              appliance
                  .admin(
                      "GET",
                      "/api/v1/collectors/" + collector + "/samples?metric=mem.used_bytes",
                      null)
                  .body());
      if (cpu.get("samples").size() >= 3 && mem.get("samples").size() >= 3) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError(
        "collector " + collector + " sent no CPU and memory samples within 30 s");
  }

  static String url(String path) {
    return appliance.uri(path).toString();
  }

  static void shot(String name) throws Exception {
    Files.write(screenshots.resolve(name + ".png"), browser.getScreenshotAs(OutputType.BYTES));
  }
}
