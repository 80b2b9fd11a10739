package io.perfmetrics.tls;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The appliance's own certificate authority, kept in {@code <data dir>/tls} (directory 0700, keys
 * 0600): an EC P-256 CA valid for 10 years, and the server certificate it issues for 90 days and
 * renews when fewer than 30 are left. The server key is kept across renewals, so a pin on it (curl
 * {@code --pinnedpubkey}, a browser's SPKI list) survives them; delete {@code server.key} to rotate
 * it.
 */
final class OwnCa {
  static final Duration CA_VALIDITY = Duration.ofDays(3650);
  static final Duration LEAF_VALIDITY = Duration.ofDays(90);
  static final Duration RENEW_BEFORE = Duration.ofDays(30);

  /** Certificates start an hour early: a client whose clock is a little behind still accepts. */
  private static final Duration BACKDATE = Duration.ofHours(1);

  static final String DIR = "tls";
  static final String CA_PEM = "ca.pem";
  static final String CA_KEY = "ca.key";
  static final String SERVER_PEM = "server.pem";
  static final String SERVER_KEY = "server.key";

  private static final SecureRandom RANDOM = new SecureRandom();

  private final Path dir;
  private final X509Certificate ca;
  private final PrivateKey caKey;
  private final String caPem;

  /** A server certificate and its key; {@code issued} when it was made just now. */
  record Leaf(X509Certificate certificate, PrivateKey key, boolean issued) {}

  private OwnCa(Path dir, X509Certificate ca, PrivateKey caKey, String caPem) {
    this.dir = dir;
    this.ca = ca;
    this.caKey = caKey;
    this.caPem = caPem;
  }

  /** Loads the CA from the data directory, or creates it there on the first start. */
  static OwnCa loadOrCreate(Path dataDir, Instant now) throws IOException {
    Path dir = dataDir.resolve(DIR);
    Files.createDirectories(dir);
    // whatever the umask or an older copy left, only the appliance's user may look inside
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    Path pemFile = dir.resolve(CA_PEM);
    Path keyFile = dir.resolve(CA_KEY);
    boolean hasPem = Files.exists(pemFile);
    boolean hasKey = Files.exists(keyFile);
    if (hasPem != hasKey) {
      throw new IOException(
          (hasPem ? pemFile : keyFile)
              + " exists without "
              + (hasPem ? keyFile : pemFile)
              + ": restore it, or delete both to make a new CA (then redeploy the collectors)");
    }
    if (!hasPem) {
      KeyPair pair = newKeyPair();
      X509Certificate cert = selfSigned(pair, now);
      Pem.writeAtomically(keyFile, Pem.encode(pair.getPrivate()), "rw-------");
      Pem.writeAtomically(pemFile, Pem.encode(cert), "rw-r--r--");
    }
    Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"));
    String pem = Files.readString(pemFile, java.nio.charset.StandardCharsets.US_ASCII);
    X509Certificate cert = Pem.certificates(pem, pemFile.toString()).get(0);
    PrivateKey key =
        Pem.privateKey(
            Files.readString(keyFile, java.nio.charset.StandardCharsets.US_ASCII),
            keyFile.toString());
    return new OwnCa(dir, cert, key, Pem.encode(cert));
  }

  X509Certificate certificate() {
    return ca;
  }

  String pem() {
    return caPem;
  }

  Path pemFile() {
    return dir.resolve(CA_PEM);
  }

  /**
   * The server certificate to serve now: the one on disk while it is signed by this CA, names every
   * one of {@code names} and has more than 30 days left; else a new one, written to disk.
   */
  Leaf leaf(Set<String> names, Instant now) throws IOException {
    Path pemFile = dir.resolve(SERVER_PEM);
    Path keyFile = dir.resolve(SERVER_KEY);
    String keyPem = Pem.readIfExists(keyFile);
    String certPem = Pem.readIfExists(pemFile);
    PrivateKey key = null;
    PublicKey publicKey = null;
    if (keyPem != null && certPem != null) {
      key = Pem.privateKey(keyPem, keyFile.toString());
      X509Certificate current = Pem.certificates(certPem, pemFile.toString()).get(0);
      publicKey = current.getPublicKey();
      if (stillGood(current, names, now)) {
        return new Leaf(current, key, false);
      }
    }
    if (key == null || publicKey == null) {
      KeyPair pair = newKeyPair();
      key = pair.getPrivate();
      publicKey = pair.getPublic();
      Pem.writeAtomically(keyFile, Pem.encode(key), "rw-------");
    }
    X509Certificate leaf = issue(publicKey, names, now);
    Pem.writeAtomically(pemFile, Pem.encode(leaf), "rw-r--r--");
    return new Leaf(leaf, key, true);
  }

  private boolean stillGood(X509Certificate leaf, Set<String> names, Instant now) {
    try {
      leaf.verify(ca.getPublicKey());
    } catch (GeneralSecurityException e) {
      return false;
    }
    if (leaf.getNotBefore().toInstant().isAfter(now)
        || leaf.getNotAfter().toInstant().isBefore(now.plus(RENEW_BEFORE))) {
      return false;
    }
    return alternativeNames(leaf).containsAll(normalized(names));
  }

  private X509Certificate issue(PublicKey publicKey, Set<String> names, Instant now)
      throws IOException {
    try {
      var utils = new JcaX509ExtensionUtils();
      List<String> sorted = names.stream().sorted().toList();
      String cn = sorted.stream().filter(n -> !isIpLiteral(n)).findFirst().orElse("perfmetrics");
      X500Name subject =
          new X500NameBuilder(BCStyle.INSTANCE)
              .addRDN(BCStyle.O, "perfmetrics")
              .addRDN(BCStyle.CN, cn)
              .build();
      var builder =
          new JcaX509v3CertificateBuilder(
              ca,
              serial(),
              Date.from(now.minus(BACKDATE)),
              Date.from(now.plus(LEAF_VALIDITY)),
              subject,
              publicKey);
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      builder.addExtension(
          Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
      builder.addExtension(
          Extension.subjectAlternativeName,
          false,
          new GeneralNames(sorted.stream().map(OwnCa::generalName).toArray(GeneralName[]::new)));
      builder.addExtension(
          Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(publicKey));
      builder.addExtension(
          Extension.authorityKeyIdentifier, false, utils.createAuthorityKeyIdentifier(ca));
      return sign(builder, caKey);
    } catch (GeneralSecurityException | CertIOException e) {
      throw new IOException("cannot issue the server certificate: " + e.getMessage(), e);
    }
  }

  private static X509Certificate selfSigned(KeyPair pair, Instant now) throws IOException {
    try {
      String host;
      try {
        host = InetAddress.getLocalHost().getHostName();
      } catch (UnknownHostException e) {
        host = "appliance";
      }
      // unique per installation, so a browser holding several appliances' CAs tells them apart
      X500Name name =
          new X500NameBuilder(BCStyle.INSTANCE)
              .addRDN(BCStyle.O, "perfmetrics")
              .addRDN(
                  BCStyle.CN,
                  "perfmetrics appliance CA "
                      + host
                      + " "
                      + LocalDate.ofInstant(now, ZoneOffset.UTC))
              .build();
      var utils = new JcaX509ExtensionUtils();
      var builder =
          new JcaX509v3CertificateBuilder(
              name,
              serial(),
              Date.from(now.minus(BACKDATE)),
              Date.from(now.plus(CA_VALIDITY)),
              name,
              pair.getPublic());
      // pathLen 0: it signs server certificates only, never another CA
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
      builder.addExtension(
          Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      builder.addExtension(
          Extension.subjectKeyIdentifier,
          false,
          utils.createSubjectKeyIdentifier(pair.getPublic()));
      return sign(builder, pair.getPrivate());
    } catch (GeneralSecurityException | CertIOException e) {
      throw new IOException("cannot create the appliance's CA: " + e.getMessage(), e);
    }
  }

  private static X509Certificate sign(JcaX509v3CertificateBuilder builder, PrivateKey key)
      throws GeneralSecurityException {
    try {
      var signer = new JcaContentSignerBuilder("SHA256withECDSA").build(key);
      return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException(e.getMessage(), e);
    }
  }

  private static KeyPair newKeyPair() throws IOException {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IOException("no EC P-256 key generator: " + e.getMessage(), e);
    }
  }

  private static BigInteger serial() {
    return new BigInteger(127, RANDOM).add(BigInteger.ONE);
  }

  static boolean isIpLiteral(String name) {
    return name.contains(":") || name.matches("[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+");
  }

  private static GeneralName generalName(String name) {
    return new GeneralName(isIpLiteral(name) ? GeneralName.iPAddress : GeneralName.dNSName, name);
  }

  /** Names as the certificate holds them: DNS names lower case, addresses in one spelling. */
  private static Set<String> normalized(Collection<String> names) {
    Set<String> out = new HashSet<>();
    for (String n : names) {
      out.add(normalize(n));
    }
    return out;
  }

  private static String normalize(String name) {
    if (isIpLiteral(name)) {
      try {
        return InetAddress.getByName(name).getHostAddress();
      } catch (UnknownHostException e) {
        return name;
      }
    }
    return name.toLowerCase(Locale.ROOT);
  }

  private static Set<String> alternativeNames(X509Certificate cert) {
    Set<String> out = new HashSet<>();
    try {
      var sans = cert.getSubjectAlternativeNames();
      if (sans != null) {
        for (List<?> san : sans) {
          if (san.size() == 2 && san.get(1) instanceof String s) {
            out.add(normalize(s));
          }
        }
      }
    } catch (CertificateParsingException e) {
      // a certificate whose names cannot be read names nothing: it is replaced
    }
    return out;
  }
}
