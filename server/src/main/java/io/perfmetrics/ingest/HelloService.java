package io.perfmetrics.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.perfmetrics.store.StorageUnavailableException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.List;
import javax.sql.DataSource;

/** Stores the inventory and cloud identity a collector sends once at start. */
public final class HelloService {
  private final DataSource dataSource;
  private final ObjectMapper json;
  private final Clock clock;

  public HelloService(DataSource dataSource, ObjectMapper json, Clock clock) {
    this.dataSource = dataSource;
    this.json = json;
    this.clock = clock;
  }

  public void store(int collectorId, byte[] body, int length) throws MalformedSamplesException {
    HelloBody hello = HelloBody.read(json, body, length);
    JsonNode os = hello.os();
    JsonNode cpu = hello.cpu();
    CloudIdentity cloud = hello.cloud();
    List<String> unavailable = hello.unavailableMetrics();
    String hostname = hello.hostname();

    String sql =
        "INSERT INTO host_inventory (collector_id, hostname, os_family, os_name, os_version, cpu_model,"
            + " cpu_count, memory_bytes, cloud_provider, instance_type, region, unavailable_metrics,"
            + " inventory, received_at)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?)"
            + " ON CONFLICT (collector_id) DO UPDATE SET hostname = EXCLUDED.hostname,"
            + " os_family = EXCLUDED.os_family, os_name = EXCLUDED.os_name, os_version = EXCLUDED.os_version,"
            + " cpu_model = EXCLUDED.cpu_model, cpu_count = EXCLUDED.cpu_count,"
            + " memory_bytes = EXCLUDED.memory_bytes, cloud_provider = EXCLUDED.cloud_provider,"
            + " instance_type = EXCLUDED.instance_type, region = EXCLUDED.region,"
            + " unavailable_metrics = EXCLUDED.unavailable_metrics, inventory = EXCLUDED.inventory,"
            + " received_at = EXCLUDED.received_at";
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setInt(1, collectorId);
      ps.setString(2, hostname);
      ps.setString(3, textOrNull(os.get("family")));
      ps.setString(4, textOrNull(os.get("name")));
      ps.setString(5, textOrNull(os.get("version")));
      ps.setString(6, textOrNull(cpu.get("model")));
      ps.setObject(
          7,
          cpu.path("count").canConvertToInt() && cpu.path("count").isNumber()
              ? cpu.path("count").asInt()
              : null);
      ps.setObject(
          8,
          hello.tree().path("memory_bytes").isIntegralNumber()
              ? hello.tree().path("memory_bytes").asLong()
              : null);
      ps.setString(9, cloud == null ? null : cloud.provider());
      ps.setString(10, cloud == null ? null : cloud.instanceType());
      ps.setString(11, cloud == null ? null : cloud.region());
      ps.setArray(12, c.createArrayOf("text", unavailable.toArray()));
      // Jackson re-serialises: what is stored is well-formed JSON, whatever the bytes were
      ps.setString(13, json.writeValueAsString(hello.tree()));
      ps.setTimestamp(14, Timestamp.from(clock.instant()));
      ps.executeUpdate();
    } catch (SQLException e) {
      if (e.getSQLState() != null && e.getSQLState().startsWith("22")) {
        // data exception, e.g. a \u0000 in a string, which jsonb cannot hold
        throw new MalformedSamplesException(
            "hello holds a value the database refuses: " + e.getMessage());
      }
      throw new StorageUnavailableException("could not store the hello: " + e.getMessage(), e);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a parsed tree always serialises", e);
    }
  }

  private static String textOrNull(JsonNode n) {
    return n == null || n.isNull() || !n.isValueNode() ? null : n.asText();
  }
}
