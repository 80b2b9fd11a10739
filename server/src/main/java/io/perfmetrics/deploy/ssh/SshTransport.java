package io.perfmetrics.deploy.ssh;

import static io.perfmetrics.deploy.ShellQuoting.quote;

import io.perfmetrics.config.Config;
import io.perfmetrics.deploy.Causes;
import io.perfmetrics.deploy.HostAttempt;
import io.perfmetrics.deploy.HostKeyPins;
import io.perfmetrics.deploy.Persistently;
import io.perfmetrics.deploy.RemoteStatus;
import io.perfmetrics.deploy.Transport;
import io.perfmetrics.deploy.TransportException;
import io.perfmetrics.deploy.TransportException.Kind;
import io.perfmetrics.deploy.UnresolvedName;
import io.perfmetrics.targets.Credential;
import io.perfmetrics.targets.CredentialSecrets;
import io.perfmetrics.targets.Target;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.common.Buffer;
import net.schmizz.sshj.common.Factory;
import net.schmizz.sshj.common.KeyType;
import net.schmizz.sshj.connection.channel.direct.Session.Command;
import net.schmizz.sshj.transport.verification.HostKeyVerifier;
import net.schmizz.sshj.userauth.UserAuthException;
import net.schmizz.sshj.userauth.keyprovider.KeyProvider;
import net.schmizz.sshj.userauth.password.PasswordUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reaches Unix targets over SSH (SSHJ): host keys pinned on first use, password or key login (a key
 * in one signed request), the collector on one exec channel's stdin (as gzip where the host has
 * it), and every remote command built from single-quoted words only.
 */
public final class SshTransport implements Transport {
  private static final Logger log = LoggerFactory.getLogger(SshTransport.class);
  static final String SCRIPT = "collector.sh";

  /** The deploy program's line, right after the state, for a host that has gzip. */
  static final String GZIP = "#gzip";

  /**
   * One remote program per deploy: status, then (after the appliance's answer on stdin) stop,
   * install from stdin, start detached and wait on the target until the collector closes fd 3 (its
   * pidfile written), then look once. Run as {@code sh -c <program> sh <tools dir>}: every word
   * single-quoted, the only value ($1) never parsed as syntax. It answers lines: the state, {@code
   * #gzip} where the host has gzip, the state file, {@code #end}; then {@code result=started
   * pid=N}, or {@code result=not_started} and the log's last lines. The appliance answers {@code
   * go} and the script, {@code go gzip} and the script as gzip, or {@code skip}. The folder is
   * checked ({@link ToolsFolder}) before the status is read; a missing one is created and checked
   * right before the writes; everything in it is reached by relative names from inside the checked
   * folder. A folder that fails a check is answered with one {@code unsafe=} line.
   */
  static final String DEPLOY_PROGRAM =
      String.join(
          "\n",
          "d=$1; s=collector.sh; p=",
          ToolsFolder.FUNCTIONS,
          // builtins only (read, kill, case): every fork costs the host a few ms, and this runs in
          // the confirmation loop; read drops the NULs of /proc/PID/cmdline, so the words run on
          "alive() { p=; read -r p 2>/dev/null <collector.pid; [ -n \"$p\" ] && kill -0 \"$p\" 2>/dev/null"
              + " && { [ ! -d /proc/self ] || { c=; IFS= read -r c 2>/dev/null <\"/proc/$p/cmdline\";"
              + " case $c in *\"$s\"*) ;; *) false ;; esac; }; }; }",
          "pm_enter \"$d\" look; r=$?",
          "[ $r = 1 ] && exit 4",
          "if [ $r = 2 ]; then st=absent; elif alive; then st=running; elif [ -f \"$s\" ]; then st=stopped; else st=absent; fi",
          // command is a builtin: asking costs no fork
          "echo \"$st\"; command -v gzip >/dev/null 2>&1 && echo '#gzip'",
          "[ $r = 0 ] && cat collector.state 2>/dev/null; echo '#end'",
          "IFS= read -r go || exit 0",
          "case $go in go) z= ;; 'go gzip') z=yes ;; *) exit 0 ;; esac",
          // the script from stdin, as it came or unpacked: one program either way
          "unpack() { if [ -n \"$z\" ]; then gzip -dc; else cat; fi; }",
          "if [ \"$st\" = running ]; then kill \"$p\"; i=0;"
              + " while [ $i -lt 50 ] && kill -0 \"$p\" 2>/dev/null; do sleep 0.1; i=$((i+1)); done;"
              + " kill -9 \"$p\" 2>/dev/null; fi",
          "umask 077",
          // A folder the status found missing is created and checked now, right before the writes,
          // by a walk that goes on from the last directory the status verified. One it entered
          // needs no second walk: the shell is still inside that directory (a renamed path does
          // not move it), and the walk made sure that only the deploy user or root can rename it or
          // change its mode (its parent is theirs, or root's and sticky).
          "if [ $r != 0 ]; then pm_enter \"$d\" create || exit 4; fi",
          // A folder this program made has no collector reading the script: written in place. Any
          // other gets it whole or not at all (a running dash reads its script as it goes). The
          // umask makes it 600 (it runs as "sh ./collector.sh"); the folder is made private unless
          // the check saw it so.
          "if [ \"$pm_made\" = yes ]; then unpack > \"$s\" || { rm -f \"$s\"; exit 3; }",
          "else unpack > \"$s.new\" && mv -f \"$s.new\" \"$s\""
              + " && { [ ! -e collector.pid ] || rm -f collector.pid; } || { rm -f \"$s.new\"; exit 3; }; fi",
          "case $pm_mode in drwx------ | drwx------.) ;; *) chmod 700 . || exit 3 ;; esac",
          // nohup's part without its fork: HUP ignored, which the collector inherits (and, ignored
          // at its start, cannot trap)
          "trap '' HUP",
          // The collector closes fd 3 once its pidfile is written (or exits before): the command
          // substitution reads to the end of that pipe, so this waits on the host without polling
          // and the check after it is the answer.
          "ss=; command -v setsid >/dev/null 2>&1 && ss=setsid",
          "w=$($ss sh \"./$s\" 3>&1 </dev/null >/dev/null 2>&1 &)",
          "if alive; then echo \"result=started pid=$p\"; exit 0; fi",
          "echo result=not_started; tail -n 5 collector.log 2>/dev/null; exit 0",
          "");

  /**
   * Stops the collector of a checked tools folder ({@code $d}, the shell inside it after {@code
   * pm_enter}): the pid from its pidfile, only when that process runs collector.sh.
   */
  private static final String STOP_HERE =
      """
      p=$(cat collector.pid 2>/dev/null)
      if [ -n "$p" ] && kill -0 "$p" 2>/dev/null && { [ ! -d /proc/self ] || grep -q collector.sh "/proc/$p/cmdline" 2>/dev/null; }; then \
       kill "$p"; i=0; while [ $i -lt 50 ] && kill -0 "$p" 2>/dev/null; do sleep 0.1; i=$((i+1)); done; \
       kill -9 "$p" 2>/dev/null; rm -f collector.pid; fi
      """;

  /**
   * The command line for a remote program, run by {@code sh} whatever the login shell (which reads
   * the line); {@code exec} spares the host a fork of that shell.
   */
  static String shell(String program, String... args) {
    StringBuilder line = new StringBuilder("exec sh -c ").append(quote(program)).append(" sh");
    for (String a : args) {
      line.append(' ').append(quote(a));
    }
    return line.toString();
  }

  /** A remote program that starts with the folder functions and takes the tools dir as $1. */
  static String inFolder(String toolsDir, String program) {
    return shell("d=$1\n" + ToolsFolder.FUNCTIONS + program, toolsDir);
  }

  /**
   * The command line that runs {@link #DEPLOY_PROGRAM} for a tools folder (also what the
   * benchmark's OpenSSH fan-out sends).
   */
  public static String deployCommand(String toolsDir) {
    return shell(DEPLOY_PROGRAM, toolsDir);
  }

  private final HostKeyPins pins;
  private final Config.Collectors settings;

  /**
   * {@link #deployCommand} for this appliance's tools folder: 8 KB to quote, once, not per host.
   */
  private final String deployCommand;

  /**
   * Building SSHJ's algorithm lists costs more CPU than a loopback handshake: once per appliance.
   */
  private final net.schmizz.sshj.Config sshConfig = sshConfig();

  /**
   * SSHJ's defaults with AES-GCM on the JDK's provider offered first. SSHJ otherwise asks Bouncy
   * Castle (registered as its provider) for every cipher, and its first choice, chacha20-poly1305,
   * runs in Bouncy Castle's Java code; the JDK's AES-GCM ({@link JdkAesGcm}) uses the CPU's AES and
   * carry-less multiply instructions, so the collector script (about 84 KB per host) costs a
   * fraction of the CPU. Every other algorithm stays offered after it for servers without AES-GCM.
   * Likewise the key exchange OpenSSH picks first, curve25519-sha256, offered first on Bouncy
   * Castle's X25519 called directly ({@link Curve25519Exchange}).
   */
  static net.schmizz.sshj.Config sshConfig() {
    net.schmizz.sshj.DefaultConfig config = new net.schmizz.sshj.DefaultConfig();
    config.setCipherFactories(
        firstThen(
            List.of(
                new JdkAesGcm.Named("aes128-gcm@openssh.com", 16),
                new JdkAesGcm.Named("aes256-gcm@openssh.com", 32)),
            config.getCipherFactories()));
    // the key exchange OpenSSH picks first (of those SSHJ offers) on Bouncy Castle's X25519 called
    // directly, in place of SSHJ's own through the JCA
    config.setKeyExchangeFactories(
        firstThen(
            List.of(
                new Curve25519Exchange.Named("curve25519-sha256"),
                new Curve25519Exchange.Named("curve25519-sha256@libssh.org")),
            config.getKeyExchangeFactories()));
    return config;
  }

  /** {@code ours} in their order, then every one of SSHJ's defaults under another name. */
  private static <T> List<Factory.Named<T>> firstThen(
      List<? extends Factory.Named<T>> ours, List<Factory.Named<T>> defaults) {
    List<Factory.Named<T>> all = new java.util.ArrayList<>(ours);
    for (Factory.Named<T> f : defaults) {
      if (ours.stream().noneMatch(o -> o.getName().equals(f.getName()))) {
        all.add(f);
      }
    }
    return all;
  }

  /**
   * Parsed private keys by a digest of the key text and passphrase, so a fleet deploy parses each
   * once.
   */
  private final Map<String, KeyProvider> keys = new java.util.concurrent.ConcurrentHashMap<>();

  public SshTransport(HostKeyPins pins, Config.Collectors settings) {
    this.pins = pins;
    this.settings = settings;
    this.deployCommand = deployCommand(settings.unixToolsDir());
  }

  @Override
  public Transport.Session connect(
      Target target, CredentialSecrets credentials, Duration timeout, HostAttempt attempt)
      throws TransportException {
    String host = target.address();
    int port = target.effectivePort();
    PinningVerifier verifier = new PinningVerifier(host, port, attempt);
    SSHClient ssh = new SSHClient(sshConfig);
    ssh.addHostKeyVerifier(verifier);
    ssh.setConnectTimeout((int) timeout.toMillis());
    ssh.setTimeout((int) timeout.toMillis());
    // each of SSHJ's waits has its own timeout, so a slow host could take several: the job closes
    // the client when the host's whole limit has passed, which ends whichever wait it is in
    attempt.closeWhenAbandoned(() -> cutOff(ssh));
    try {
      attempt.step("the TCP connection and SSH handshake");
      ssh.connect(host, port);
    } catch (IOException e) {
      close(ssh);
      if (verifier.changed != null) {
        throw new TransportException(
            Kind.HOST_KEY_CHANGED,
            "host key of "
                + host
                + ":"
                + port
                + " changed to "
                + verifier.changed
                + "; refusing to deploy until an admin accepts the new key",
            e);
      }
      throw connectFailure(host, port, timeout, e);
    }
    Credential cr = credentials.credential();
    try {
      attempt.ensureLive(host + ":" + port);
      attempt.step("the login as " + cr.username());
      if (Credential.SSH_KEY.equals(cr.kind())) {
        ssh.auth(cr.username(), new SignedPublickey(key(ssh, credentials)));
      } else {
        ssh.authPassword(cr.username(), credentials.secret());
      }
    } catch (TransportException e) {
      close(ssh);
      throw e;
    } catch (UserAuthException e) {
      close(ssh);
      throw new TransportException(
          Kind.AUTH_FAILED,
          "authentication failed for "
              + cr.username()
              + "@"
              + host
              + ":"
              + port
              + " with credential '"
              + cr.name()
              + "'",
          e);
    } catch (IOException e) {
      close(ssh);
      throw new TransportException(
          Kind.AUTH_FAILED,
          "could not log in as " + cr.username() + "@" + host + ":" + port + ": " + e.getMessage(),
          e);
    }
    return new SshSession(
        ssh, host + ":" + port, settings.unixToolsDir(), deployCommand, timeout, attempt);
  }

  @Override
  public List<io.perfmetrics.deploy.Check> preflight(
      Target target,
      CredentialSecrets credentials,
      Duration timeout,
      PreflightContext context,
      HostAttempt attempt) {
    String host = target.address();
    int port = target.effectivePort();
    String where = host + ":" + port;
    Credential cr = credentials.credential();
    List<io.perfmetrics.deploy.Check> out = new java.util.ArrayList<>();
    List<String> later =
        List.of(
            "login",
            "shell",
            "http_client",
            "tools_folder",
            "proc",
            "clock",
            "collector",
            "appliance_reach");
    // a preflight pins nothing: it only says what a deploy would find
    String[] seen = new String[2];
    HostKeyPins.Seen[] verdict = new HostKeyPins.Seen[1];
    SSHClient ssh = new SSHClient(sshConfig);
    ssh.addHostKeyVerifier(
        new HostKeyVerifier() {
          @Override
          public boolean verify(String hostname, int p, PublicKey key) {
            attempt.step("the host key check");
            seen[0] = fingerprint(key);
            verdict[0] =
                Persistently.within(
                    settings.hostTimeout(), () -> pins.inspect(host, port, seen[0]));
            attempt.step("the SSH handshake");
            return verdict[0].verdict() != HostKeyPins.Verdict.CHANGED;
          }

          @Override
          public List<String> findExistingAlgorithms(String hostname, int p) {
            return List.of();
          }
        });
    ssh.setConnectTimeout((int) timeout.toMillis());
    ssh.setTimeout((int) timeout.toMillis());
    attempt.closeWhenAbandoned(() -> cutOff(ssh));
    try {
      try {
        attempt.step("the TCP connection and SSH handshake");
        ssh.connect(host, port);
      } catch (IOException e) {
        if (verdict[0] != null && verdict[0].verdict() == HostKeyPins.Verdict.CHANGED) {
          out.add(
              io.perfmetrics.deploy.Check.fail(
                  "host_key",
                  "the host key changed from " + verdict[0].pinned() + " to " + seen[0],
                  "If "
                      + host
                      + " was reinstalled, accept its new key (POST /api/v1/targets/"
                      + context.targetId()
                      + "/host-key/accept, or Accept key in the console); otherwise find out what answers at "
                      + where
                      + " before deploying: this is what a man in the middle looks like."));
          later.forEach(
              n ->
                  out.add(
                      io.perfmetrics.deploy.Check.skip(
                          n, "not tried: the host key is not trusted")));
          return out;
        }
        TransportException t = connectFailure(host, port, timeout, e);
        out.add(
            io.perfmetrics.deploy.Check.fail("connect", t.getMessage(), connectFix(host, port, e)));
        Stream.concat(Stream.of("host_key"), later.stream())
            .forEach(
                n -> out.add(io.perfmetrics.deploy.Check.skip(n, "not tried: no SSH connection")));
        return out;
      }
      out.add(io.perfmetrics.deploy.Check.pass("connect", "SSH server at " + where));
      out.add(
          io.perfmetrics.deploy.Check.pass(
              "host_key",
              verdict[0].verdict() == HostKeyPins.Verdict.MATCHES
                  ? "matches the pinned key " + seen[0]
                  : "new: " + seen[0] + " (the first deploy pins it)"));
      try {
        attempt.step("the login as " + cr.username());
        if (Credential.SSH_KEY.equals(cr.kind())) {
          ssh.auth(cr.username(), new SignedPublickey(key(ssh, credentials)));
        } else {
          ssh.authPassword(cr.username(), credentials.secret());
        }
      } catch (IOException e) {
        out.add(
            io.perfmetrics.deploy.Check.fail(
                "login",
                "the host refused "
                    + cr.username()
                    + " with credential '"
                    + cr.name()
                    + "' ("
                    + (Credential.SSH_KEY.equals(cr.kind()) ? "key" : "password")
                    + ")",
                "Check the user name and "
                    + (Credential.SSH_KEY.equals(cr.kind())
                        ? "key (is its public half in ~/.ssh/authorized_keys?)"
                        : "password")
                    + " of credential '"
                    + cr.name()
                    + "', and that sshd lets "
                    + cr.username()
                    + " log in this way (AllowUsers, PasswordAuthentication, PubkeyAuthentication; account not locked)."));
        later.stream()
            .skip(1)
            .forEach(n -> out.add(io.perfmetrics.deploy.Check.skip(n, "not tried: not logged in")));
        return out;
      }
      out.add(io.perfmetrics.deploy.Check.pass("login", "logged in as " + cr.username()));
      java.time.Instant sent = context.clock().instant();
      String answer;
      attempt.step("the read-only checks on the host");
      try (net.schmizz.sshj.connection.channel.direct.Session s = ssh.startSession()) {
        Command cmd =
            s.exec(
                SshPreflight.command(settings.unixToolsDir(), context.applianceUrl().toString()));
        // the CA goes in on stdin: the probe writes nothing on the host
        cmd.getOutputStream().write(context.caPem().getBytes(StandardCharsets.US_ASCII));
        cmd.getOutputStream().close();
        answer = new String(cmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        cmd.join(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (IOException e) {
        answer = "";
      }
      java.time.Instant received = context.clock().instant();
      Map<String, String> a = SshPreflight.parse(answer);
      if (!"ok".equals(a.get("shell"))) {
        out.add(
            io.perfmetrics.deploy.Check.fail(
                "shell",
                "the host ran no /bin/sh command for " + cr.username(),
                "Give "
                    + cr.username()
                    + " a working POSIX shell (/bin/sh) and allow it to run commands over SSH"
                    + " (no ForceCommand, no restricted shell): the collector is a sh script."));
        later.stream()
            .skip(2)
            .forEach(n -> out.add(io.perfmetrics.deploy.Check.skip(n, "not tried: no shell")));
        return out;
      }
      out.addAll(
          SshPreflight.checks(a, cr.username(), settings.unixToolsDir(), context, sent, received));
      return out;
    } finally {
      close(ssh);
    }
  }

  private KeyProvider key(SSHClient ssh, CredentialSecrets credentials) throws IOException {
    String id =
        digest(
            credentials.secret()
                + "\0"
                + (credentials.passphrase() == null ? "" : credentials.passphrase()));
    KeyProvider cached = keys.get(id);
    if (cached != null) {
      return cached;
    }
    KeyProvider parsed =
        ssh.loadKeys(
            credentials.secret(),
            null,
            credentials.passphrase() == null
                ? null
                : PasswordUtils.createOneOff(credentials.passphrase().toCharArray()));
    // decrypt once here: the file-backed provider would do it again for every host
    KeyProvider ready =
        new net.schmizz.sshj.userauth.keyprovider.KeyPairWrapper(
            new java.security.KeyPair(parsed.getPublic(), parsed.getPrivate()));
    if (keys.size() > 1000) {
      keys.clear();
    }
    keys.put(id, ready);
    return ready;
  }

  private static String digest(String text) {
    try {
      return Base64.getEncoder()
          .encodeToString(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** How to fix a connection that failed with {@code e}: the name, or sshd and the network. */
  static String connectFix(String host, int port, IOException e) {
    if (UnresolvedName.isCause(e)) {
      return UnresolvedName.fix(host);
    }
    return "Make sure sshd runs on "
        + host
        + ":"
        + port
        + " and no firewall between the appliance and the host drops TCP "
        + port
        + " (or set the target's port to where sshd listens).";
  }

  static TransportException connectFailure(String host, int port, Duration timeout, IOException e) {
    if (UnresolvedName.isCause(e)) {
      return new TransportException(Kind.UNREACHABLE, UnresolvedName.problem(host), e);
    }
    Throwable root = Causes.root(e);
    if (e instanceof SocketTimeoutException
        || root instanceof SocketTimeoutException
        || String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("timeout")) {
      return new TransportException(
          Kind.TIMEOUT,
          host
              + ":"
              + port
              + " did not complete an SSH handshake within "
              + timeout.toSeconds()
              + " s",
          e);
    }
    if (e instanceof ConnectException
        || e instanceof NoRouteToHostException
        || e instanceof UnknownHostException) {
      return new TransportException(
          Kind.UNREACHABLE, host + ":" + port + " is unreachable: " + e.getMessage(), e);
    }
    return new TransportException(
        Kind.UNREACHABLE, "SSH to " + host + ":" + port + " failed: " + e.getMessage(), e);
  }

  /**
   * Closes an abandoned host's connection from another thread: the socket first, so that a write
   * blocked on a host that reads nothing (holding SSHJ's transport lock, which its own close needs)
   * ends at once; then the client, which wakes every wait on the connection with an error.
   */
  private static void cutOff(SSHClient ssh) throws IOException {
    java.net.Socket socket = ssh.getSocket();
    if (socket != null) {
      socket.close();
    }
    ssh.close();
  }

  private static void close(SSHClient ssh) {
    try {
      ssh.close();
    } catch (IOException e) {
      // nothing left to do with a connection that failed
    }
  }

  /** SHA256:base64 of the key blob, the way ssh-keygen -l prints fingerprints. */
  static String fingerprint(PublicKey key) {
    byte[] blob = new Buffer.PlainBuffer().putPublicKey(key).getCompactData();
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(blob);
      return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(d);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private final class PinningVerifier implements HostKeyVerifier {
    private final String host;
    private final int port;
    private final HostAttempt attempt;
    volatile String changed;

    PinningVerifier(String host, int port, HostAttempt attempt) {
      this.host = host;
      this.port = port;
      this.attempt = attempt;
    }

    @Override
    public boolean verify(String hostname, int p, PublicKey key) {
      attempt.step("the host key check");
      String fp = fingerprint(key);
      HostKeyPins.Verdict v =
          Persistently.within(
              settings.hostTimeout(),
              () -> pins.check(host, port, KeyType.fromKey(key).toString(), fp));
      attempt.step("the SSH handshake");
      if (v == HostKeyPins.Verdict.PINNED_NOW) {
        log.info("pinned SSH host key of {}:{} on first use: {}", host, port, fp);
      }
      if (v == HostKeyPins.Verdict.CHANGED) {
        changed = fp;
        return false;
      }
      return true;
    }

    @Override
    public List<String> findExistingAlgorithms(String hostname, int p) {
      return List.of();
    }
  }

  /** One logged-in connection. */
  static final class SshSession implements Transport.Session {
    private final SSHClient ssh;
    private final String where;
    private final String dir;
    private final String deployCommand;
    private final Duration timeout;
    private final HostAttempt attempt;

    SshSession(
        SSHClient ssh,
        String where,
        String dir,
        String deployCommand,
        Duration timeout,
        HostAttempt attempt) {
      this.ssh = ssh;
      this.where = where;
      this.dir = dir;
      this.deployCommand = deployCommand;
      this.timeout = timeout;
      this.attempt = attempt;
    }

    @Override
    public RemoteStatus status() throws TransportException {
      String out =
          run(
              inFolder(
                  dir,
                  "pm_enter \"$d\" look; r=$?\n"
                      + "[ $r = 1 ] && exit 4\n"
                      + "if [ $r = 2 ]; then echo absent; exit 0; fi\n"
                      + "p=$(cat collector.pid 2>/dev/null)\n"
                      + "if [ -n \"$p\" ] && kill -0 \"$p\" 2>/dev/null"
                      + " && { [ ! -d /proc/self ] || grep -q "
                      + SCRIPT
                      + " \"/proc/$p/cmdline\" 2>/dev/null; };"
                      + " then echo running; elif [ -f "
                      + SCRIPT
                      + " ]; then echo stopped; else echo absent; fi\n"
                      + "cat collector.state 2>/dev/null; true\n"));
      String[] lines = out.split("\n", -1);
      Map<String, String> facts = new LinkedHashMap<>();
      for (int i = 1; i < lines.length; i++) {
        int eq = lines[i].indexOf('=');
        if (eq > 0) {
          facts.put(lines[i].substring(0, eq).trim(), lines[i].substring(eq + 1).trim());
        }
      }
      String state = lines.length == 0 ? "" : lines[0].trim();
      if (!List.of(RemoteStatus.RUNNING, RemoteStatus.STOPPED, RemoteStatus.ABSENT)
          .contains(state)) {
        throw new TransportException(
            Kind.REMOTE_ERROR, where + ": unexpected status answer '" + state + "'", null);
      }
      return new RemoteStatus(state, facts);
    }

    @Override
    public Transport.Installed statusThenInstall(
        java.util.function.Function<RemoteStatus, io.perfmetrics.deploy.RenderedScript> plan)
        throws TransportException {
      attempt.step("opening the exec channel");
      try (net.schmizz.sshj.connection.channel.direct.Session s = ssh.startSession()) {
        Command cmd = s.exec(deployCommand);
        java.io.BufferedReader out =
            new java.io.BufferedReader(
                new java.io.InputStreamReader(cmd.getInputStream(), StandardCharsets.UTF_8));
        attempt.step("waiting for the collector's status");
        String state = out.readLine();
        if (state != null && state.startsWith(ToolsFolder.UNSAFE)) {
          throw ToolsFolder.refusal(where, state);
        }
        Map<String, String> facts = new LinkedHashMap<>();
        String line2 = out.readLine();
        // only right after the state: a state file cannot claim it
        boolean gzip = GZIP.equals(line2);
        for (String line = gzip ? out.readLine() : line2;
            line != null && !line.equals("#end");
            line = out.readLine()) {
          int eq = line.indexOf('=');
          if (eq > 0) {
            facts.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
          }
        }
        if (state == null
            || !List.of(RemoteStatus.RUNNING, RemoteStatus.STOPPED, RemoteStatus.ABSENT)
                .contains(state.trim())) {
          String err =
              new String(cmd.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).trim();
          throw new TransportException(
              Kind.REMOTE_ERROR,
              where
                  + ": unexpected status answer '"
                  + state
                  + "'"
                  + (err.isEmpty() ? "" : ": " + err),
              null);
        }
        RemoteStatus before = new RemoteStatus(state.trim(), facts);
        io.perfmetrics.deploy.RenderedScript script = plan.apply(before);
        // nothing changes on a host once it was reported as timed out
        attempt.ensureLive(where);
        attempt.step(script == null ? "leaving the running collector" : "sending the collector");
        try (OutputStream in = cmd.getOutputStream()) {
          if (script == null) {
            in.write("skip\n".getBytes(StandardCharsets.US_ASCII));
          } else if (gzip) {
            // about a third of the bytes to encrypt and carry, and gzip costs the host no more
            // than the cat it replaces
            in.write("go gzip\n".getBytes(StandardCharsets.US_ASCII));
            script.writeGzip(in);
          } else {
            in.write("go\n".getBytes(StandardCharsets.US_ASCII));
            in.write(script.text().getBytes(StandardCharsets.UTF_8));
          }
        } catch (IOException e) {
          // the program exits without reading the script when it refuses the folder; its answer
          // (read below) says why
        }
        if (script != null) {
          attempt.step("waiting for the collector to start");
        }
        StringBuilder tail = new StringBuilder();
        String result = null;
        for (String line = out.readLine(); line != null; line = out.readLine()) {
          if (line.startsWith(ToolsFolder.UNSAFE)) {
            throw ToolsFolder.refusal(where, line);
          } else if (line.startsWith("result=") && result == null) {
            result = line;
          } else {
            tail.append(line.strip()).append(' ');
          }
        }
        String err = new String(cmd.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        cmd.join(timeout.toMillis(), TimeUnit.MILLISECONDS);
        Integer exit = cmd.getExitStatus();
        if (script == null) {
          return new Transport.Installed(before, false);
        }
        if (result != null && result.startsWith("result=started")) {
          return new Transport.Installed(before, true);
        }
        if (result != null && result.startsWith("result=not_started")) {
          // the collector ended (or closed fd 3) without a live pidfile: waiting longer changes
          // nothing
          String logTail = tail.toString().trim();
          throw new TransportException(
              Kind.REMOTE_ERROR,
              where
                  + ": the collector exited at its start"
                  + (logTail.isEmpty() ? "" : "; its log says: " + logTail),
              null);
        }
        throw new TransportException(
            Kind.REMOTE_ERROR, where + ": remote command failed (exit " + exit + "): " + err, null);
      } catch (IOException e) {
        throw new TransportException(
            e instanceof SocketTimeoutException ? Kind.TIMEOUT : Kind.REMOTE_ERROR,
            where + ": " + e.getMessage(),
            e);
      }
    }

    /**
     * Stops the collector and removes the checked tools folder from its checked parent, in one
     * remote program: never through a link (rm -rf itself follows none below it).
     */
    @Override
    public void remove() throws TransportException {
      run(
          inFolder(
              dir,
              "pm_enter \"$d\" look; r=$?\n[ $r = 1 ] && exit 4\n[ $r = 2 ] && exit 0\n"
                  + STOP_HERE
                  + "i=$pm_ino; b=$pm_c\n"
                  + "cd -P .. || exit 5\n"
                  + "set -f; set -- $(ls -ldin \"./$b\" 2>/dev/null); set +f\n"
                  + "case $2 in d*) ;; *) echo \"unsafe=$d: replaced while it was removed\"; exit 4 ;; esac\n"
                  + "[ \"$1\" = \"$i\" ] || { echo \"unsafe=$d: replaced while it was removed\"; exit 4; }\n"
                  + "rm -rf \"./$b\"\n"));
    }

    /** Runs a command (built from quoted words only); fails on a non-zero exit. */
    private String run(String command) throws TransportException {
      attempt.step("a remote command");
      try (net.schmizz.sshj.connection.channel.direct.Session s = ssh.startSession()) {
        Command cmd = s.exec(command);
        String out = new String(cmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(cmd.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        cmd.join(timeout.toMillis(), TimeUnit.MILLISECONDS);
        Integer exit = cmd.getExitStatus();
        TransportException refused = ToolsFolder.refusal(where, out);
        if (refused != null) {
          throw refused;
        }
        if (exit == null || exit != 0) {
          throw new TransportException(
              Kind.REMOTE_ERROR,
              where + ": remote command failed (exit " + exit + "): " + err.trim(),
              null);
        }
        return out;
      } catch (IOException e) {
        throw new TransportException(
            e instanceof SocketTimeoutException ? Kind.TIMEOUT : Kind.REMOTE_ERROR,
            where + ": " + e.getMessage(),
            e);
      }
    }

    @Override
    public void close() {
      SshTransport.close(ssh);
    }
  }
}
