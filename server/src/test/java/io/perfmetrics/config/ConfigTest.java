package io.perfmetrics.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigTest {
  @Test
  void defaultsToPort8080AndAnEmbeddedDatabaseUnderData() {
    Config c = Config.load(Map.of(), Map.of());

    assertThat(c.port()).isEqualTo(8080);
    assertThat(c.dataDir()).isEqualTo(Path.of("data").toAbsolutePath());
    assertThat(c.embeddedDatabase()).isTrue();
    assertThat(c.adminToken()).isNull();
    assertThat(c.publicUrl().toString()).startsWith("https://").endsWith(":8080");
    assertThat(c.tls()).isEqualTo(Config.Tls.defaults());
    assertThat(c.tls().enabled()).isTrue();
  }

  @Test
  void tlsIsOnOffOrTheOperatorsCertificateAndKeyTogether() throws Exception {
    Config off = Config.load(Map.of(Config.TLS, "off"), Map.of());
    assertThat(off.tls().enabled()).isFalse();
    assertThat(off.publicUrl().toString()).startsWith("http://");

    Path dir = java.nio.file.Files.createTempDirectory("perfmetrics-config-tls-");
    try {
      Path cert = java.nio.file.Files.writeString(dir.resolve("c.pem"), "x");
      Path key = java.nio.file.Files.writeString(dir.resolve("k.pem"), "x");
      Config operator =
          Config.load(
              Map.of(Config.TLS_CERT, cert.toString(), Config.TLS_KEY, key.toString()), Map.of());
      assertThat(operator.tls()).isEqualTo(new Config.Tls(true, cert, key, null));

      assertThatThrownBy(() -> Config.load(Map.of(Config.TLS_CERT, cert.toString()), Map.of()))
          .hasMessageContaining(Config.TLS_KEY);
      assertThatThrownBy(
              () ->
                  Config.load(
                      Map.of(Config.TLS, "off", Config.TLS_CERT, cert.toString()), Map.of()))
          .hasMessageContaining(Config.TLS + " is off");
      assertThatThrownBy(() -> Config.load(Map.of(Config.TLS_CA, cert.toString()), Map.of()))
          .hasMessageContaining(Config.TLS_CA);
      assertThatThrownBy(
              () ->
                  Config.load(
                      Map.of(
                          Config.TLS_CERT,
                          dir.resolve("missing.pem").toString(),
                          Config.TLS_KEY,
                          key.toString()),
                      Map.of()))
          .hasMessageContaining(Config.TLS_CERT)
          .hasMessageContaining("missing.pem");
    } finally {
      io.perfmetrics.testing.TempDirs.delete(dir);
    }
    assertThatThrownBy(() -> Config.load(Map.of(Config.TLS, "yes"), Map.of()))
        .hasMessageContaining(Config.TLS + " must be on or off");
  }

  @Test
  void flagsWinOverTheEnvironment() {
    Config c = Config.load(Map.of(Config.PORT, "9000"), Map.of(Config.PORT, "9100"));

    assertThat(c.port()).isEqualTo(9100);
  }

  @Test
  void anExternalDatabaseIsUsedWhenAUrlIsGiven() {
    Config c =
        Config.load(
            Map.of(
                Config.DB_URL,
                "jdbc:postgresql://db:5432/pm",
                Config.DB_USER,
                "pm",
                Config.DB_PASSWORD,
                "s3cret"),
            Map.of());

    assertThat(c.embeddedDatabase()).isFalse();
    assertThat(c.database().user()).isEqualTo("pm");
    assertThat(c.toString()).doesNotContain("s3cret");
  }

  @Test
  void theBuiltInCatalogIsUsedUnlessAReadableFileIsNamed() {
    assertThat(Config.load(Map.of(), Map.of()).catalog()).isNull();
    assertThatThrownBy(
            () ->
                Config.load(
                    Map.of(Config.CATALOG, "/nonexistent/perfmetrics-catalog.csv"), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(Config.CATALOG)
        .hasMessageContaining("/nonexistent/perfmetrics-catalog.csv");
  }

  @Test
  void errorsNameTheBadKey() {
    assertThatThrownBy(() -> Config.load(Map.of(Config.PORT, "http"), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("PERFMETRICS_PORT")
        .hasMessageContaining("http");
    assertThatThrownBy(() -> Config.load(Map.of(Config.DB_URL, "postgres://x"), Map.of()))
        .hasMessageContaining("PERFMETRICS_DB_URL");
    assertThatThrownBy(() -> Config.load(Map.of(Config.DB_USER, "pm"), Map.of()))
        .hasMessageContaining("PERFMETRICS_DB_URL");
    assertThatThrownBy(() -> Config.load(Map.of(Config.ADMIN_TOKEN, "short"), Map.of()))
        .hasMessageContaining("PERFMETRICS_ADMIN_TOKEN");
    assertThatThrownBy(() -> Config.load(Map.of(Config.PUBLIC_URL, "ftp://x"), Map.of()))
        .hasMessageContaining("PERFMETRICS_PUBLIC_URL");
  }

  @Test
  void secretsAreMasked() {
    Config c =
        Config.load(
            Map.of(Config.ADMIN_TOKEN, "a-very-long-admin-token-123456", Config.MASTER_KEY, "k3y"),
            Map.of());

    assertThat(c.toString()).doesNotContain("a-very-long-admin-token-123456").doesNotContain("k3y");
    assertThat(c.adminToken().value()).isEqualTo("a-very-long-admin-token-123456");
  }

  @Test
  void theConsolePasswordIsASecretOfTwelveCharactersOrMore() {
    Config c = Config.load(Map.of(Config.ADMIN_PASSWORD, "console-pass-123"), Map.of());

    assertThat(c.web().adminPassword().value()).isEqualTo("console-pass-123");
    assertThat(c.toString()).doesNotContain("console-pass-123");
    assertThat(Config.load(Map.of(), Map.of()).web().adminPassword())
        .as("unset: generated at first start")
        .isNull();
    assertThatThrownBy(() -> Config.load(Map.of(Config.ADMIN_PASSWORD, "short"), Map.of()))
        .hasMessageContaining("PERFMETRICS_ADMIN_PASSWORD")
        .hasMessageContaining("12");
  }

  @Test
  void forwardedProtoIsTrustedOnlyWhenConfigured() {
    assertThat(Config.load(Map.of(), Map.of()).web().trustForwardedProto()).isFalse();
    assertThat(
            Config.load(Map.of(Config.TRUST_FORWARDED_PROTO, "true"), Map.of())
                .web()
                .trustForwardedProto())
        .isTrue();
    assertThatThrownBy(() -> Config.load(Map.of(Config.TRUST_FORWARDED_PROTO, "yes"), Map.of()))
        .hasMessageContaining("PERFMETRICS_TRUST_FORWARDED_PROTO");
  }

  @Test
  void theScrapeTokenIsAnOptionalSecretOfTwentyFourCharactersOrMore() {
    assertThat(Config.load(Map.of(), Map.of()).web().scrapeToken()).isNull();
    Config c = Config.load(Map.of(Config.SCRAPE_TOKEN, "scrape-0123456789abcdefghij"), Map.of());
    assertThat(c.web().scrapeToken().value()).isEqualTo("scrape-0123456789abcdefghij");
    assertThat(c.toString()).doesNotContain("scrape-0123456789abcdefghij");
    assertThatThrownBy(() -> Config.load(Map.of(Config.SCRAPE_TOKEN, "short"), Map.of()))
        .hasMessageContaining("PERFMETRICS_SCRAPE_TOKEN")
        .hasMessageContaining("24");
  }

  @Test
  void theLogFormatIsTextOrJson() {
    Config.load(Map.of(Config.LOG_FORMAT, "json"), Map.of());
    Config.load(Map.of(Config.LOG_FORMAT, "text"), Map.of());
    assertThatThrownBy(() -> Config.load(Map.of(Config.LOG_FORMAT, "xml"), Map.of()))
        .hasMessageContaining("PERFMETRICS_LOG_FORMAT")
        .hasMessageContaining("xml");
  }
}
