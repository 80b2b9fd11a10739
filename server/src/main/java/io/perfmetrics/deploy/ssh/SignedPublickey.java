package io.perfmetrics.deploy.ssh;

import net.schmizz.sshj.common.SSHPacket;
import net.schmizz.sshj.userauth.UserAuthException;
import net.schmizz.sshj.userauth.keyprovider.KeyProvider;
import net.schmizz.sshj.userauth.method.KeyedAuthMethod;

/**
 * Public key login in one request: the signed one (RFC 4252, section 7), without first asking
 * whether the server would take the key, as SSHJ's {@code AuthPublickey} does. That query costs
 * each host a round trip, two packets and a second lookup of the key in its authorized keys. A key
 * the server refuses gets the same failure either way, and an RSA key is tried with each signature
 * algorithm in turn as before ({@link KeyedAuthMethod#shouldRetry}).
 */
final class SignedPublickey extends KeyedAuthMethod {
  SignedPublickey(KeyProvider key) {
    super("publickey", key);
  }

  @Override
  protected SSHPacket buildReq() throws UserAuthException {
    // "publickey", TRUE, the algorithm and key, then the signature over the session and all that
    return putSig(putPubKey(super.buildReq().putBoolean(true)));
  }
}
