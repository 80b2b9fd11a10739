package io.perfmetrics.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.perfmetrics.config.Config;
import io.perfmetrics.testing.TempDirs;
import io.perfmetrics.testing.TestAppliance;
import io.perfmetrics.testing.TestPostgres;
import io.perfmetrics.testing.TestSshd;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
 * target, deploy, follow the job to its per-host result, open the collector's charts, log out.
 * Each page is saved as a PNG under {@code target/screenshots}. A browser that cannot start fails
 * the test: it is never skipped.
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

  @BeforeAll
  static void start() throws Exception {
    screenshots = Path.of(System.getProperty("perfmetrics.screenshots", "target/screenshots"));
    Files.createDirectories(screenshots);
    postgres = new TestPostgres();
    sshd = new TestSshd(true);
    var collectors = new Config.Collectors(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofDays(14), 1 << 20,
        "http://127.0.0.1:" + TestPostgres.freePort(), sshd.userWritableDir().resolve("tools").toString(),
        Duration.ofSeconds(30), 8);
    appliance = new TestAppliance(postgres.newDatabase(), Config.Ingest.defaults(), collectors);
    browser = chromium();
  }

  /** Debian's chromium and chromedriver, named explicitly: Selenium Manager has nothing to look up or download. */
  static ChromeDriver chromium() throws Exception {
    if (!Files.isExecutable(Path.of(CHROMIUM)) || !Files.isExecutable(Path.of(CHROMEDRIVER))) {
      throw new AssertionError("the browser tests need Debian's chromium and chromium-driver (" + CHROMIUM + ", "
          + CHROMEDRIVER + "): apt-get install chromium chromium-driver, or run scripts/test as root");
    }
    profile = Files.createTempDirectory("perfmetrics-chromium-");
    System.setProperty("webdriver.chrome.driver", CHROMEDRIVER);
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM);
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1400,1000",
        "--user-data-dir=" + profile);
    ChromeDriverService service = new ChromeDriverService.Builder()
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
      TempDirs.delete(profile);
    }
  }

  @Test
  void anAdminDeploysToAHostAndReadsItsCharts() throws Exception {
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
    new Select(browser.findElement(By.id("target-credential"))).selectByVisibleText("ops (ssh_password)");
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
    assertThat(host.findElement(By.cssSelector("td.outcome")).getText()).as(host.getText()).isEqualTo("started");
    assertThat(browser.findElement(By.id("job-progress")).getText()).isEqualTo("1 of 1 hosts done, 0 failed");
    shot("05-job");

    browser.get(url("/targets"));
    assertThat(browser.findElement(By.cssSelector("#targets tbody tr")).getText()).contains("running").containsPattern("1[34]d [0-9]+h");
    shot("06-targets-running");

    // the collector reports; its page charts CPU and memory
    long targetId = JSON.readTree(appliance.admin("GET", "/api/v1/targets", null).body()).get("targets").get(0).get("id").asLong();
    int collector = JSON.readTree(appliance.admin("GET", "/api/v1/targets/" + targetId + "/status", null).body())
        .get("collector_id").asInt();
    awaitSamples(collector);
    browser.get(url("/collectors"));
    assertThat(browser.findElement(By.id("collectors")).getText()).contains("sh").contains("active");
    shot("07-collectors");
    browser.get(url("/collectors/" + collector));
    wait.until(d -> "true".equals(d.findElement(By.id("charts")).getAttribute("data-loaded")));
    assertThat(Integer.parseInt(browser.findElement(By.id("chart-cpu")).getAttribute("data-points"))).isPositive();
    assertThat(Integer.parseInt(browser.findElement(By.id("chart-mem")).getAttribute("data-points"))).isPositive();
    shot("08-collector-charts");

    browser.get(url("/"));
    assertThat(browser.findElement(By.id("count-running")).getText()).contains("1");
    shot("09-overview-running");
    browser.get(url("/sizing"));
    assertThat(browser.findElement(By.tagName("main")).getText()).contains("The sizing API is here");
    shot("10-sizing-pending");

    browser.findElement(By.id("logout")).click();
    wait.until(d -> d.getCurrentUrl().contains("/login"));
    shot("11-logged-out");
    browser.get(url("/targets"));
    assertThat(browser.getCurrentUrl()).contains("/login");
  }

  static void awaitSamples(int collector) throws Exception {
    for (int i = 0; i < 150; i++) {
      JsonNode cpu = JSON.readTree(appliance.admin("GET", "/api/v1/collectors/" + collector + "/samples?metric=cpu.busy_pct", null).body());
      JsonNode mem = JSON.readTree(appliance.admin("GET", "/api/v1/collectors/" + collector + "/samples?metric=mem.used_bytes", null).body());
      if (cpu.get("samples").size() >= 3 && mem.get("samples").size() >= 3) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("collector " + collector + " sent no CPU and memory samples within 30 s");
  }

  static String url(String path) {
    return appliance.uri(path).toString();
  }

  static void shot(String name) throws Exception {
    Files.write(screenshots.resolve(name + ".png"), browser.getScreenshotAs(OutputType.BYTES));
  }
}
