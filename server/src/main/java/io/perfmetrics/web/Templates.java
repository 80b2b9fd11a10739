package io.perfmetrics.web;

import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.output.StringOutput;
import java.util.Map;

/**
 * The console's templates (templates/console/*.jte), compiled into classes at build by the jte
 * Maven plugin with content type HTML: every {@code ${value}} is escaped for the place it stands in
 * (text, attribute, script), so no Java string ever carries markup.
 */
public final class Templates {
  /** The package the plugin generates the template classes into (server/pom.xml). */
  static final String PACKAGE = "io.perfmetrics.web.templates";

  private final TemplateEngine engine =
      TemplateEngine.createPrecompiled(
          null, ContentType.Html, Templates.class.getClassLoader(), PACKAGE);

  /** The template {@code name} (e.g. {@code overview.jte}) with its parameters by name. */
  public String render(String name, Map<String, Object> params) {
    StringOutput out = new StringOutput(8192);
    engine.render(name, params, out);
    return out.toString();
  }
}
