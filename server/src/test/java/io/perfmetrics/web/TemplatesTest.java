package io.perfmetrics.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The console's templates escape what they show: the engine does it, not the page classes. */
class TemplatesTest {
  private static final String MARKUP = "<script>alert('x')</script> & \"q\"";
  private final Templates templates = new Templates();

  @Test
  void aValueWithMarkupIsEscapedInTextByTheEngine() {
    String html =
        templates.render(
            "error.jte", Map.of("status", 400, "error", "bad request", "detail", MARKUP));

    assertThat(html)
        .doesNotContain("<script>")
        .doesNotContain(MARKUP)
        .contains("<p>&lt;script&gt;alert('x')&lt;/script&gt; &amp; \"q\"</p>");
  }

  @Test
  void aValueWithMarkupIsEscapedInAnAttributeByTheEngine() {
    Map<String, Object> params = new HashMap<>();
    params.put("next", "/\"><script>alert(1)</script>");
    params.put("username", "a\" onfocus=\"alert(1)");
    params.put("error", MARKUP);

    String html = templates.render("login.jte", params);

    assertThat(html)
        .doesNotContain("<script>")
        .doesNotContain("\" onfocus=")
        .contains("value=\"/&#34;>&lt;script>alert(1)&lt;/script>\"")
        .contains("value=\"a&#34; onfocus=&#34;alert(1)\"");
  }

  @Test
  void theLayoutEscapesTitleUserAndFlashMessages() {
    var frame =
        new Console.Frame(
            MARKUP,
            "/",
            List.of(new Console.NavEntry("<b>Nav</b>", "/")),
            "<i>user</i>",
            "tok\"en",
            "<img src=x onerror=alert(1)>",
            "</p><script>");

    String html =
        templates.render(
            "overview.jte",
            Map.of(
                "frame",
                frame,
                "model",
                new io.perfmetrics.web.console.OverviewPage.Model(
                    List.of(), 0, 15, 0, List.of(), 0, null)));

    assertThat(html)
        .doesNotContain("<script>")
        .doesNotContain("<img")
        .doesNotContain("<b>")
        .doesNotContain("<i>")
        .contains("<a href=\"/\" class=\"active\">&lt;b&gt;Nav&lt;/b&gt;</a>")
        .contains("<meta name=\"csrf-token\" content=\"tok&#34;en\">")
        .contains("<p class=\"flash\">&lt;img src=x onerror=alert(1)&gt;</p>")
        .contains("<p class=\"flash error\">&lt;/p&gt;&lt;script&gt;</p>");
  }
}
