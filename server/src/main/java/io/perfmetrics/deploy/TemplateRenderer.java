package io.perfmetrics.deploy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Renders a collector template: every {@code {{NAME}}} becomes the value quoted for the script's
 * language. A template with a placeholder nobody filled, or a value nobody asked for, is an error,
 * so a renamed parameter cannot ship a broken collector.
 */
public final class TemplateRenderer {
  private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{([A-Z_]+)}}");
  private final Map<CollectorTemplate, String> templates = new EnumMap<>(CollectorTemplate.class);

  public TemplateRenderer() {
    for (CollectorTemplate t : CollectorTemplate.values()) {
      try (InputStream in = TemplateRenderer.class.getResourceAsStream("/templates/" + t.file())) {
        if (in != null) {
          templates.put(t, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read template " + t.file(), e);
      }
    }
  }

  public String render(CollectorTemplate template, Map<String, String> values) {
    String text = templates.get(template);
    if (text == null) {
      throw new IllegalStateException(
          "template " + template.file() + " is not packaged in this build");
    }
    Matcher m = PLACEHOLDER.matcher(text);
    StringBuilder out = new StringBuilder(text.length() + 512);
    Set<String> used = new HashSet<>();
    while (m.find()) {
      String name = m.group(1);
      String value = values.get(name);
      if (value == null) {
        throw new IllegalArgumentException(template.file() + " needs a value for {{" + name + "}}");
      }
      used.add(name);
      m.appendReplacement(out, Matcher.quoteReplacement(template.quote(value)));
    }
    m.appendTail(out);
    Set<String> unused = new HashSet<>(values.keySet());
    unused.removeAll(used);
    if (!unused.isEmpty()) {
      throw new IllegalArgumentException(template.file() + " has no placeholder for " + unused);
    }
    return out.toString();
  }
}
