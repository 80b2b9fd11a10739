package io.perfmetrics.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.perfmetrics.testing.ApplianceOnPostgres;
import io.perfmetrics.testing.TempDirs;
import io.perfmetrics.testing.TestAppliance;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Issue 15: the console in headless Chromium over HTTPS (TLS on, the default), trusting only the
 * appliance's server key by its SPKI pin: the login works, the session cookie is Secure and
 * HttpOnly, HSTS is sent; the same browser without the pin gets no page.
 */
class ConsoleTlsBrowserIT extends ApplianceOnPostgres {
  @Test
  void theConsoleWorksOverHttpsTrustingOnlyTheApplianceByItsPin() throws Exception {
    String url = appliance.uri("/login?next=%2Ftargets").toString();
    assertThat(url).startsWith("https://");
    ChromeDriver browser = ConsoleBrowserIT.chromium(appliance.spkiPin());
    Path profile = ConsoleBrowserIT.profile;
    try {
      WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60));
      browser.get(url);
      browser.findElement(By.id("username")).sendKeys("admin");
      browser.findElement(By.id("password")).sendKeys(TestAppliance.ADMIN_PASSWORD);
      browser.findElement(By.id("login")).click();
      wait.until(d -> d.getCurrentUrl().endsWith("/targets"));
      assertThat(browser.getCurrentUrl()).startsWith("https://127.0.0.1:");
      assertThat(browser.findElements(By.cssSelector("meta[name='csrf-token']")))
          .as("the console's page, logged in")
          .hasSize(1);

      Cookie session = browser.manage().getCookieNamed("pm_session");
      assertThat(session.isSecure()).as("Secure").isTrue();
      assertThat(session.isHttpOnly()).as("HttpOnly").isTrue();

      // what the browser itself received (a same-origin fetch sees the header)
      Object hsts =
          browser.executeAsyncScript(
              "const done = arguments[arguments.length - 1];"
                  + " fetch('/healthz').then(r => done(r.headers.get('strict-transport-security')))"
                  + ".catch(e => done('error: ' + e));");
      assertThat(hsts).isEqualTo("max-age=31536000");
    } finally {
      browser.quit();
      TempDirs.delete(profile);
    }

    // the control: without the pin Chromium shows its interstitial, never the console
    ChromeDriver stranger = ConsoleBrowserIT.chromium(null);
    Path strangerProfile = ConsoleBrowserIT.profile;
    try {
      stranger.get(url);
      assertThat(stranger.findElements(By.id("username"))).isEmpty();
      assertThat(stranger.getPageSource()).doesNotContain("csrf-token");
    } finally {
      stranger.quit();
      TempDirs.delete(strangerProfile);
    }
  }
}
