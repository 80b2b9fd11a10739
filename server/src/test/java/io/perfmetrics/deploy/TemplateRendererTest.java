package io.perfmetrics.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.GZIPInputStream;
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
  void theGzipFormUnpacksToTheTextAndIsAThirdOfIt() throws Exception {
    Map<String, String> v = values();
    // a value longer than one stored block, and an empty one
    v.put("CA_PEM", "-----BEGIN CERTIFICATE-----\n" + "A".repeat(70_000) + "\n");
    v.put("SOCKETS_S", "");
    RenderedScript script = new TemplateRenderer().script(CollectorTemplate.UNIX_SH, v);
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    script.writeGzip(gz);
    assertThat(gz.size()).isEqualTo(script.gzipLength());
    // GZIPInputStream reads concatenated members, as gzip -d does
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gz.toByteArray()))) {
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo(script.text());
    }
    assertThat(script.text())
        .isEqualTo(new TemplateRenderer().render(CollectorTemplate.UNIX_SH, v))
        .contains("PM_SOCKETS_S=''");

    RenderedScript usual = new TemplateRenderer().script(CollectorTemplate.UNIX_SH, values());
    assertThat(usual.gzipLength()).isLessThan(usual.text().length() / 3);
  }

  @Test
  void aStoredMemberCarriesAnyBytes() throws Exception {
    for (int n : new int[] {0, 1, 65_535, 65_536, 200_000}) {
      byte[] data = new byte[n];
      for (int i = 0; i < n; i++) {
        data[i] = (byte) (i * 31);
      }
      for (boolean deflate : new boolean[] {false, true}) {
        byte[] member = RenderedScript.member(data, deflate);
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(member))) {
          assertThat(in.readAllBytes()).as(n + " bytes, deflate " + deflate).isEqualTo(data);
        }
      }
    }
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
