package io.perfmetrics.tls;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.jspecify.annotations.Nullable;

/** PEM files in and out: certificates, PKCS#8 and traditional EC/RSA keys. */
final class Pem {
  private Pem() {}

  /** Every certificate in a PEM text, in order; an error names the file if there is none. */
  static List<X509Certificate> certificates(String pem, String where) throws IOException {
    List<X509Certificate> out = new ArrayList<>();
    var converter = new JcaX509CertificateConverter();
    try (var parser = new PEMParser(new StringReader(pem))) {
      for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
        if (o instanceof X509CertificateHolder h) {
          out.add(converter.getCertificate(h));
        }
      }
    } catch (CertificateException | RuntimeException e) {
      throw new IOException(where + ": not a PEM certificate file (" + e.getMessage() + ")", e);
    }
    if (out.isEmpty()) {
      throw new IOException(where + ": no certificate (-----BEGIN CERTIFICATE-----) in it");
    }
    return out;
  }

  /** The first private key in a PEM text (PKCS#8, or a traditional EC or RSA key). */
  static PrivateKey privateKey(String pem, String where) throws IOException {
    var converter = new JcaPEMKeyConverter();
    try (var parser = new PEMParser(new StringReader(pem))) {
      for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
        if (o instanceof PrivateKeyInfo info) {
          return jdkKey(converter.getPrivateKey(info), where);
        }
        if (o instanceof PEMKeyPair pair) {
          return jdkKey(converter.getKeyPair(pair).getPrivate(), where);
        }
        if (o.getClass().getSimpleName().contains("Encrypted")) {
          throw new IOException(
              where + ": the key is encrypted; give it unencrypted (mode 0600, readable by us)");
        }
      }
    } catch (RuntimeException e) {
      throw new IOException(where + ": not a PEM private key (" + e.getMessage() + ")", e);
    }
    throw new IOException(where + ": no private key (-----BEGIN PRIVATE KEY-----) in it");
  }

  /**
   * The key as the JDK's own providers make it (Bouncy Castle names an EC key "ECDSA"), so the TLS
   * key manager and signature checks see the usual "EC" or "RSA".
   */
  private static PrivateKey jdkKey(PrivateKey key, String where) throws IOException {
    String algorithm =
        key.getAlgorithm().startsWith("EC")
            ? "EC"
            : key.getAlgorithm().equals("RSA") ? "RSA" : null;
    if (algorithm == null) {
      throw new IOException(
          where + ": the key is " + key.getAlgorithm() + "; only EC and RSA keys are supported");
    }
    try {
      return KeyFactory.getInstance(algorithm)
          .generatePrivate(new PKCS8EncodedKeySpec(key.getEncoded()));
    } catch (GeneralSecurityException e) {
      throw new IOException(
          where + ": unreadable " + algorithm + " key (" + e.getMessage() + ")", e);
    }
  }

  static String encode(X509Certificate cert) {
    try {
      return block("CERTIFICATE", cert.getEncoded());
    } catch (CertificateEncodingException e) {
      throw new IllegalStateException(e);
    }
  }

  static String encode(PrivateKey key) {
    return block("PRIVATE KEY", key.getEncoded());
  }

  private static String block(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }

  /** SHA-256 of the DER, as {@code openssl x509 -fingerprint -sha256} prints it. */
  static String fingerprint(X509Certificate cert) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(cert.getEncoded());
      return HexFormat.ofDelimiter(":").withUpperCase().formatHex(d);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Writes a file whole or not at all: a temporary file created with its final mode (a key is never
   * readable by others, not even for a moment), then renamed over the old one.
   */
  static void writeAtomically(Path file, String text, String mode) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    Files.createFile(
        tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(mode)));
    Files.writeString(tmp, text, StandardCharsets.US_ASCII);
    try {
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  static @Nullable String readIfExists(Path file) throws IOException {
    return Files.exists(file) ? Files.readString(file, StandardCharsets.US_ASCII) : null;
  }
}
