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
   * A template cut at its placeholders once, each stretch between them compressed once (if it is
   * sent compressed): a fleet deploy renders it per host (each its own token), and scanning its 84
   * KB for placeholders, or compressing it, every time cost more than the copy.
   */
  private record Parsed(
      List<RenderedScript.Piece> literals, List<String> names, Set<String> placeholders) {
    static Parsed of(String text) {
      List<RenderedScript.Piece> literals = new ArrayList<>();
      List<String> names = new ArrayList<>();
      Matcher m = PLACEHOLDER.matcher(text);
      int at = 0;
      while (m.find()) {
        literals.add(RenderedScript.Piece.compressed(text.substring(at, m.start())));
        names.add(m.group(1));
        at = m.end();
      }
      literals.add(RenderedScript.Piece.compressed(text.substring(at)));
      return new Parsed(List.copyOf(literals), List.copyOf(names), Set.copyOf(names));
    }
  }

  public TemplateRenderer() {
    for (CollectorTemplate t : CollectorTemplate.values()) {
      try (InputStream in = TemplateRenderer.class.getResourceAsStream("/templates/" + t.file())) {
        if (in != null) {
          Parsed parsed = Parsed.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
          if (t == CollectorTemplate.UNIX_SH) {
            // sent as gzip over SSH: compressed now, not in the first host's deploy; the VBScript
            // collector goes over SMB as text and is never compressed
            parsed.literals().forEach(RenderedScript.Piece::gzip);
          }
          templates.put(t, parsed);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read template " + t.file(), e);
      }
    }
  }

  /** The script's text: {@link #script}'s, for a caller that sends only text. */
  public String render(CollectorTemplate template, Map<String, String> values) {
    return script(template, values).text();
  }

  /** The template with every placeholder replaced by its value, quoted for the script. */
  public RenderedScript script(CollectorTemplate template, Map<String, String> values) {
    Parsed parsed = templates.get(template);
    if (parsed == null) {
      throw new IllegalStateException(
          "template " + template.file() + " is not packaged in this build");
    }
    List<RenderedScript.Piece> pieces = new ArrayList<>(2 * parsed.names().size() + 1);
    for (int i = 0; i < parsed.names().size(); i++) {
      String name = parsed.names().get(i);
      String value = values.get(name);
      if (value == null) {
        throw new IllegalArgumentException(template.file() + " needs a value for {{" + name + "}}");
      }
      pieces.add(parsed.literals().get(i));
      pieces.add(RenderedScript.Piece.stored(template.quote(value)));
    }
    pieces.add(parsed.literals().get(parsed.names().size()));
    Set<String> unused = new HashSet<>(values.keySet());
    unused.removeAll(parsed.placeholders());
    if (!unused.isEmpty()) {
      throw new IllegalArgumentException(template.file() + " has no placeholder for " + unused);
    }
    return RenderedScript.of(pieces);
  }
}
