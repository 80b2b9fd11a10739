package io.perfmetrics.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.perfmetrics.testing.TestPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** The migration set on a plain PostgreSQL (the embedded one): the branch without TimescaleDB. */
class MigrationsIT {
  static boolean exists(Connection c, String sql) throws Exception {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      return rs.next();
    }
  }

  static int migrationFiles() throws Exception {
    java.nio.file.Path dir =
        java.nio.file.Path.of(System.getProperty("perfmetrics.root", ".."), "migrations");
    try (var files = java.nio.file.Files.list(dir)) {
      return (int) files.filter(f -> f.getFileName().toString().matches("V\\d+__.*\\.sql")).count();
    }
  }

  @Test
  void migrateAFreshDatabaseThenAgainAsANoOp() throws Exception {
    try (TestPostgres pg = new TestPostgres();
        Database db = Database.connect(pg.jdbcUrl(), null, null)) {
      var first = db.migrate();
      var second = db.migrate();

      // every file under migrations/ runs once on a fresh database (V4/V5 and later included as
      // they land)
      assertThat(first.migrationsExecuted).isEqualTo(migrationFiles());
      assertThat(second.migrationsExecuted).isZero();
      assertThat(db.hasTimescale()).isFalse();
      try (Connection c = db.dataSource().getConnection()) {
        assertThat(
                exists(
                    c,
                    "SELECT 1 FROM pg_indexes WHERE tablename = 'samples' AND indexname = 'samples_ts_brin'"
                        + " AND indexdef LIKE '%USING brin%'"))
            .isTrue();
        assertThat(
                exists(
                    c,
                    "SELECT 1 FROM pg_indexes WHERE tablename = 'samples' AND indexname = 'samples_key'"
                        + " AND indexdef LIKE 'CREATE UNIQUE INDEX%'"))
            .isTrue();
        for (String table :
            new String[] {
              "targets",
              "credentials",
              "collectors",
              "host_inventory",
              "metrics",
              "admin_tokens",
              "admin_users",
              "web_sessions"
            }) {
          assertThat(
                  exists(
                      c,
                      "SELECT 1 FROM information_schema.tables WHERE table_name = '" + table + "'"))
              .as(table)
              .isTrue();
        }
      }
    }
  }

  /**
   * V17 moves connection_days (V14) onto integer keys and weeks: every hour of a database migrated
   * before it is kept under its key at its hour of the week, and a key's last day is its latest.
   */
  @Test
  void connectionDaysBecomeWeeksUnderIntegerKeys() throws Exception {
    try (TestPostgres pg = new TestPostgres();
        Database db = Database.connect(pg.jdbcUrl(), null, null)) {
      org.flywaydb.core.Flyway.configure()
          .dataSource(db.dataSource())
          .locations("classpath:db/migration")
          .target("14")
          .load()
          .migrate();
      try (Connection c = db.dataSource().getConnection();
          Statement s = c.createStatement()) {
        s.execute(
            "INSERT INTO collectors (label, token_hash, expires_at)"
                + " VALUES ('a', '\\x00', now()), ('b', '\\x00', now())");
        // a Sunday (hours 0 and 1) and the Monday after it (hours 0 and 2): two weeks
        s.execute(
            "INSERT INTO connection_days SELECT d, c.id, 'out', 'tcp', '192.0.2.1', 0, '192.0.2.2', p,"
                + " 'app', 'java', h, d + interval '1 hour', d + interval '2 hours', p"
                + " FROM collectors c, (VALUES (date '2026-11-01', 3), (date '2026-11-02', 5)) x(d, h),"
                + " (VALUES (80), (443)) y(p)");
      }
      // V1 to V14 are 13 files (V10 is unused)
      assertThat(db.migrate().migrationsExecuted).isEqualTo(migrationFiles() - 13);
      try (Connection c = db.dataSource().getConnection();
          Statement s = c.createStatement();
          ResultSet rs =
              s.executeQuery(
                  "SELECT count(DISTINCT k.id), count(*), sum(bit_count(w.hours)), min(k.last_day)::text,"
                      + " sum(w.max_connections), count(DISTINCT w.first_seen),"
                      + " string_agg(DISTINCT w.week || ':' || (SELECT string_agg(i::text, ',' ORDER BY i)"
                      + "   FROM generate_series(0, 167) i WHERE substring(w.hours::text, 168 - i, 1) = '1'), ';')"
                      + " FROM connection_weeks w JOIN connection_keys k ON k.id = w.key_id")) {
        rs.next();
        // 2 collectors x 2 ports are 4 keys, each with its 2 weeks
        assertThat(rs.getInt(1)).isEqualTo(4);
        assertThat(rs.getInt(2)).isEqualTo(8);
        assertThat(rs.getInt(3)).isEqualTo(4 * (2 + 2));
        assertThat(rs.getString(4)).isEqualTo("2026-11-02");
        assertThat(rs.getInt(5)).isEqualTo(2 * 2 * (80 + 443));
        assertThat(rs.getInt(6)).isEqualTo(2);
        // Sunday is hours 144-167 of its week, Monday 0-23 of the next
        assertThat(rs.getString(7)).isEqualTo("2026-10-26:144,145;2026-11-02:0,2");
      }
    }
  }

  @Test
  void theEmbeddedDatabaseIsDurableAndKeepsItsDataAcrossRestarts() throws Exception {
    try (TestPostgres pg = new TestPostgres()) {
      try (Database db = Database.connect(pg.jdbcUrl(), null, null);
          Connection c = db.dataSource().getConnection();
          Statement s = c.createStatement()) {
        db.migrate();
        for (String setting : new String[] {"fsync", "synchronous_commit", "full_page_writes"}) {
          try (ResultSet rs = s.executeQuery("SHOW " + setting)) {
            rs.next();
            assertThat(rs.getString(1)).as(setting).isEqualTo("on");
          }
        }
        s.execute("INSERT INTO metrics (name) VALUES ('kept.across.restart')");
      }
      pg.stop();
      pg.start();
      try (Database db = Database.connect(pg.jdbcUrl(), null, null);
          Connection c = db.dataSource().getConnection()) {
        assertThat(db.migrate().migrationsExecuted).isZero();
        assertThat(exists(c, "SELECT 1 FROM metrics WHERE name = 'kept.across.restart'")).isTrue();
      }
    }
  }
}
