package io.perfmetrics.web;

import static io.perfmetrics.testing.ReportingHosts.GIB;
import static io.perfmetrics.testing.ReportingHosts.aws;
import static io.perfmetrics.testing.ReportingHosts.report;
import static org.assertj.core.api.Assertions.assertThat;

import io.perfmetrics.testing.ConsoleClient;
import io.perfmetrics.testing.TestAppliance;
import io.perfmetrics.testing.TestPostgres;
import java.net.URLDecoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A host's sizing, ports and dependencies pages, reached by a hostname: one host gets its page, a
 * hostname two hosts reported sends the admin back to the list with their collector ids, and a name
 * no host has is a 404, the same on all three.
 */
class HostPagesIT {
  static TestPostgres postgres;
  static TestAppliance appliance;
  static ConsoleClient console;
  static int solo;
  static int twinA;
  static int twinB;

  @BeforeAll
  static void start() {
    postgres = new TestPostgres();
    appliance = new TestAppliance(postgres.newDatabase());
    long from = appliance.clock.instant().getEpochSecond() - 7200;
    solo = host("solo", from);
    twinA = host("twin", from);
    twinB = host("twin", from);
    console = new ConsoleClient(appliance).loggedIn();
  }

  static int host(String name, long from) {
    return report(
            appliance,
            name,
            "linux",
            2,
            aws("t3.small", "us-east-1"),
            from,
            30,
            i -> 10.0,
            i -> GIB,
            false)
        .id();
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

  /** Each host page's path up to the host, and the list page it belongs to. */
  static final java.util.Map<String, String> PAGES =
      java.util.Map.of(
          "/sizing/", "/sizing", "/ports/", "/ports", "/dependencies/host/", "/dependencies");

  @Test
  void aHostnameTwoHostsReportedLeadsBackToTheListWithTheirIds() {
    for (var page : PAGES.entrySet()) {
      String list = page.getValue();
      HttpResponse<String> r = console.get(page.getKey() + "twin");
      assertThat(r.statusCode()).as(list).isEqualTo(303);
      String location = r.headers().firstValue("Location").orElseThrow();
      assertThat(location).startsWith(list + "?err=");
      assertThat(
              URLDecoder.decode(
                  location.substring(location.indexOf('=') + 1), StandardCharsets.UTF_8))
          .isEqualTo(
              "hostname 'twin' names 2 hosts (collector ids ["
                  + twinA
                  + ", "
                  + twinB
                  + "]): pick one from the list");
      HttpResponse<String> back = console.get(location);
      assertThat(back.statusCode()).as(location).isEqualTo(200);
      assertThat(back.body())
          .as(location)
          .contains("names 2 hosts (collector ids [" + twinA + ", " + twinB + "])");
    }
  }

  @Test
  void oneHostByItsNameGetsItsPageAndAnUnknownNameIsA404() {
    for (String page : PAGES.keySet()) {
      assertThat(console.get(page + "solo").statusCode()).as(page).isEqualTo(200);
      assertThat(console.get(page + twinB).statusCode()).as(page).isEqualTo(200);
      HttpResponse<String> missing = console.get(page + "nosuch");
      assertThat(missing.statusCode()).as(page).isEqualTo(404);
      assertThat(missing.body()).contains("no host with collector id or hostname");
    }
    // the API says the same of an ambiguous name with a 400
    HttpResponse<String> api = appliance.admin("GET", "/api/v1/sizing/twin", null);
    assertThat(api.statusCode()).isEqualTo(400);
    assertThat(api.body()).contains("use the collector id");
    assertThat(solo).isNotEqualTo(twinA);
  }
}
