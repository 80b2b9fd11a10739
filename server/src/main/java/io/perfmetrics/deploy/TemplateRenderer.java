package io.perfmetrics.deploy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
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
  private final Map<CollectorTemplate, Parsed> templates = new EnumMap<>(CollectorTemplate.class);

  /**
   * A template cut at its placeholders once: a fleet deploy renders it per host (each its own
   * token), and scanning its 84 KB for placeholders every time cost more than the copy.
   */
  private record Parsed(List<String> literals, List<String> names, Set<String> placeholders) {
    static Parsed of(String text) {
      List<String> literals = new ArrayList<>();
      List<String> names = new ArrayList<>();
      Matcher m = PLACEHOLDER.matcher(text);
      int at = 0;
      while (m.find()) {
        literals.add(text.substring(at, m.start()));
        names.add(m.group(1));
        at = m.end();
      }
      literals.add(text.substring(at));
      return new Parsed(List.copyOf(literals), List.copyOf(names), Set.copyOf(names));
    }

    int length() {
      return literals.stream().mapToInt(String::length).sum();
    }
  }

  public TemplateRenderer() {
    for (CollectorTemplate t : CollectorTemplate.values()) {
      try (InputStream in = TemplateRenderer.class.getResourceAsStream("/templates/" + t.file())) {
        if (in != null) {
          templates.put(t, Parsed.of(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read template " + t.file(), e);
      }
    }
  }

  public String render(CollectorTemplate template, Map<String, String> values) {
    Parsed parsed = templates.get(template);
    if (parsed == null) {
      throw new IllegalStateException(
          "template " + template.file() + " is not packaged in this build");
    }
    StringBuilder out = new StringBuilder(parsed.length() + 512);
    for (int i = 0; i < parsed.names().size(); i++) {
      String name = parsed.names().get(i);
      String value = values.get(name);
      if (value == null) {
        throw new IllegalArgumentException(template.file() + " needs a value for {{" + name + "}}");
      }
      out.append(parsed.literals().get(i)).append(template.quote(value));
    }
    out.append(parsed.literals().get(parsed.names().size()));
    Set<String> unused = new HashSet<>(values.keySet());
    unused.removeAll(parsed.placeholders());
    if (!unused.isEmpty()) {
      throw new IllegalArgumentException(template.file() + " has no placeholder for " + unused);
    }
    return out.toString();
  }
}
