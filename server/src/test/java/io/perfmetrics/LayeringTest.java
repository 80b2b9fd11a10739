package io.perfmetrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The layers of the design, checked on the compiled classes: the HTTP helpers ({@code http}) sit
 * below the features, the web layer (auth, sessions, console) sits above them, and no feature
 * package references it. A class's constant pool names every class it uses, so a reference shows up
 * as the internal name {@code io/perfmetrics/web/...} in its bytes.
 */
class LayeringTest {
  /**
   * What sits on top and may use any feature: the web layer, the command line, and App at the root.
   */
  private static final Set<String> TOP = Set.of("web", "cli");

  private static final String ROOT = "io/perfmetrics/";

  @Test
  void noFeaturePackageReferencesTheWebLayer() {
    List<String> offenders = new ArrayList<>();
    Set<String> features = new TreeSet<>();
    for (Path c : classes()) {
      String pkg = topPackage(c);
      if (pkg == null || TOP.contains(pkg)) {
        continue;
      }
      features.add(pkg);
      if (!references(c, "web/").isEmpty()) {
        offenders.add(name(c));
      }
    }

    assertThat(features)
        .as("the feature packages scanned")
        .contains("deploy", "discovery", "ingest", "sizing", "targets");
    assertThat(offenders).as("feature classes that reference io.perfmetrics.web").isEmpty();
  }

  @Test
  void theHttpHelpersUseNoFeatureAndNoWebClass() {
    List<String> offenders = new ArrayList<>();
    int scanned = 0;
    for (Path c : classes()) {
      if (!"http".equals(topPackage(c))) {
        continue;
      }
      scanned++;
      for (String ref : references(c, "")) {
        if (!ref.startsWith("http/")) {
          offenders.add(name(c) + " -> " + ref);
        }
      }
    }

    assertThat(scanned).as("classes in io.perfmetrics.http").isPositive();
    assertThat(offenders).isEmpty();
  }

  @Test
  void theScanSeesAReferenceWhereThereIsOne() {
    Path webSupport =
        classes().stream()
            .filter(c -> name(c).equals("io/perfmetrics/web/WebSupport.class"))
            .findFirst()
            .orElseThrow();

    assertThat(references(webSupport, "ingest/")).isNotEmpty();
    assertThat(references(webSupport, "http/")).isNotEmpty();
  }

  private static Path classesDir() {
    try {
      return Path.of(App.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<Path> classes() {
    Path dir = classesDir().resolve(ROOT);
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(p -> p.toString().endsWith(".class")).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String name(Path c) {
    return classesDir().relativize(c).toString().replace('\\', '/');
  }

  /** The package below io.perfmetrics a class is in; null for the classes at the root (App). */
  private static String topPackage(Path c) {
    String rel = name(c).substring(ROOT.length());
    int slash = rel.indexOf('/');
    return slash < 0 ? null : rel.substring(0, slash);
  }

  /** The io/perfmetrics/{prefix}... names in a class file, without the io/perfmetrics/ part. */
  private static List<String> references(Path c, String prefix) {
    String text;
    try {
      // ISO-8859-1 maps every byte to one char: the ASCII names in the constant pool read as they
      // are
      text = new String(Files.readAllBytes(c), StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> found = new ArrayList<>();
    String needle = ROOT + prefix;
    for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
      int end = i + ROOT.length();
      while (end < text.length()
          && (Character.isLetterOrDigit(text.charAt(end))
              || "/$_".indexOf(text.charAt(end)) >= 0)) {
        end++;
      }
      found.add(text.substring(i + ROOT.length(), end));
    }
    return found;
  }
}
