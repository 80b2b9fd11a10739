package io.perfmetrics.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.perfmetrics.web.ApiDocs;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * The OpenAPI document shipped in the jar, as integration tests use it: an answer of the real
 * appliance must have a status the document lists for its route, and a JSON body that its schema
 * (JSON Schema 2020-12, checked by networknt's validator) accepts.
 */
public final class ApiSchemas {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ObjectNode document;
  private final SchemaRegistry schemas =
      SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
  private final Set<String> checked = new TreeSet<>();

  public ApiSchemas() {
    try (InputStream in = ApiDocs.class.getResourceAsStream(ApiDocs.RESOURCE)) {
      document = (ObjectNode) JSON.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public ObjectNode document() {
    return document;
  }

  /** Every operation of the document as "METHOD /path/{param}". */
  public Set<String> operations() {
    Set<String> ops = new TreeSet<>();
    document
        .get("paths")
        .properties()
        .forEach(
            path ->
                path.getValue()
                    .fieldNames()
                    .forEachRemaining(
                        m -> ops.add(m.toUpperCase(Locale.ROOT) + " " + path.getKey())));
    return ops;
  }

  /** The operations {@link #check} has seen answers of. */
  public Set<String> checked() {
    return checked;
  }

  /**
   * Asserts that the answer is one the document describes for the route.
   *
   * @param route "METHOD /api/v1/path/{param}" as the document (and the router) name it
   */
  public HttpResponse<String> check(String route, HttpResponse<String> answer) {
    List<String> problems =
        problems(
            route,
            answer.statusCode(),
            answer.headers().firstValue("Content-Type").orElse(""),
            answer.body());
    assertThat(problems)
        .as("%s answered %d: %s", route, answer.statusCode(), answer.body())
        .isEmpty();
    checked.add(route);
    return answer;
  }

  /** What is wrong with an answer, by the document; empty when nothing. */
  public List<String> problems(String route, int status, String contentType, String body) {
    String method = route.substring(0, route.indexOf(' ')).toLowerCase(Locale.ROOT);
    String path = route.substring(route.indexOf(' ') + 1);
    JsonNode op = document.path("paths").path(path).path(method);
    if (op.isMissingNode()) {
      return List.of(route + " is not in the document");
    }
    String pointer = "/paths/" + escape(path) + "/" + method + "/responses/" + status;
    JsonNode response = op.path("responses").path(Integer.toString(status));
    if (response.isMissingNode()) {
      return List.of("the document lists no answer " + status + " for " + route);
    }
    if (response.has("$ref")) {
      pointer = response.get("$ref").asText().substring(1);
      response = document.at(pointer);
    }
    JsonNode content = response.path("content");
    if (content.isMissingNode()) {
      return body.isEmpty()
          ? List.of()
          : List.of("the document says " + status + " has no body, got: " + body);
    }
    String type = contentType.split(";")[0].trim();
    if (!content.has(type)) {
      return List.of(
          "the document has no "
              + type
              + " answer "
              + status
              + " for "
              + route
              + " (it has "
              + iterable(content.fieldNames())
              + ")");
    }
    if (!type.equals("application/json")) {
      return List.of();
    }
    // the whole document is the schema's root, so its $refs to #/components resolve as written
    ObjectNode root = document.deepCopy();
    root.put("$schema", "https://json-schema.org/draft/2020-12/schema");
    root.put("$ref", "#" + pointer + "/content/" + escape(type) + "/schema");
    List<String> problems = new ArrayList<>();
    for (Error e :
        schemas.getSchema(root.toString(), InputFormat.JSON).validate(body, InputFormat.JSON)) {
      problems.add(e.getInstanceLocation() + ": " + e.getMessage());
    }
    return problems;
  }

  private static String escape(String pointerToken) {
    return pointerToken.replace("~", "~0").replace("/", "~1");
  }

  private static List<String> iterable(Iterator<String> it) {
    List<String> l = new ArrayList<>();
    it.forEachRemaining(l::add);
    return l;
  }
}
