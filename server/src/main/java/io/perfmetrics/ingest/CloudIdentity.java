package io.perfmetrics.ingest;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The instance a host runs as, read from the identity document its collector fetched from the
 * cloud's metadata service (169.254.169.254). Each provider names things its own way.
 */
public record CloudIdentity(String provider, String instanceType, String region) {

  /**
   * From the hello's {@code cloud} member: {@code {"provider": .., "document": {..}}}; null if
   * none.
   */
  public static CloudIdentity from(JsonNode cloud) {
    if (cloud == null || !cloud.isObject()) {
      return null;
    }
    String provider = text(cloud.get("provider"));
    JsonNode doc = cloud.get("document");
    if (provider == null || doc == null || !doc.isObject()) {
      return null;
    }
    return switch (provider) {
      // AWS instance identity document
      case "aws" ->
          new CloudIdentity("aws", text(doc.get("instanceType")), text(doc.get("region")));
      // Azure IMDS /metadata/instance
      case "azure" -> {
        JsonNode compute = doc.path("compute");
        yield new CloudIdentity(
            "azure", text(compute.get("vmSize")), text(compute.get("location")));
      }
      // GCP computeMetadata/v1/instance/?recursive=true: projects/N/machineTypes/X,
      // projects/N/zones/Z
      case "gcp" -> {
        String type = lastSegment(text(doc.get("machineType")));
        String zone = lastSegment(text(doc.get("zone")));
        String region =
            zone == null || zone.lastIndexOf('-') < 0
                ? zone
                : blankToNull(zone.substring(0, zone.lastIndexOf('-')));
        yield new CloudIdentity("gcp", type, region);
      }
      default -> new CloudIdentity(provider, null, null);
    };
  }

  private static String text(JsonNode n) {
    return n == null || !n.isTextual() || n.asText().isBlank() ? null : n.asText();
  }

  /** The part after the last slash; null when there is none ("projects/1/machineTypes/"). */
  private static String lastSegment(String s) {
    return s == null ? null : blankToNull(s.substring(s.lastIndexOf('/') + 1));
  }

  private static String blankToNull(String s) {
    return s.isBlank() ? null : s;
  }
}
