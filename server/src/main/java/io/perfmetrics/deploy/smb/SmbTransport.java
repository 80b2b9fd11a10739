package io.perfmetrics.deploy.smb;

import io.perfmetrics.config.Config;
import io.perfmetrics.deploy.Causes;
import io.perfmetrics.deploy.HostAttempt;
import io.perfmetrics.deploy.RemoteStatus;
import io.perfmetrics.deploy.Transport;
import io.perfmetrics.deploy.TransportException;
import io.perfmetrics.deploy.TransportException.Kind;
import io.perfmetrics.deploy.UnresolvedName;
import io.perfmetrics.targets.CredentialSecrets;
import io.perfmetrics.targets.Target;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;
import jcifs.CIFSContext;
import jcifs.CIFSException;
import jcifs.config.PropertyConfiguration;
import jcifs.context.BaseContext;
import jcifs.smb.NtStatus;
import jcifs.smb.NtlmPasswordAuthenticator;
import jcifs.smb.SmbAuthException;
import jcifs.smb.SmbException;
import jcifs.smb.SmbFile;

/**
 * Reaches Windows targets over SMB (jcifs-ng): NTLMv2, SMB 2.0.2 to 3.1.1, signing whenever the
 * server asks for it. The collector goes to {@code ADMIN$\Temp\perfmetrics\tools} (= {@code
 * %WINDIR%\Temp\perfmetrics\tools}) and is started through the Service Control Manager.
 */
public final class SmbTransport implements Transport {
  static final String SHARE = "ADMIN$";
  static final String TOOLS = "Temp/perfmetrics/tools/";
  static final String SCRIPT = "collector.vbs";

  /** The folders the deploy creates below ADMIN$, outermost first. */
  static final java.util.List<String> FOLDERS =
      java.util.List.of("Temp\\perfmetrics", "Temp\\perfmetrics\\tools");

  static final String START_COMMAND =
      "%ComSpec% /C start \"perfmetrics\" /B cscript.exe //B //NoLogo \"%WINDIR%\\Temp\\perfmetrics\\tools\\"
          + SCRIPT
          + "\"";

  private final Config.Collectors settings;
  private final Clock clock;

  public SmbTransport(Config.Collectors settings, Clock clock) {
    this.settings = settings;
    this.clock = clock;
  }

  /** A jcifs context for one connection: version range, signing and time limits. */
  static CIFSContext context(CredentialSecrets credentials, Duration timeout) throws CIFSException {
    Properties p = new Properties();
    p.setProperty("jcifs.smb.client.minVersion", "SMB202");
    p.setProperty("jcifs.smb.client.maxVersion", "SMB311");
    p.setProperty("jcifs.smb.client.signingPreferred", "true");
    p.setProperty("jcifs.smb.client.connTimeout", String.valueOf(timeout.toMillis()));
    p.setProperty("jcifs.smb.client.responseTimeout", String.valueOf(timeout.toMillis()));
    p.setProperty("jcifs.smb.client.soTimeout", String.valueOf(timeout.toMillis()));
    p.setProperty("jcifs.smb.client.sessionTimeout", String.valueOf(timeout.toMillis()));
    p.setProperty("jcifs.resolveOrder", "DNS");
    p.setProperty("jcifs.smb.client.dfs.disabled", "true");
    String user = credentials.credential().username();
    String domain = "";
    int slash = user.indexOf('\\');
    if (slash > 0) {
      domain = user.substring(0, slash);
      user = user.substring(slash + 1);
    }
    return new BaseContext(new PropertyConfiguration(p))
        .withCredentials(new NtlmPasswordAuthenticator(domain, user, credentials.secret()));
  }

  @Override
  public Transport.Session connect(
      Target target, CredentialSecrets credentials, Duration timeout, HostAttempt attempt)
      throws TransportException {
    String host = target.address();
    int port = target.effectivePort();
    String where = host + ":" + port;
    try {
      CIFSContext ctx = context(credentials, timeout);
      // the job closes the context when the host's limit passes; jcifs-ng disconnects only idle
      // transports that way, so a request a host never answers waits out jcifs's own timeout
      attempt.closeWhenAbandoned(ctx::close);
      attempt.step("the SMB connection and login to " + SHARE);
      SmbFile share = new SmbFile("smb://" + host + ":" + port + "/" + SHARE + "/", ctx);
      share.exists();
      share.list();
      attempt.ensureLive(where);
      attempt.step("the SMB session (upload, service control, status)");
      return new SmbSession(ctx, host, port, share, settings, clock);
    } catch (SmbAuthException e) {
      throw new TransportException(
          Kind.AUTH_FAILED,
          where
              + ": authentication failed for "
              + credentials.credential().username()
              + " ("
              + e.getMessage()
              + ")",
          e);
    } catch (SmbException e) {
      throw classify(where, e);
    } catch (IOException e) {
      throw new TransportException(Kind.UNREACHABLE, where + ": " + e.getMessage(), e);
    }
  }

  @Override
  public java.util.List<io.perfmetrics.deploy.Check> preflight(
      Target target,
      CredentialSecrets credentials,
      Duration timeout,
      PreflightContext context,
      HostAttempt attempt) {
    attempt.step("the SMB connection for the preflight checks");
    return SmbPreflight.run(target, credentials, timeout, context, attempt);
  }

  static TransportException classify(String where, SmbException e) {
    if (UnresolvedName.isCause(e)) {
      // where is host:port (an IPv6 literal has colons of its own: the port is after the last)
      return new TransportException(
          Kind.UNREACHABLE, UnresolvedName.problem(where.substring(0, where.lastIndexOf(':'))), e);
    }
    if (e.getNtStatus() == NtStatus.NT_STATUS_BAD_NETWORK_NAME) {
      return new TransportException(
          Kind.REMOTE_ERROR,
          where + ": share " + SHARE + " not found (administrative shares disabled?)",
          e);
    }
    if (e.getNtStatus() == NtStatus.NT_STATUS_ACCESS_DENIED) {
      return new TransportException(
          Kind.AUTH_FAILED, where + ": access to " + SHARE + " denied (not an administrator?)", e);
    }
    Throwable root = Causes.root(e);
    if (root instanceof SocketTimeoutException) {
      return new TransportException(Kind.TIMEOUT, where + ": no answer in time", e);
    }
    if (root instanceof ConnectException) {
      return new TransportException(
          Kind.UNREACHABLE, where + " is unreachable: " + root.getMessage(), e);
    }
    return new TransportException(Kind.REMOTE_ERROR, where + ": " + e.getMessage(), e);
  }

  /** One authenticated SMB session to a target. */
  static final class SmbSession implements Transport.Session {
    private final CIFSContext ctx;
    private final String host;
    private final int port;
    private final SmbFile share;
    private final Config.Collectors settings;
    private final Clock clock;
    private final String where;

    SmbSession(
        CIFSContext ctx,
        String host,
        int port,
        SmbFile share,
        Config.Collectors settings,
        Clock clock) {
      this.ctx = ctx;
      this.host = host;
      this.port = port;
      this.share = share;
      this.settings = settings;
      this.clock = clock;
      this.where = host + ":" + port;
    }

    private SmbFile file(String name) throws IOException {
      return new SmbFile(share, TOOLS + name);
    }

    @Override
    public RemoteStatus status() throws TransportException {
      try {
        SmbFile dir = file("");
        if (!dir.exists()) {
          return new RemoteStatus(RemoteStatus.ABSENT, Map.of());
        }
        Map<String, String> facts = readState();
        boolean pid = file("collector.pid").exists();
        // No process list over SMB: a pidfile plus a state file the collector refreshed lately
        // (it rewrites it every upload cycle) is what "running" means here.
        long fresh = settings.upload().toSeconds() * 2 + 60;
        long updated = parseLong(facts.get("updated_at"));
        boolean recent = updated > 0 && clock.instant().getEpochSecond() - updated <= fresh;
        String state =
            pid && recent
                ? RemoteStatus.RUNNING
                : file(SCRIPT).exists() ? RemoteStatus.STOPPED : RemoteStatus.ABSENT;
        return new RemoteStatus(state, facts);
      } catch (SmbException e) {
        throw classify(where, e);
      } catch (IOException e) {
        throw new TransportException(Kind.REMOTE_ERROR, where + ": " + e.getMessage(), e);
      }
    }

    private Map<String, String> readState() throws IOException {
      Map<String, String> facts = new LinkedHashMap<>();
      SmbFile state = file("collector.state");
      if (!state.exists()) {
        return facts;
      }
      try (InputStream in = state.getInputStream()) {
        for (String line :
            new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\r?\n", -1)) {
          int eq = line.indexOf('=');
          if (eq > 0) {
            facts.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
          }
        }
      }
      return facts;
    }

    /**
     * Status, then stop, install and start one by one: a file share has no program to run them in
     * one exchange.
     */
    @Override
    public Transport.Installed statusThenInstall(
        Function<RemoteStatus, io.perfmetrics.deploy.RenderedScript> plan)
        throws TransportException {
      RemoteStatus status = status();
      io.perfmetrics.deploy.RenderedScript script = plan.apply(status);
      if (script == null) {
        return new Transport.Installed(status, false);
      }
      if (status.running()) {
        stop();
      }
      install(script.text());
      start();
      return new Transport.Installed(status, true);
    }

    /**
     * Writes the rendered collector into the tools folder (creating it): through a new file and a
     * rename, so a reader never sees half of it.
     */
    void install(String script) throws TransportException {
      try {
        SmbFile temp = new SmbFile(share, "Temp/");
        if (!temp.exists()) {
          temp.mkdir();
        }
        SafeFolders folders = SafeFolders.on(share, where);
        try {
          folders.prepare(FOLDERS);
        } finally {
          folders.release();
        }
        SmbFile tmp = file(SCRIPT + ".new");
        try (OutputStream out = tmp.getOutputStream()) {
          // cscript reads the file in the ANSI code page; CRLF is what Windows tools expect
          out.write(
              script
                  .replace("\r\n", "\n")
                  .replace("\n", "\r\n")
                  .getBytes(StandardCharsets.ISO_8859_1));
        }
        SmbFile target = file(SCRIPT);
        if (target.exists()) {
          target.delete();
        }
        tmp.renameTo(target);
        SmbFile stop = file("collector.stop");
        if (stop.exists()) {
          stop.delete();
        }
      } catch (SmbException e) {
        throw classify(where, e);
      } catch (IOException e) {
        throw new TransportException(
            Kind.REMOTE_ERROR, where + ": upload failed: " + e.getMessage(), e);
      }
    }

    /**
     * True when the tools folders exist and pass {@link SafeFolders#check}; a planted one is
     * refused before anything is written into or deleted from it.
     */
    private boolean checked() throws TransportException, IOException {
      SafeFolders folders = SafeFolders.on(share, where);
      try {
        for (String f : FOLDERS) {
          if (!folders.check(f)) {
            return false;
          }
        }
        return true;
      } finally {
        folders.release();
      }
    }

    /** Starts the installed collector once through the service control manager. */
    void start() throws TransportException {
      ServiceControl.runOnce(ctx, host, port, START_COMMAND);
    }

    /** Stops a running collector (no error when none runs). */
    void stop() throws TransportException {
      try {
        if (!file("collector.pid").exists() || !checked()) {
          return;
        }
        // the collector checks for this file every loop and exits
        try (OutputStream out = file("collector.stop").getOutputStream()) {
          out.write("stop\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        long deadline =
            System.nanoTime() + Duration.ofSeconds(settings.interval().toSeconds() + 10).toNanos();
        while (System.nanoTime() < deadline && file("collector.pid").exists()) {
          Thread.sleep(250);
        }
      } catch (SmbException e) {
        throw classify(where, e);
      } catch (IOException e) {
        throw new TransportException(Kind.REMOTE_ERROR, where + ": " + e.getMessage(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new TransportException(Kind.REMOTE_ERROR, where + ": interrupted while stopping", e);
      }
    }

    @Override
    public void remove() throws TransportException {
      stop();
      try {
        SmbFile dir = file("");
        if (checked()) {
          dir.delete();
        }
      } catch (SmbException e) {
        throw classify(where, e);
      } catch (IOException e) {
        throw new TransportException(Kind.REMOTE_ERROR, where + ": " + e.getMessage(), e);
      }
    }

    @Override
    public void close() {
      share.close();
      try {
        ctx.close();
      } catch (CIFSException e) {
        // closing a context whose transport failed
      }
    }
  }

  private static long parseLong(String s) {
    try {
      return s == null ? 0 : Long.parseLong(s.trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
