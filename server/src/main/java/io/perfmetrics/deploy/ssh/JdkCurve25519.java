package io.perfmetrics.deploy.ssh;

import com.hierynomus.sshj.userauth.certificate.Certificate;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.KeyAgreement;
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

/**
 * curve25519-sha256 (RFC 8731) on the JDK's X25519 and SHA-256. SSHJ's own implementation takes
 * both from Bouncy Castle, which it registers as its provider for everything; the JDK's X25519 is
 * the one the appliance's TLS already runs (and compiles), and its SHA-256 uses the CPU's SHA
 * instructions where there are any. The exchange, the hash and the host key's signature check (with
 * SSHJ's signature for the negotiated host key algorithm, certificates included) are those of
 * SSHJ's {@code AbstractDHG}.
 */
final class JdkCurve25519 extends KeyExchangeBase {
  /** SubjectPublicKeyInfo of an X25519 key (OID 1.3.101.110) up to its 32 key bytes. */
  private static final byte[] X509_PREFIX = HexFormat.of().parseHex("302a300506032b656e032100");

  private static final int KEY_BYTES = 32;

  /** Its factory under one of the two names OpenSSH knows it by. */
  record Named(String name) implements Factory.Named<KeyExchange> {
    @Override
    public KeyExchange create() {
      return new JdkCurve25519();
    }

    @Override
    public String getName() {
      return name;
    }
  }

  private KeyAgreement agreement;
  private byte[] e;
  private BigInteger k;

  JdkCurve25519() {
    super(new Sha256());
  }

  @Override
  public void init(Transport trans, String vs, String vc, byte[] is, byte[] ic)
      throws GeneralSecurityException, TransportException {
    super.init(trans, vs, vc, is, ic);
    digest.init();
    KeyPair pair = KeyPairGenerator.getInstance("X25519", "SunEC").generateKeyPair();
    agreement = KeyAgreement.getInstance("X25519", "SunEC");
    agreement.init(pair.getPrivate());
    byte[] encoded = pair.getPublic().getEncoded();
    if (encoded.length != X509_PREFIX.length + KEY_BYTES) {
      throw new GeneralSecurityException(
          "X25519 public key encoded in " + encoded.length + " bytes");
    }
    e = Arrays.copyOfRange(encoded, X509_PREFIX.length, encoded.length);
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
    byte[] spki = Arrays.copyOf(X509_PREFIX, X509_PREFIX.length + KEY_BYTES);
    System.arraycopy(f, 0, spki, X509_PREFIX.length, KEY_BYTES);
    agreement.doPhase(
        KeyFactory.getInstance("X25519", "SunEC").generatePublic(new X509EncodedKeySpec(spki)),
        true);
    // RFC 8731: the 32 bytes of X25519's output read as an unsigned big-endian number
    k = new BigInteger(1, agreement.generateSecret());
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
