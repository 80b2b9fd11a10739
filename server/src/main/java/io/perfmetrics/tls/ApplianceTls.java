package io.perfmetrics.tls;

import io.perfmetrics.config.Config;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTPS on the appliance's port, and the trust that collectors and clients are given. Three modes:
 * the appliance's own CA (default; {@link OwnCa}), the operator's PEM certificate and key (re-read
 * when the files change), or off (plain HTTP, for an appliance behind a TLS proxy). New connections
 * get a renewed or replaced certificate at once; open ones keep theirs.
 */
public final class ApplianceTls implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ApplianceTls.class);

  /** TLS 1.2 and 1.3 only. */
  public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

  /** Forward-secret key exchange and AEAD ciphers only (TLS 1.3's, and their 1.2 equivalents). */
  public static final List<String> CIPHER_SUITES =
      List.of(
          "TLS_AES_128_GCM_SHA256",
          "TLS_AES_256_GCM_SHA384",
          "TLS_CHACHA20_POLY1305_SHA256",
          "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
          "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
          "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
          "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
          "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
          "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

  /** HSTS: a year, without preload (an appliance's address is no public name to preload). */
  public static final Duration HSTS_MAX_AGE = Duration.ofDays(365);

  /** How often the own CA's server certificate is checked for renewal. */
  static final Duration RENEW_CHECK = Duration.ofDays(1);

  /** How often the operator's files are looked at for a change (two stat calls). */
  static final Duration WATCH_EVERY = Duration.ofSeconds(2);

  private final Config.Tls settings;
  private final Clock clock;
  private final Set<String> names;
  private final @Nullable OwnCa ownCa;
  private final SslContextFactory.@Nullable Server factory;
  private final @Nullable ScheduledExecutorService timer;
  private final String keyPassword;
  private volatile Material current;

  /** The operator files' identity when last read, to see a change without reading them. */
  private List<Object> seen = List.of();

  /** What is served: the chain (server certificate first) and its key, and what clients trust. */
  private record Material(
      List<X509Certificate> chain,
      @Nullable PrivateKey key,
      @Nullable X509Certificate trust,
      String trustPem,
      @Nullable Path trustFile) {}

  private ApplianceTls(Config.Tls settings, Set<String> names, Clock clock, Path dataDir) {
    this.settings = settings;
    this.clock = clock;
    this.names = names;
    byte[] pw = new byte[18];
    new SecureRandom().nextBytes(pw);
    // only for the in-memory key store Jetty reads; never written anywhere
    this.keyPassword = Base64.getEncoder().encodeToString(pw);
    if (!settings.enabled()) {
      ownCa = null;
      factory = null;
      timer = null;
      current = new Material(List.of(), null, null, "", null);
      return;
    }
    try {
      if (settings.cert() == null) {
        ownCa = OwnCa.loadOrCreate(dataDir, clock.instant());
        current = fromOwnCa(ownCa);
      } else {
        ownCa = null;
        seen = stamps();
        current = fromOperatorFiles();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("TLS: " + e.getMessage(), e);
    }
    factory = newFactory(keyStore(current));
    timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().name("tls-watch").daemon().unstarted(r));
    Duration every = ownCa != null ? RENEW_CHECK : WATCH_EVERY;
    // the task logs its own failures and shutdownNow() at close cancels it: no one waits on it
    var unused =
        timer.scheduleWithFixedDelay(
            this::checkLogged, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * TLS as configured: the own CA is loaded or created in the data directory, its server
   * certificate issued for the public URL's host and this machine's names and addresses.
   */
  public static ApplianceTls create(Config config, Clock clock) {
    if (!config.tls().enabled()) {
      log.warn(
          "TLS is off ({}=off): tokens, passwords and session cookies cross the network in clear"
              + " text unless a TLS proxy in front of the appliance terminates HTTPS",
          Config.TLS);
    }
    var tls =
        new ApplianceTls(config.tls(), serverNames(config.publicUrl()), clock, config.dataDir());
    if (tls.enabled()) {
      // serve prints this as its own line for the operator: at INFO it would say it twice
      log.debug(
          "TLS with {}; clients trust {} (also at {}), SHA-256 fingerprint {}",
          tls.source(),
          tls.trustFile(),
          TlsRoutes.CA_PEM,
          tls.fingerprint());
    }
    return tls;
  }

  public boolean enabled() {
    return settings.enabled();
  }

  /** {@code https}, or {@code http} when TLS is off. */
  public String scheme() {
    return settings.enabled() ? "https" : "http";
  }

  /**
   * The PEM of the one certificate collectors and clients must trust: the appliance's CA, or for an
   * operator certificate {@code PERFMETRICS_TLS_CA} or else the last certificate of the chain file.
   * Empty when TLS is off.
   */
  public String trustPem() {
    return current.trustPem();
  }

  /** SHA-256 of the trusted certificate, colon-separated hex; empty when TLS is off. */
  public String fingerprint() {
    X509Certificate t = current.trust();
    return t == null ? "" : Pem.fingerprint(t);
  }

  /** The file that holds the trusted certificate; null when TLS is off. */
  public @Nullable Path trustFile() {
    return current.trustFile();
  }

  /** The server certificate new connections get; null when TLS is off. */
  public @Nullable X509Certificate serverCertificate() {
    return current.chain().isEmpty() ? null : current.chain().get(0);
  }

  /** Where the certificate comes from, for the start log. */
  public String source() {
    if (!settings.enabled()) {
      return "off";
    }
    return ownCa != null
        ? "the appliance's own CA"
        : "the operator's certificate " + Objects.requireNonNull(settings.cert());
  }

  /**
   * The HTTPS connector for Jetty: TLS 1.2/1.3, AEAD suites, no renegotiation, HSTS on every
   * response. Only when TLS is on.
   */
  public ServerConnector connector(Server server, HttpConfiguration base) {
    SslContextFactory.Server f = Objects.requireNonNull(factory, "TLS is off");
    HttpConfiguration https = new HttpConfiguration(base);
    SecureRequestCustomizer secure = new SecureRequestCustomizer();
    secure.setStsMaxAge(HSTS_MAX_AGE.toSeconds());
    secure.setStsIncludeSubDomains(false);
    // clients verify the name; a Host the certificate does not list (an alias, a NAT address) is
    // then the client's decision, not a 400 from us
    secure.setSniHostCheck(false);
    https.addCustomizer(secure);
    return new ServerConnector(
        server, new SslConnectionFactory(f, "http/1.1"), new HttpConnectionFactory(https));
  }

  /**
   * Renews the own CA's server certificate when it is due (fewer than 30 days left, or names
   * missing), or reloads the operator's files when they changed. Runs daily (own CA) or every 2
   * seconds (operator) by itself; tests call it to not wait.
   */
  public synchronized void check() throws IOException {
    if (factory == null) {
      return;
    }
    Material next;
    if (ownCa != null) {
      OwnCa.Leaf leaf = ownCa.leaf(names, clock.instant());
      if (!leaf.issued()) {
        return;
      }
      next =
          new Material(
              List.of(leaf.certificate(), ownCa.certificate()),
              leaf.key(),
              ownCa.certificate(),
              ownCa.pem(),
              ownCa.pemFile());
      log.info(
          "TLS: renewed the server certificate, valid until {}",
          leaf.certificate().getNotAfter().toInstant());
    } else {
      List<Object> now = stamps();
      if (now.equals(seen)) {
        return;
      }
      seen = now;
      next = fromOperatorFiles();
      log.info(
          "TLS: re-read the operator's certificate {} (valid until {})",
          settings.cert(),
          next.chain().get(0).getNotAfter().toInstant());
    }
    KeyStore ks = keyStore(next);
    try {
      factory.reload(f -> f.setKeyStore(ks));
    } catch (Exception e) {
      throw new IOException(
          "cannot load the new certificate into the server: " + e.getMessage(), e);
    }
    current = next;
  }

  private void checkLogged() {
    try {
      check();
    } catch (IOException | RuntimeException e) {
      // the certificate served so far stays; the next check tries again
      log.warn("TLS: {}; the current certificate is kept", e.getMessage());
    }
  }

  private Material fromOwnCa(OwnCa ca) throws IOException {
    OwnCa.Leaf leaf = ca.leaf(names, clock.instant());
    if (leaf.issued()) {
      log.info(
          "TLS: issued the server certificate for {}, valid until {}",
          names,
          leaf.certificate().getNotAfter().toInstant());
    }
    return new Material(
        List.of(leaf.certificate(), ca.certificate()),
        leaf.key(),
        ca.certificate(),
        ca.pem(),
        ca.pemFile());
  }

  private Material fromOperatorFiles() throws IOException {
    Path certFile = Objects.requireNonNull(settings.cert());
    Path keyFile = Objects.requireNonNull(settings.key());
    List<X509Certificate> chain =
        Pem.certificates(
            Files.readString(certFile, StandardCharsets.US_ASCII), certFile.toString());
    PrivateKey key =
        Pem.privateKey(Files.readString(keyFile, StandardCharsets.US_ASCII), keyFile.toString());
    if (!matches(key, chain.get(0))) {
      // e.g. the certificate was replaced and the key not yet: the next change is read again
      throw new IOException(keyFile + " is not the key of the first certificate in " + certFile);
    }
    Instant notAfter = chain.get(0).getNotAfter().toInstant();
    if (notAfter.isBefore(clock.instant().plus(Duration.ofDays(14)))) {
      log.warn("TLS: the operator's certificate {} expires at {}", certFile, notAfter);
    }
    Path trustFile = settings.ca() != null ? settings.ca() : certFile;
    X509Certificate trust =
        settings.ca() != null
            ? Pem.certificates(
                    Files.readString(settings.ca(), StandardCharsets.US_ASCII),
                    settings.ca().toString())
                .get(0)
            : chain.get(chain.size() - 1);
    return new Material(chain, key, trust, Pem.encode(trust), trustFile);
  }

  /** True when {@code key} signs what the certificate's public key verifies. */
  private static boolean matches(PrivateKey key, X509Certificate cert) throws IOException {
    String algorithm =
        switch (key.getAlgorithm()) {
          case "EC" -> "SHA256withECDSA";
          case "RSA" -> "SHA256withRSA";
          default ->
              throw new IOException(
                  "the key is " + key.getAlgorithm() + "; only EC and RSA keys are supported");
        };
    try {
      byte[] probe = new byte[32];
      new SecureRandom().nextBytes(probe);
      Signature s = Signature.getInstance(algorithm);
      s.initSign(key);
      s.update(probe);
      byte[] sig = s.sign();
      Signature v = Signature.getInstance(algorithm);
      v.initVerify(cert.getPublicKey());
      v.update(probe);
      return v.verify(sig);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private List<Object> stamps() {
    List<Object> out = new ArrayList<>();
    for (Path p : new Path[] {settings.cert(), settings.key(), settings.ca()}) {
      if (p == null) {
        continue;
      }
      try {
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
        // a file renamed into place keeps its old time, but not its inode
        out.add(List.of(p.toString(), a.lastModifiedTime(), a.size(), String.valueOf(a.fileKey())));
      } catch (IOException e) {
        out.add(p + " unreadable");
      }
    }
    return out;
  }

  private KeyStore keyStore(Material m) throws UncheckedIOException {
    try {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      ks.setKeyEntry(
          "server",
          Objects.requireNonNull(m.key()),
          keyPassword.toCharArray(),
          m.chain().toArray(new X509Certificate[0]));
      return ks;
    } catch (GeneralSecurityException | IOException e) {
      throw new UncheckedIOException(new IOException("cannot build the key store: " + e, e));
    }
  }

  private SslContextFactory.Server newFactory(KeyStore ks) {
    SslContextFactory.Server f = new SslContextFactory.Server();
    f.setKeyStore(ks);
    f.setKeyManagerPassword(keyPassword);
    f.setIncludeProtocols(PROTOCOLS.toArray(new String[0]));
    f.setIncludeCipherSuites(CIPHER_SUITES.toArray(new String[0]));
    f.setRenegotiationAllowed(false);
    f.setSniRequired(false);
    return f;
  }

  /**
   * The names the own CA's server certificate lists: the public URL's host, this machine's name and
   * addresses, and localhost.
   */
  static Set<String> serverNames(URI publicUrl) {
    Set<String> names = new TreeSet<>();
    names.add("localhost");
    names.add("127.0.0.1");
    names.add("::1");
    String host = publicUrl.getHost();
    if (host != null && !host.isBlank()) {
      names.add(host.startsWith("[") ? host.substring(1, host.length() - 1) : host);
    }
    try {
      String own = InetAddress.getLocalHost().getHostName();
      if (!own.isBlank()) {
        names.add(own);
      }
    } catch (IOException e) {
      // no resolvable host name: the addresses still go in
    }
    try {
      for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (!nic.isUp()) {
          continue;
        }
        for (InetAddress a : Collections.list(nic.getInetAddresses())) {
          if (a.isLinkLocalAddress()) {
            continue;
          }
          String s = a.getHostAddress();
          int zone = s.indexOf('%');
          names.add(a instanceof Inet6Address && zone >= 0 ? s.substring(0, zone) : s);
        }
      }
    } catch (SocketException e) {
      // no interfaces to list: the public URL's host and localhost still go in
    }
    return names;
  }

  @Override
  public void close() {
    if (timer != null) {
      timer.shutdownNow();
    }
  }
}
