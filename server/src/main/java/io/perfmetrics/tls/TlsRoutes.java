package io.perfmetrics.tls;

import io.javalin.config.RoutesConfig;
import io.perfmetrics.http.ApiException;

/**
 * {@code GET /ca.pem}: the certificate to trust, without authentication, so an admin can install it
 * in a browser before logging in (and compare its fingerprint with the one {@code serve} printed).
 */
public final class TlsRoutes {
  public static final String CA_PEM = "/ca.pem";

  private final ApplianceTls tls;

  public TlsRoutes(ApplianceTls tls) {
    this.tls = tls;
  }

  public void register(RoutesConfig routes) {
    routes.get(
        CA_PEM,
        ctx -> {
          String pem = tls.trustPem();
          if (pem.isEmpty()) {
            throw new ApiException(
                404, "not found", "TLS is off on this appliance: there is no certificate to trust");
          }
          ctx.contentType("application/x-pem-file").result(pem);
        });
  }
}
