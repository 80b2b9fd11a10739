package io.perfmetrics.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ApplianceTrustTest {
  static final String CERT = "-----BEGIN CERTIFICATE-----\nMIIBaw+/=\n-----END CERTIFICATE-----\n";

  @Test
  void keepsCertificatesWithTidyLineEnds() {
    ApplianceTrust t = new ApplianceTrust("\r\n" + CERT.replace("\n", "\r\n") + "\n" + CERT);

    assertThat(t.caPem()).isEqualTo(CERT + CERT);
    assertThat(t.oneLine())
        .isEqualTo(
            "-----BEGIN CERTIFICATE-----|MIIBaw+/=|-----END CERTIFICATE-----|"
                + "-----BEGIN CERTIFICATE-----|MIIBaw+/=|-----END CERTIFICATE-----");
  }

  @Test
  void followingParsesAgainOnlyWhenThePemChanges() {
    String[] pem = {CERT};
    java.util.function.Supplier<ApplianceTrust> trust = ApplianceTrust.following(() -> pem[0]);
    ApplianceTrust first = trust.get();
    assertThat(first.caPem()).isEqualTo(CERT);
    assertThat(trust.get()).isSameAs(first);
    // a rotation: the next deploy renders the new CA
    pem[0] = CERT + CERT;
    assertThat(trust.get().caPem()).isEqualTo(CERT + CERT);
    pem[0] = "";
    assertThat(trust.get().isEmpty()).isTrue();
    // a bad PEM is refused at every call, as before
    pem[0] = "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n";
    assertThatThrownBy(trust::get).hasMessageContaining("CERTIFICATE blocks only");
    assertThatThrownBy(trust::get).hasMessageContaining("CERTIFICATE blocks only");
  }

  @Test
  void noTrustIsEmpty() {
    assertThat(ApplianceTrust.none().isEmpty()).isTrue();
    assertThat(new ApplianceTrust(null).caPem()).isEmpty();
    assertThat(ApplianceTrust.none().oneLine()).isEmpty();
  }

  @Test
  void refusesAKeyOrAnythingButCertificates() {
    assertThatThrownBy(
            () ->
                new ApplianceTrust(
                    CERT + "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n"))
        .hasMessageContaining("CERTIFICATE blocks only");
    assertThatThrownBy(() -> new ApplianceTrust("'; rm -rf / #"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void anHttpsApplianceWithoutACaDeploysNothing() {
    assertThat(DeployService.untrusted(URI.create("https://10.0.0.5:8080"), ApplianceTrust.none()))
        .contains("is https but the appliance has no CA certificate")
        .contains("nothing was deployed");
    assertThat(
            DeployService.untrusted(URI.create("https://10.0.0.5:8080"), new ApplianceTrust(CERT)))
        .isNull();
    assertThat(DeployService.untrusted(URI.create("http://10.0.0.5:8080"), ApplianceTrust.none()))
        .isNull();
  }

  @Test
  void aTargetStatusShowsWhyItsCollectorSendsNothing() {
    RemoteStatus blocked =
        new RemoteStatus(
            "running",
            Map.of("tls", "blocked", "tls_error", "busybox wget cannot verify TLS certificates"));
    RemoteStatus fine = new RemoteStatus("running", Map.of("tls", "verified", "tls_error", ""));

    assertThat(DeployService.blocked(blocked))
        .isEqualTo("; uploads blocked: busybox wget cannot verify TLS certificates");
    assertThat(DeployService.blocked(fine)).isEmpty();
  }
}
