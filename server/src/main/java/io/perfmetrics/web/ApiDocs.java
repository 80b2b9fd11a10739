package io.perfmetrics.web;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The API described: {@code GET /api/v1/openapi.json} (admin token or session, like every admin
 * route) from the OpenAPI document shipped in the jar, and the console's page that browses it with
 * Swagger UI from its webjar (served by the appliance, nothing from elsewhere).
 */
public final class ApiDocs {
  public static final String DOCUMENT = "/api/v1/openapi.json";
  public static final String PAGE = "/api-docs";

  /** The document's place in the jar; tests read it from there too. */
  public static final String RESOURCE = "/openapi/openapi.json";

  static final String SWAGGER_UI = "/webjars/swagger-ui/5.34.1";

  private final Console console;
  private final byte[] document;

  public ApiDocs(Console console) {
    this.console = console;
    try (InputStream in = ApiDocs.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("the jar has no " + RESOURCE);
      }
      document = in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public void register(RoutesConfig routes) {
    routes.get(DOCUMENT, ctx -> ctx.contentType("application/json").result(document));
    routes.get(PAGE, this::page);
  }

  /** What the page template needs: where the document and Swagger UI are. */
  public record Model(String document, String swaggerUi) {}

  private void page(Context ctx) {
    // the page's script is our own file: the console's CSP allows no inline script
    console.render(ctx, "apiDocs.jte", "API", PAGE, new Model(DOCUMENT, SWAGGER_UI));
  }
}
