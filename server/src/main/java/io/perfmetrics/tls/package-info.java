/**
 * HTTPS on the appliance's port: its own certificate authority in the data directory (or the
 * operator's certificate), the server certificate it issues and renews, and the trust that
 * collectors and clients are given (docs/tls.md).
 */
@NullMarked
package io.perfmetrics.tls;

import org.jspecify.annotations.NullMarked;
