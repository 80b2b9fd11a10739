package io.perfmetrics.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.perfmetrics.App;
import io.perfmetrics.config.Config;
import io.perfmetrics.store.Database;
import io.perfmetrics.testing.ApplianceOnPostgres;
import io.perfmetrics.testing.ConsoleClient;
import io.perfmetrics.testing.MutableClock;
import io.perfmetrics.testing.TempDirs;
import io.perfmetrics.testing.TestAppliance;
import io.perfmetrics.testing.TestPostgres;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

/**
 * Issue 15: HTTPS by default on the appliance's port with its own CA; plain HTTP gets no data; old
 * protocols and weak suites are refused; an operator certificate replaced on disk is served to new
 * connections without a restart; the own CA's server certificate is renewed while running; off
 * means plain HTTP.
 */
class TlsIT extends ApplianceOnPostgres {
  @Test
  void httpsWithTheAppliancesOwnCaIsTheDefaultAndSendsHsts() throws Exception {
    assertThat(appliance.baseUrl()).startsWith("https://127.0.0.1:");
    HttpResponse<String> r =
        appliance.send(HttpRequest.newBuilder(appliance.uri("/healthz")).GET());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Strict-Transport-Security")).hasValue("max-age=31536000");
    // errors and the console's pages carry it too
    assertThat(
            appliance
                .send(HttpRequest.newBuilder(appliance.uri("/no-such-page")).GET())
                .headers()
                .firstValue("Strict-Transport-Security"))
        .hasValue("max-age=31536000");

    // the CA is in the data directory, served anonymously, and its fingerprint is openssl's
    Path caFile = appliance.dataDir().resolve("tls/ca.pem");
    String pem = Files.readString(caFile);
    assertThat(appliance.app.tls().trustFile()).isEqualTo(caFile);
    HttpResponse<String> ca =
        appliance.send(HttpRequest.newBuilder(appliance.uri("/ca.pem")).GET());
    assertThat(ca.statusCode()).isEqualTo(200);
    assertThat(ca.body()).isEqualTo(pem).isEqualTo(appliance.app.tls().trustPem());
    X509Certificate caCert = Pem.certificates(pem, "ca.pem").get(0);
    String expected =
        HexFormat.ofDelimiter(":")
            .withUpperCase()
            .formatHex(MessageDigest.getInstance("SHA-256").digest(caCert.getEncoded()));
    assertThat(appliance.app.tls().fingerprint()).isEqualTo(expected);
    assertThat(caCert.getBasicConstraints()).isZero();

    // the server certificate: signed by that CA, for localhost and 127.0.0.1, about 90 days
    X509Certificate leaf = served(appliance.sslContext(), appliance.app.port());
    leaf.verify(caCert.getPublicKey());
    assertThat(leaf.getSubjectAlternativeNames().stream().map(l -> String.valueOf(l.get(1))))
        .contains("localhost", "127.0.0.1");
    assertThat(Duration.between(Instant.now(), leaf.getNotAfter().toInstant()).toDays())
        .isBetween(88L, 90L);
  }

  @Test
  void aClientThatDoesNotTrustTheCaIsRefused() {
    // the JDK's own CAs do not include ours: the default client fails the handshake
    HttpClient stranger = HttpClient.newHttpClient();
    try {
      stranger.send(
          HttpRequest.newBuilder(appliance.uri("/healthz")).build(),
          HttpResponse.BodyHandlers.ofString());
      throw new AssertionError("a client without the CA got an answer");
    } catch (IOException e) {
      assertThat(e).isInstanceOf(javax.net.ssl.SSLHandshakeException.class);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  @Test
  void consoleCookiesAreSecureOverTls() {
    ConsoleClient console = new ConsoleClient(appliance);
    HttpResponse<String> login = console.login("admin", TestAppliance.ADMIN_PASSWORD);
    assertThat(login.statusCode()).isEqualTo(303);
    assertThat(login.headers().firstValue("Set-Cookie").orElseThrow())
        .contains("HttpOnly")
        .contains("; Secure");
  }

  @Test
  void plainHttpToTheTlsPortGetsNoData() throws Exception {
    for (String path : new String[] {"/healthz", "/api/v1/openapi.json", "/ca.pem", "/login"}) {
      byte[] answer =
          exchange(
              appliance.app.port(),
              ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      String text = new String(answer, StandardCharsets.ISO_8859_1);
      assertThat(text)
          .as("a plain request for %s", path)
          .doesNotContain("HTTP/1.1 200")
          .doesNotContain("\"status\"")
          .doesNotContain("openapi")
          .doesNotContain("BEGIN CERTIFICATE")
          .doesNotContain("<html");
      // nothing, a TLS alert, or a bare 400 from the TLS layer: never a route's answer
      assertThat(answer.length == 0 || answer[0] == 0x15 || text.startsWith("HTTP/1.1 400"))
          .as("answer to plain %s: %s", path, text)
          .isTrue();
    }
  }

  @Test
  void tls11AndWeakSuitesAreRefusedModernOnesAccepted() throws Exception {
    int port = appliance.app.port();
    // the control: the same hand-made hello with a modern suite gets a ServerHello
    byte[] good = exchange(port, clientHello(0x0303, 0xC02B, 0xC02F));
    assertThat(good.length).isGreaterThan(5);
    assertThat(good[0]).as("record type: handshake").isEqualTo((byte) 0x16);
    assertThat(good[5]).as("handshake type: ServerHello").isEqualTo((byte) 2);

    // TLS 1.1 (with the CBC suites it had): refused
    byte[] tls11 = exchange(port, clientHello(0x0302, 0xC009, 0xC013, 0x002F));
    assertThat(tls11.length == 0 || tls11[0] == 0x15).as("TLS 1.1 refused").isTrue();

    // TLS 1.2 with only static-RSA or CBC suites: refused
    byte[] weak = exchange(port, clientHello(0x0303, 0x002F, 0x009C, 0xC009, 0xC023, 0xC027));
    assertThat(weak.length == 0 || weak[0] == 0x15).as("weak suites refused").isTrue();
  }

  @Test
  void theCaFilesAreReadableByTheApplianceOnly() throws Exception {
    Path dir = appliance.dataDir().resolve("tls");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)))
        .isEqualTo("rwx------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("ca.key"))))
        .isEqualTo("rw-------");
    assertThat(
            PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("server.key"))))
        .isEqualTo("rw-------");
  }

  @Test
  void anOperatorCertificateReplacedOnDiskIsServedToNewConnectionsWithoutRestart()
      throws Exception {
    Path dir = Files.createTempDirectory("perfmetrics-operator-tls-");
    Path certFile = dir.resolve("server.crt");
    Path keyFile = dir.resolve("server.key");
    KeyPair ecKey = keyPair("EC");
    X509Certificate first = selfSigned(ecKey, "first.example");
    write(certFile, pem(first));
    write(keyFile, pem(ecKey.getPrivate()));
    try (TestAppliance operator =
        new TestAppliance(
            postgres.newDatabase(),
            c -> c.withTls(new Config.Tls(true, certFile, keyFile, null)))) {
      SSLContext trustBoth = TestAppliance.trusting(pem(first) + pem(SECOND));
      assertThat(served(trustBoth, operator.app.port())).isEqualTo(first);
      assertThat(operator.app.tls().trustPem()).isEqualTo(pem(first));
      assertThat(operator.send(HttpRequest.newBuilder(operator.uri("/healthz"))).statusCode())
          .isEqualTo(200);
      // the operator's own CA is never created
      assertThat(operator.dataDir().resolve("tls")).doesNotExist();

      // renewed by the operator's tooling: an RSA key in the traditional format, files renamed in
      // place, the key first (for a moment key and certificate do not match: the old one stays)
      write(keyFile, pem(SECOND_KEY.getPrivate()));
      Thread.sleep(2_500);
      assertThat(served(trustBoth, operator.app.port())).isEqualTo(first);
      write(certFile, pem(SECOND));

      long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
      X509Certificate now = served(trustBoth, operator.app.port());
      while (!now.equals(SECOND) && System.nanoTime() < deadline) {
        Thread.sleep(200);
        now = served(trustBoth, operator.app.port());
      }
      assertThat(now).as("a new connection after the files changed").isEqualTo(SECOND);
      assertThat(operator.app.tls().trustPem()).isEqualTo(pem(SECOND));
      // and the app never restarted: the same client still works, now trusting the new one
      assertThat(
              TestAppliance.client(pem(SECOND))
                  .send(
                      HttpRequest.newBuilder(operator.uri("/healthz")).build(),
                      HttpResponse.BodyHandlers.ofString())
                  .statusCode())
          .isEqualTo(200);
    } finally {
      TempDirs.delete(dir);
    }
  }

  @Test
  void theServerCertificateIsRenewedWhileRunningWhenFewerThan30DaysAreLeft() throws Exception {
    Path dataDir = Files.createTempDirectory("perfmetrics-renew-");
    // the appliance starts 80 days ago: its server certificate has 10 days left today
    MutableClock clock = new MutableClock(Instant.now().minus(Duration.ofDays(80)));
    Map<String, String> env = new HashMap<>();
    env.put(Config.PORT, String.valueOf(TestPostgres.freePort()));
    env.put(Config.DATA_DIR, dataDir.toString());
    String jdbc = postgres.newDatabase();
    env.put(Config.DB_URL, jdbc);
    env.put(Config.ADMIN_TOKEN, TestAppliance.ADMIN_TOKEN);
    env.put(Config.PUBLIC_URL, "https://127.0.0.1:" + env.get(Config.PORT));
    Config config = Config.load(env, Map.of());
    Database db = Database.connect(jdbc, null, null);
    db.migrate();
    App app = new App(config, db, clock, clock, Duration.ZERO).start("127.0.0.1");
    try {
      SSLContext trust = TestAppliance.trusting(app.tls().trustPem());
      X509Certificate old = served(trust, app.port());
      assertThat(Duration.between(Instant.now(), old.getNotAfter().toInstant()).toDays())
          .isBetween(8L, 10L);

      app.tls().check();
      assertThat(served(trust, app.port()))
          .as("not due yet (by the appliance's clock)")
          .isEqualTo(old);

      clock.advance(Duration.ofDays(80));
      app.tls().check();
      X509Certificate renewed = served(trust, app.port());
      assertThat(renewed).isNotEqualTo(old);
      assertThat(Duration.between(Instant.now(), renewed.getNotAfter().toInstant()).toDays())
          .isBetween(88L, 90L);
      // the same key, so a pin on it survives; the same CA, so collectors need nothing new
      assertThat(renewed.getPublicKey()).isEqualTo(old.getPublicKey());
      assertThat(app.tls().trustPem()).isEqualTo(Files.readString(dataDir.resolve("tls/ca.pem")));
      assertThat(
              Pem.certificates(Files.readString(dataDir.resolve("tls/server.pem")), "server.pem"))
          .containsExactly(renewed);
    } finally {
      app.close();
      db.close();
      TempDirs.delete(dataDir);
    }
  }

  @Test
  void offServesPlainHttpAndNoCertificate() throws Exception {
    try (TestAppliance plain =
        new TestAppliance(postgres.newDatabase(), c -> c.withTls(Config.Tls.off()))) {
      assertThat(plain.baseUrl()).startsWith("http://");
      HttpResponse<String> r = plain.send(HttpRequest.newBuilder(plain.uri("/healthz")).GET());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("Strict-Transport-Security")).isEmpty();
      assertThat(plain.send(HttpRequest.newBuilder(plain.uri("/ca.pem")).GET()).statusCode())
          .isEqualTo(404);
      assertThat(plain.app.tls().trustPem()).isEmpty();
      assertThat(plain.dataDir().resolve("tls")).doesNotExist();
      ConsoleClient console = new ConsoleClient(plain);
      assertThat(
              console
                  .login("admin", TestAppliance.ADMIN_PASSWORD)
                  .headers()
                  .firstValue("Set-Cookie")
                  .orElseThrow())
          .doesNotContain("Secure");
      // and https to it is no TLS server
      HttpClient tlsClient = TestAppliance.client(appliance.app.tls().trustPem());
      try {
        tlsClient.send(
            HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + plain.app.port() + "/healthz"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
        throw new AssertionError("https to a plain port answered");
      } catch (IOException expected) {
        // the handshake fails
      }
    }
  }

  // ---- helpers

  /** The certificate a new TLS connection is served (a fresh handshake each time). */
  static X509Certificate served(SSLContext trust, int port) throws IOException {
    try (SSLSocket s = (SSLSocket) trust.getSocketFactory().createSocket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      s.startHandshake();
      return (X509Certificate) s.getSession().getPeerCertificates()[0];
    }
  }

  /** Sends raw bytes, returns whatever comes back until the peer closes or 5 s of silence. */
  static byte[] exchange(int port, byte[] request) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port), 5_000);
      s.setSoTimeout(5_000);
      s.getOutputStream().write(request);
      s.getOutputStream().flush();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[4096];
      try {
        for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
          out.write(buf, 0, n);
          if (out.size() > 5 && buf[0] == 0x16) {
            break; // a ServerHello has come: enough
          }
        }
      } catch (SocketTimeoutException | java.net.SocketException e) {
        // silence or a reset: what came so far is the answer
      }
      return out.toByteArray();
    }
  }

  /** A TLS ClientHello of {@code version} offering exactly {@code suites}, as bytes on the wire. */
  static byte[] clientHello(int version, int... suites) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    u16(b, version);
    byte[] random = new byte[32];
    new java.security.SecureRandom().nextBytes(random);
    b.writeBytes(random);
    b.write(0); // no session id
    u16(b, 2 * (suites.length + 1));
    for (int s : suites) {
      u16(b, s);
    }
    u16(b, 0x00FF); // the renegotiation SCSV: secure renegotiation, as every client sends it
    b.write(1);
    b.write(0); // no compression
    ByteArrayOutputStream ext = new ByteArrayOutputStream();
    extension(ext, 0x000a, new int[] {0x00, 0x06, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x18});
    extension(ext, 0x000b, new int[] {0x01, 0x00});
    extension(
        ext,
        0x000d,
        new int[] {0x00, 0x0a, 0x04, 0x03, 0x08, 0x04, 0x04, 0x01, 0x05, 0x03, 0x08, 0x05});
    u16(b, ext.size());
    b.writeBytes(ext.toByteArray());
    byte[] body = b.toByteArray();
    ByteArrayOutputStream record = new ByteArrayOutputStream();
    record.write(0x16);
    u16(record, 0x0301);
    u16(record, body.length + 4);
    record.write(1); // ClientHello
    record.write(0);
    u16(record, body.length);
    record.writeBytes(body);
    return record.toByteArray();
  }

  static void extension(ByteArrayOutputStream out, int type, int[] data) {
    u16(out, type);
    u16(out, data.length);
    for (int d : data) {
      out.write(d);
    }
  }

  static void u16(ByteArrayOutputStream out, int v) {
    out.write((v >> 8) & 0xff);
    out.write(v & 0xff);
  }

  /** The operator's next certificate: RSA this time. */
  static final KeyPair SECOND_KEY = rsaKey();

  static final X509Certificate SECOND = secondCertificate();

  static KeyPair rsaKey() {
    try {
      return keyPair("RSA");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static X509Certificate secondCertificate() {
    try {
      return selfSigned(SECOND_KEY, "second.example");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static KeyPair keyPair(String algorithm) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance(algorithm);
    if (algorithm.equals("EC")) {
      g.initialize(new ECGenParameterSpec("secp256r1"));
    } else {
      g.initialize(2048);
    }
    return g.generateKeyPair();
  }

  static X509Certificate selfSigned(KeyPair pair, String cn) throws Exception {
    X500Name name = new X500Name("CN=" + cn);
    var b =
        new JcaX509v3CertificateBuilder(
            name,
            BigInteger.valueOf(System.nanoTime()),
            Date.from(Instant.now().minus(Duration.ofHours(1))),
            Date.from(Instant.now().plus(Duration.ofDays(30))),
            name,
            pair.getPublic());
    b.addExtension(
        Extension.subjectAlternativeName,
        false,
        new GeneralNames(
            new GeneralName[] {
              new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
              new GeneralName(GeneralName.dNSName, cn)
            }));
    String alg =
        pair.getPrivate().getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
    return new JcaX509CertificateConverter()
        .getCertificate(b.build(new JcaContentSignerBuilder(alg).build(pair.getPrivate())));
  }

  /** PEM as openssl writes it: PKCS#8 for EC here, the traditional RSA PRIVATE KEY for RSA. */
  static String pem(Object o) throws IOException {
    if (o instanceof java.security.PrivateKey k && k.getAlgorithm().equals("EC")) {
      return Pem.encode(k);
    }
    StringWriter w = new StringWriter();
    try (JcaPEMWriter p = new JcaPEMWriter(w)) {
      p.writeObject(o);
    }
    return w.toString();
  }

  /** Writes a file elsewhere and renames it into place, as deploy tools do. */
  static void write(Path file, String text) throws IOException {
    Path tmp = Files.createTempFile(file.getParent(), "new-", ".pem");
    Files.writeString(tmp, text);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
