package io.perfmetrics.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.perfmetrics.testing.TestPostgres;
import java.sql.Connection;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * A deploy's share of the appliance's pool on a real PostgreSQL: with every connection of the share
 * held (a deploy at any concurrency), the share says so after its wait, and the connections kept
 * back still come at once from the pool (collectors' uploads, the API).
 */
class PoolShareIT {
  @Test
  void aDeployHoldingItsWholeShareLeavesTheKeptConnectionsToEveryoneElse() throws Exception {
    try (TestPostgres pg = new TestPostgres();
        Database db = Database.connect(pg.jdbcUrl(), null, null)) {
      DataSource share = db.deployShare();
      int shared = Database.POOL_SIZE - Database.KEPT_FROM_DEPLOYS;
      List<Connection> held = new ArrayList<>();
      try {
        for (int i = 0; i < shared; i++) {
          Connection c = share.getConnection();
          assertThat(answers(c)).isTrue();
          held.add(c);
        }
        long t0 = System.nanoTime();
        assertThatThrownBy(share::getConnection)
            .isInstanceOf(SQLTransientConnectionException.class)
            .hasMessageContaining("all " + shared + " database connections");
        assertThat((System.nanoTime() - t0) / 1e9).as("waited about 2 s").isBetween(1.5, 10.0);

        // everyone else: the pool's remaining connections (a dry pool would throw after 2 s)
        List<Connection> others = new ArrayList<>();
        try {
          for (int i = 0; i < Database.KEPT_FROM_DEPLOYS; i++) {
            Connection c = db.dataSource().getConnection();
            assertThat(answers(c)).isTrue();
            others.add(c);
          }
        } finally {
          for (Connection c : others) {
            c.close();
          }
        }

        // a connection closed twice gives back one permit: the share takes one more, not two
        Connection first = held.remove(0);
        first.close();
        first.close();
        Connection again = share.getConnection();
        held.add(again);
        assertThat(answers(again)).isTrue();
        assertThatThrownBy(share::getConnection)
            .isInstanceOf(SQLTransientConnectionException.class);
      } finally {
        for (Connection c : held) {
          c.close();
        }
      }
      // all given back: the whole share is available again
      List<Connection> all = new ArrayList<>();
      try {
        for (int i = 0; i < shared; i++) {
          all.add(share.getConnection());
        }
        assertThat(all).hasSize(shared);
      } finally {
        for (Connection c : all) {
          c.close();
        }
      }
    }
  }

  private static boolean answers(Connection c) throws Exception {
    try (Statement s = c.createStatement();
        var rs = s.executeQuery("SELECT 1")) {
      return rs.next() && rs.getInt(1) == 1;
    }
  }
}
