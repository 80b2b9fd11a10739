package io.perfmetrics.testing;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * For a test class that talks to one appliance with default settings on its own real PostgreSQL for
 * all its tests: started before the first, stopped after the last. Test classes run one after the
 * other, so the two fields belong to one class at a time.
 */
public abstract class ApplianceOnPostgres {
  protected static TestPostgres postgres;
  protected static TestAppliance appliance;

  @BeforeAll
  static void startApplianceOnPostgres() {
    postgres = new TestPostgres();
    appliance = new TestAppliance(postgres.jdbcUrl());
  }

  @AfterAll
  static void stopApplianceOnPostgres() {
    try {
      if (appliance != null) {
        appliance.close();
      }
    } finally {
      appliance = null;
      if (postgres != null) {
        postgres.close();
      }
      postgres = null;
    }
  }
}
