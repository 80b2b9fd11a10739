package io.perfmetrics.deploy.ssh;

import com.hierynomus.sshj.userauth.certificate.Certificate;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import net.schmizz.sshj.common.Buffer;
import net.schmizz.sshj.common.DisconnectReason;
import net.schmizz.sshj.common.Factory;
import net.schmizz.sshj.common.KeyType;
import net.schmizz.sshj.common.Message;
import net.schmizz.sshj.common.SSHPacket;
import net.schmizz.sshj.common.SSHRuntimeException;
import net.schmizz.sshj.signature.Signature;
import net.schmizz.sshj.transport.Transport;
import net.schmizz.sshj.transport.TransportException;
import net.schmizz.sshj.transport.digest.Digest;
import net.schmizz.sshj.transport.kex.KeyExchange;
import net.schmizz.sshj.transport.kex.KeyExchangeBase;
import org.bouncycastle.math.ec.rfc7748.X25519;

/**
 * curve25519-sha256 (RFC 8731) on Bouncy Castle's X25519 arithmetic, called directly, and the JDK's
 * SHA-256. SSHJ's own implementation goes through the JCA for both (key pair generator, key
 * agreement, key encodings, provider lookups, per connection). Called directly, X25519 runs the
 * field arithmetic and base-point tables of Bouncy Castle's Ed25519, which the host key check and
 * the key login run on every connection anyway, so a fleet deploy warms and compiles one curve
 * implementation, not two: the JDK's X25519 cost 0.84 of the CPU per host (docs/deploy.md). The
 * exchange, the hash and the host key's signature check (with SSHJ's signature for the negotiated
 * host key algorithm, certificates included) are those of SSHJ's {@code AbstractDHG}.
 */
final class Curve25519Exchange extends KeyExchangeBase {
  private static final int KEY_BYTES = 32;

  /** Its factory under one of the two names OpenSSH knows it by. */
  record Named(String name) implements Factory.Named<KeyExchange> {
    @Override
    public KeyExchange create() {
      return new Curve25519Exchange();
    }

    @Override
    public String getName() {
      return name;
    }
  }

  /** The ephemeral private keys' source; thread-safe. */
  private static final SecureRandom RANDOM = new SecureRandom();

  private final byte[] privateKey = new byte[KEY_BYTES];
  private byte[] e;
  private BigInteger k;

  Curve25519Exchange() {
    super(new Sha256());
  }

  @Override
  public void init(Transport trans, String vs, String vc, byte[] is, byte[] ic)
      throws GeneralSecurityException, TransportException {
    super.init(trans, vs, vc, is, ic);
    digest.init();
    X25519.generatePrivateKey(RANDOM, privateKey);
    e = new byte[KEY_BYTES];
    X25519.generatePublicKey(privateKey, 0, e, 0);
    trans.write(new SSHPacket(Message.KEXDH_INIT).putBytes(e));
  }

  @Override
  public boolean next(Message msg, SSHPacket packet)
      throws GeneralSecurityException, TransportException {
    if (msg != Message.KEXDH_31) {
      throw new TransportException(
          DisconnectReason.KEY_EXCHANGE_FAILED, "Unexpected packet: " + msg);
    }
    byte[] ks;
    byte[] f;
    byte[] sig;
    try {
      ks = packet.readBytes();
      f = packet.readBytes();
      sig = packet.readBytes();
      hostKey = new Buffer.PlainBuffer(ks).readPublicKey();
    } catch (Buffer.BufferException be) {
      throw new TransportException(be);
    }
    if (f.length != KEY_BYTES) {
      throw new TransportException(
          DisconnectReason.KEY_EXCHANGE_FAILED,
          "the server's X25519 key has " + f.length + " bytes, not " + KEY_BYTES);
    }
    byte[] secret = new byte[KEY_BYTES];
    if (!X25519.calculateAgreement(privateKey, 0, f, 0, secret, 0)) {
      throw new TransportException(
          DisconnectReason.KEY_EXCHANGE_FAILED, "the server's X25519 key is of low order");
    }
    Arrays.fill(privateKey, (byte) 0);
    // RFC 8731: the 32 bytes of X25519's output read as an unsigned big-endian number
    k = new BigInteger(1, secret);
    Buffer.PlainBuffer buf = initializedBuffer().putString(ks).putBytes(e).putBytes(f).putMPInt(k);
    digest.update(buf.array(), buf.rpos(), buf.available());
    H = digest.digest();

    Signature signature = trans.getHostKeyAlgorithm().newSignature();
    signature.initVerify(hostKey instanceof Certificate<?> c ? c.getKey() : hostKey);
    signature.update(H, 0, H.length);
    if (!signature.verify(sig)) {
      throw new TransportException(
          DisconnectReason.KEY_EXCHANGE_FAILED, "KeyExchange signature verification failed");
    }
    if (hostKey instanceof Certificate<?> cert && trans.getConfig().isVerifyHostKeyCertificates()) {
      String error;
      try {
        error = KeyType.CertUtils.verifyHostCertificate(ks, cert, trans.getRemoteHost());
      } catch (Buffer.BufferException | SSHRuntimeException ex) {
        throw new TransportException(
            DisconnectReason.KEY_EXCHANGE_FAILED, "KeyExchange certificate check failed", ex);
      }
      if (error != null) {
        throw new TransportException(
            DisconnectReason.KEY_EXCHANGE_FAILED, "KeyExchange certificate check failed: " + error);
      }
    }
    return true;
  }

  @Override
  public BigInteger getK() {
    return k;
  }

  /** SSHJ's digest interface on the JDK's SHA-256 (SSHJ's own asks its provider, Bouncy Castle). */
  static final class Sha256 implements Digest {
    private MessageDigest md;

    @Override
    public byte[] digest() {
      return md.digest();
    }

    @Override
    public int getBlockSize() {
      // what SSHJ's SHA256 answers: the output length, which key derivation uses
      return 32;
    }

    @Override
    public void init() {
      try {
        md = MessageDigest.getInstance("SHA-256", "SUN");
      } catch (GeneralSecurityException ex) {
        throw new SSHRuntimeException(ex);
      }
    }

    @Override
    public void update(byte[] bytes) {
      update(bytes, 0, bytes.length);
    }

    @Override
    public void update(byte[] bytes, int start, int len) {
      md.update(bytes, start, len);
    }
  }
}
