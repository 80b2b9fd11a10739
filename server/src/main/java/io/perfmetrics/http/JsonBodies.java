package io.perfmetrics.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import java.io.IOException;

/** Reading small JSON request bodies of the admin API, with 400s that say what is wrong. */
public final class JsonBodies {
  private static final ObjectMapper JSON = new ObjectMapper();

  private JsonBodies() {}

  public static JsonNode object(Context ctx) {
    String b = ctx.body();
    if (b.isBlank()) {
      return JSON.createObjectNode();
    }
    JsonNode n;
    try {
      n = JSON.readTree(b);
    } catch (IOException e) {
      throw ApiException.badRequest("not valid JSON: " + e.getMessage());
    }
    if (n == null || !n.isObject()) {
      throw ApiException.badRequest("expected a JSON object");
    }
    return n;
  }

  public static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      throw ApiException.badRequest(field + " must be a string");
    }
    return v.asText();
  }

  public static long id(Context ctx, String param) {
    try {
      return Long.parseLong(ctx.pathParam(param));
    } catch (NumberFormatException e) {
      throw ApiException.badRequest(
          param + " must be an integer, got '" + ctx.pathParam(param) + "'");
    }
  }
}
