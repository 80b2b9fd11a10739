package io.perfmetrics.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Markup lives in templates/console, where the engine escapes every value: no Java string literal
 * in the appliance's sources carries an HTML tag (the greppable form of "no HTML built by string
 * concatenation in page classes").
 */
class NoMarkupInJavaTest {
  private static final Pattern LITERAL = Pattern.compile("\"(?:[^\"\\\\\\n]|\\\\.)*\"");
  private static final Pattern TAG =
      Pattern.compile(
          "</?(html|head|body|main|header|nav|section|div|p|a|span|small"
              + "|code|pre|h[1-6]|ul|ol|li|dl|dt|dd|table|thead|tbody|tfoot|tr|td|th|form|fieldset|legend|label|input"
              + "|select|option|textarea|button|progress|canvas|figure|figcaption|script|style|link|meta|title|br|img)[\\s>/]",
          Pattern.CASE_INSENSITIVE);

  @Test
  void noJavaStringCarriesAnHtmlTag() throws IOException {
    Path sources = Path.of("src/main/java");
    assertThat(sources).as("run from the server module").isDirectory();
    List<String> found = new ArrayList<>();
    try (Stream<Path> files = Files.walk(sources)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        List<String> lines = Files.readAllLines(f);
        for (int i = 0; i < lines.size(); i++) {
          Matcher m = LITERAL.matcher(lines.get(i));
          while (m.find()) {
            if (TAG.matcher(m.group()).find()) {
              found.add(sources.relativize(f) + ":" + (i + 1) + ": " + m.group());
            }
          }
        }
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }

    assertThat(found).isEmpty();
  }

  @Test
  void theCheckRecognisesMarkup() {
    assertThat(TAG.matcher("\"<td class=\\\"num\\\">\"").find()).isTrue();
    assertThat(TAG.matcher("\"</p>\"").find()).isTrue();
    assertThat(TAG.matcher("\"a < b and <dev/null\"").find()).isFalse();
  }
}
