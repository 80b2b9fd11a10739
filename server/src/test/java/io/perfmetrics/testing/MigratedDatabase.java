package io.perfmetrics.testing;

import io.perfmetrics.store.Database;
import javax.sql.DataSource;

/**
 * A real PostgreSQL with the appliance's schema migrated, for a test of the stores without an
 * appliance; closing it stops the server.
 */
public final class MigratedDatabase implements AutoCloseable {
  private final TestPostgres postgres;
  private final Database database;

  public MigratedDatabase() {
    postgres = new TestPostgres();
    try {
      database = Database.connect(postgres.jdbcUrl(), null, null);
      database.migrate();
    } catch (RuntimeException e) {
      postgres.close();
      throw e;
    }
  }

  public DataSource dataSource() {
    return database.dataSource();
  }

  @Override
  public void close() {
    try {
      database.close();
    } finally {
      postgres.close();
    }
  }
}
