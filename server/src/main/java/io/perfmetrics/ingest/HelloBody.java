package io.perfmetrics.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;

/**
 * A collector's hello as the receiver accepts it: read apart from storing, so that what a collector
 * can send is checked in one place (and fuzzed: HelloBodyFuzzTest).
 */
record HelloBody(
    String hostname,
    JsonNode os,
    JsonNode cpu,
    CloudIdentity cloud,
    List<String> unavailableMetrics,
    JsonNode tree) {

  static HelloBody read(ObjectMapper json, byte[] body, int length)
      throws MalformedSamplesException {
    JsonNode hello;
    try {
      hello = json.readTree(body, 0, length);
    } catch (JsonProcessingException e) {
      throw new MalformedSamplesException("hello is not valid JSON: " + e.getOriginalMessage());
    } catch (java.io.IOException e) {
      throw new MalformedSamplesException("hello could not be read: " + e.getMessage());
    }
    if (hello == null || !hello.isObject()) {
      throw new MalformedSamplesException("hello must be a JSON object");
    }
    String hostname = hello.path("hostname").asText("");
    if (hostname.isBlank() || hostname.length() > 255) {
      throw new MalformedSamplesException(
          "hello needs \"hostname\": a non-empty string of at most 255 characters");
    }
    List<String> unavailable = new ArrayList<>();
    hello.path("collector").path("unavailable_metrics").forEach(n -> unavailable.add(n.asText()));
    return new HelloBody(
        hostname,
        hello.path("os"),
        hello.path("cpu"),
        CloudIdentity.from(hello.get("cloud")),
        List.copyOf(unavailable),
        hello);
  }
}
