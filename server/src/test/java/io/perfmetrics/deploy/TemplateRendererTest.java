package io.perfmetrics.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TemplateRendererTest {
  static Map<String, String> values() {
    Map<String, String> v = new HashMap<>();
    v.put("URL", "http://127.0.0.5:8080");
    v.put("TOKEN", "pm1.7.abc'def");
    v.put("INTERVAL_S", "60");
    v.put("UPLOAD_S", "300");
    v.put("TTL_S", "1209600");
    v.put("SPOOL_MAX_BYTES", "8388608");
    v.put("METADATA_URL", "http://169.254.169.254");
    v.put("TOOLS_DIR", "/var/tmp/perfmetrics/tools");
    v.put("SOCKETS_S", "300");
    v.put("SOCKETS_MAX_ROWS", "1000");
    v.put("CA_PEM", "");
    return v;
  }

  @Test
  void quotesEveryValueAsOneShellWord() {
    assertThat(ShellQuoting.quote("plain")).isEqualTo("'plain'");
    assertThat(ShellQuoting.quote("it's $(rm -rf /) `x` \"y\""))
        .isEqualTo("'it'\\''s $(rm -rf /) `x` \"y\"'");
    assertThatThrownBy(() -> ShellQuoting.quote("a\0b"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void quotesVbsStringsByDoublingQuotes() {
    assertThat(CollectorTemplate.vbsString("say \"hi\"")).isEqualTo("\"say \"\"hi\"\"\"");
    assertThatThrownBy(() -> CollectorTemplate.vbsString("a\r\nb"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void rendersTheShellCollectorWithNoPlaceholderLeft() {
    String out = new TemplateRenderer().render(CollectorTemplate.UNIX_SH, values());

    assertThat(out).doesNotContain("{{");
    assertThat(out).contains("PM_TOKEN='pm1.7.abc'\\''def'");
    assertThat(out).contains("PM_TOOLS_DIR='/var/tmp/perfmetrics/tools'");
    assertThat(out).contains("PM_SOCKETS_S='300'").contains("PM_SOCKETS_MAX_ROWS='1000'");
  }

  @Test
  void deployRendersBothCollectorsWithTheValuesTheyTake() {
    io.perfmetrics.config.Config config =
        io.perfmetrics.config.Config.load(
            Map.of(
                "PERFMETRICS_ADMIN_TOKEN",
                "pma_" + "x".repeat(40),
                "PERFMETRICS_PUBLIC_URL",
                "http://127.0.0.5:8080"),
            Map.of());
    for (CollectorTemplate t : CollectorTemplate.values()) {
      String out =
          new TemplateRenderer()
              .render(t, DeployService.renderValues(t, config, "pm1.7.secret", TRUST));
      assertThat(out).doesNotContain("{{").contains("pm1.7.secret");
    }
  }

  static final ApplianceTrust TRUST =
      new ApplianceTrust(
          "-----BEGIN CERTIFICATE-----\r\nMIIBaw==\r\n-----END CERTIFICATE-----\r\n");

  @Test
  void rendersTheAppliancesCaIntoBothCollectors() {
    io.perfmetrics.config.Config config =
        io.perfmetrics.config.Config.load(
            Map.of(
                "PERFMETRICS_ADMIN_TOKEN",
                "pma_" + "x".repeat(40),
                "PERFMETRICS_PUBLIC_URL",
                "https://127.0.0.5:8080"),
            Map.of());
    TemplateRenderer r = new TemplateRenderer();

    String sh =
        r.render(
            CollectorTemplate.UNIX_SH,
            DeployService.renderValues(CollectorTemplate.UNIX_SH, config, "t", TRUST));
    String vbs =
        r.render(
            CollectorTemplate.WINDOWS_VBS,
            DeployService.renderValues(CollectorTemplate.WINDOWS_VBS, config, "t", TRUST));

    assertThat(sh)
        .contains("PM_CA_PEM='-----BEGIN CERTIFICATE-----\nMIIBaw==\n-----END CERTIFICATE-----\n'");
    assertThat(vbs)
        .contains("PM_CA_PEM = \"-----BEGIN CERTIFICATE-----|MIIBaw==|-----END CERTIFICATE-----\"");
  }

  @Test
  void refusesMissingAndUnknownValues() {
    Map<String, String> missing = values();
    missing.remove("TOKEN");
    Map<String, String> extra = values();
    extra.put("NOPE", "x");

    TemplateRenderer r = new TemplateRenderer();
    assertThatThrownBy(() -> r.render(CollectorTemplate.UNIX_SH, missing))
        .hasMessageContaining("{{TOKEN}}");
    assertThatThrownBy(() -> r.render(CollectorTemplate.UNIX_SH, extra))
        .hasMessageContaining("NOPE");
  }
}
