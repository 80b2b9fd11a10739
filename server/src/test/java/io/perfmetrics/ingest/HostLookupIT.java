package io.perfmetrics.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.perfmetrics.http.ApiException;
import io.perfmetrics.testing.MigratedDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** How the ports and dependencies APIs and pages find the host an admin names. */
class HostLookupIT {
  static MigratedDatabase database;
  static HostLookup hosts;
  static int web1;
  static int twinA;
  static int twinB;
  static int labelled;
  static int numericName;

  @BeforeAll
  static void start() throws Exception {
    database = new MigratedDatabase();
    hosts = new HostLookup(database.dataSource());
    web1 = collector("web1", "web1");
    twinA = collector(null, "twin");
    twinB = collector(null, "twin");
    labelled = collector("only-a-label", null);
    // a host whose hostname is another collector's id: the id wins
    numericName = collector(null, String.valueOf(web1));
  }

  @AfterAll
  static void stop() {
    if (database != null) {
      database.close();
    }
  }

  @Test
  void aHostIsNamedByItsIdItsHostnameOrItsLabelUntilItReportsOne() {
    assertThat(hosts.resolve(String.valueOf(twinA))).isEqualTo(twinA);
    assertThat(hosts.resolve("web1")).isEqualTo(web1);
    assertThat(hosts.resolve("only-a-label")).isEqualTo(labelled);
    assertThat(hosts.resolve(String.valueOf(web1))).isEqualTo(web1);
    assertThat(hosts.find(String.valueOf(web1))).containsExactly(web1);
    assertThat(numericName).isNotEqualTo(web1);
  }

  @Test
  void anAmbiguousHostnameAndAnUnknownOneSayWhy() {
    assertThat(hosts.find("twin")).containsExactly(twinA, twinB);
    assertThatThrownBy(() -> hosts.resolve("twin"))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.status()).isEqualTo(400);
              assertThat(e.detail())
                  .isEqualTo(
                      "hostname 'twin' names 2 hosts (collector ids ["
                          + twinA
                          + ", "
                          + twinB
                          + "]): use the collector id");
            });
    assertThatThrownBy(() -> hosts.resolve("db9"))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.status()).isEqualTo(404);
              assertThat(e.detail()).isEqualTo("no host with collector id or hostname 'db9'");
            });
  }

  private static int collector(String label, String hostname) throws Exception {
    try (Connection c = database.dataSource().getConnection()) {
      int id;
      try (PreparedStatement ps =
          c.prepareStatement(
              "INSERT INTO collectors (label, token_hash, expires_at)"
                  + " VALUES (?, '\\x00', now() + interval '1 day') RETURNING id")) {
        ps.setString(1, label);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          id = rs.getInt(1);
        }
      }
      if (hostname != null) {
        try (PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO host_inventory (collector_id, hostname, inventory) VALUES (?, ?, '{}')")) {
          ps.setInt(1, id);
          ps.setString(2, hostname);
          ps.executeUpdate();
        }
      }
      return id;
    }
  }
}
