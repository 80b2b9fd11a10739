package io.perfmetrics.deploy;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The CA certificate(s), PEM, that collectors must trust for the appliance's HTTPS and nothing
 * else: rendered into every collector, which writes it to {@code ca.pem} in its tools folder and
 * gives it to its HTTP client as the only trust. Empty when the appliance serves plain HTTP.
 *
 * <p>Only {@code CERTIFICATE} blocks are accepted: a private key handed in by mistake must never
 * reach a target.
 */
public record ApplianceTrust(String caPem) {
  private static final Pattern PEM =
      Pattern.compile(
          "(-----BEGIN CERTIFICATE-----\\n[A-Za-z0-9+/=\\n]+-----END CERTIFICATE-----\\n)+");

  public ApplianceTrust {
    caPem = caPem == null ? "" : normalize(caPem);
    if (!caPem.isEmpty() && !PEM.matcher(caPem).matches()) {
      throw new IllegalArgumentException(
          "the appliance trust must be PEM CERTIFICATE blocks only (no keys, no other text)");
    }
  }

  /**
   * The trust for the PEM that {@code pem} gives at each call: read at every deploy, so a rescan
   * after a certificate rotation renders the new CA, but checked and normalized again only when the
   * PEM changed, not for every host.
   */
  public static Supplier<ApplianceTrust> following(Supplier<String> pem) {
    AtomicReference<Parsed> last = new AtomicReference<>();
    return () -> {
      String now = pem.get();
      Parsed p = last.get();
      if (p == null || !java.util.Objects.equals(p.pem(), now)) {
        p = new Parsed(now, new ApplianceTrust(now));
        last.set(p);
      }
      return p.trust();
    };
  }

  private record Parsed(String pem, ApplianceTrust trust) {}

  /** No trust: collectors of an appliance on plain HTTP. */
  public static ApplianceTrust none() {
    return new ApplianceTrust("");
  }

  public boolean isEmpty() {
    return caPem.isEmpty();
  }

  /** LF line ends, no blank lines, one LF at the end. */
  private static String normalize(String pem) {
    StringBuilder out = new StringBuilder(pem.length());
    for (String line : pem.replace("\r", "").split("\n")) {
      String t = line.strip();
      if (!t.isEmpty()) {
        out.append(t).append('\n');
      }
    }
    return out.toString();
  }

  /**
   * The PEM as one line for a template language whose strings cannot hold line breaks (VBScript):
   * lines joined by {@code |}, which neither base64 nor the PEM armour contains.
   */
  String oneLine() {
    return caPem.isEmpty() ? "" : caPem.substring(0, caPem.length() - 1).replace('\n', '|');
  }
}
