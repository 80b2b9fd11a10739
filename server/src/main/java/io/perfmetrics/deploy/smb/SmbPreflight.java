package io.perfmetrics.deploy.smb;

import io.perfmetrics.deploy.Causes;
import io.perfmetrics.deploy.Check;
import io.perfmetrics.deploy.HostAttempt;
import io.perfmetrics.deploy.Transport;
import io.perfmetrics.deploy.UnresolvedName;
import io.perfmetrics.targets.CredentialSecrets;
import io.perfmetrics.targets.Target;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import jcifs.CIFSContext;
import jcifs.CIFSException;
import jcifs.dcerpc.DcerpcHandle;
import jcifs.smb.NtStatus;
import jcifs.smb.SmbAuthException;
import jcifs.smb.SmbException;
import jcifs.smb.SmbFile;
import jcifs.smb.SmbSessionInternal;
import jcifs.smb.SmbTreeHandleInternal;

/**
 * A Windows preflight over one SMB session: dialect and signing, ADMIN$ present and writable, the
 * Service Control Manager opened with create rights (a permission check that creates nothing),
 * curl.exe in System32, and the clock from the SMB negotiation. Nothing is written.
 */
final class SmbPreflight {
  private SmbPreflight() {}

  /** The connect check of a host whose SMB connection failed with {@code e}, with its fix. */
  static Check connectFailed(String host, int port, IOException e) {
    if (UnresolvedName.isCause(e)) {
      return Check.fail("connect", UnresolvedName.problem(host), UnresolvedName.fix(host));
    }
    Throwable root = Causes.root(e);
    return Check.fail(
        "connect",
        host
            + ":"
            + port
            + " did not answer SMB: "
            + (root instanceof ConnectException ? "connection refused" : e.getMessage()),
        "Make sure File and Printer Sharing is on and no firewall drops TCP "
            + port
            + " from the appliance.");
  }

  static List<Check> run(
      Target target,
      CredentialSecrets credentials,
      Duration timeout,
      Transport.PreflightContext context,
      HostAttempt attempt) {
    String host = target.address();
    int port = target.effectivePort();
    String where = host + ":" + port;
    String user = credentials.credential().username();
    List<Check> out = new ArrayList<>();
    CIFSContext ctx;
    try {
      ctx = SmbTransport.context(credentials, timeout);
    } catch (CIFSException e) {
      out.add(
          Check.fail(
              "connect",
              where + ": " + e.getMessage(),
              "Check the credential's user name (user or DOMAIN\\user)."));
      return out;
    }
    // At the host limit the worker closes the context, as for a deploy. jcifs-ng then disconnects
    // only transports with no request outstanding: a wait on a host that never answers ends at
    // jcifs's own timeout (the host limit), after the worker has moved on.
    attempt.closeWhenAbandoned(ctx::close);
    attempt.step("the SMB connection and login to IPC$");
    try (SmbFile ipc = new SmbFile("smb://" + host + ":" + port + "/IPC$/", ctx)) {
      SmbTreeHandleInternal tree;
      try {
        tree = (SmbTreeHandleInternal) ipc.getTreeHandle();
      } catch (SmbAuthException e) {
        out.add(Check.pass("connect", "SMB server at " + where));
        out.add(
            Check.fail(
                "login",
                "the host refused " + user + " (" + e.getMessage() + ")",
                "Check the user name (user, or DOMAIN\\user) and password of credential '"
                    + credentials.credential().name()
                    + "', and that the account is enabled and may log on over the network."));
        List.of("admin_share", "service_control", "curl", "clock")
            .forEach(n -> out.add(Check.skip(n, "not tried: not logged in")));
        return out;
      } catch (IOException e) {
        out.add(connectFailed(host, port, e));
        List.of("login", "admin_share", "service_control", "curl", "clock")
            .forEach(n -> out.add(Check.skip(n, "not tried: no SMB session")));
        return out;
      }
      try (tree) {
        Object negotiated = negotiation(tree);
        String dialect =
            negotiated == null
                ? "SMB 2 or later"
                : String.valueOf(call(negotiated, "getSelectedDialect"));
        boolean signing = tree.areSignaturesActive();
        out.add(
            Check.pass(
                "connect",
                "SMB server at "
                    + where
                    + ", "
                    + dialect
                    + ", signing "
                    + (signing ? "on" : "off")));
        out.add(Check.pass("login", "logged in as " + user));
        attempt.step("the ADMIN$ check");
        boolean admin = adminShare(ctx, host, port, out);
        attempt.step("the Service Control Manager check");
        serviceControl(ctx, host, port, out);
        if (admin) {
          attempt.step("the curl.exe check");
          try (SmbFile curl =
              new SmbFile(
                  "smb://" + host + ":" + port + "/" + SmbTransport.SHARE + "/System32/curl.exe",
                  ctx)) {
            out.add(
                curl.exists()
                    ? Check.pass("curl", "%WINDIR%\\System32\\curl.exe is there")
                    : Check.fail(
                        "curl",
                        "no %WINDIR%\\System32\\curl.exe",
                        "Windows 10 1803, Server 2019 and later ship curl.exe; on older hosts copy a curl.exe into %WINDIR%\\System32."));
          }
        } else {
          out.add(Check.skip("curl", "not tried: no ADMIN$ to look into"));
        }
        out.add(clock(negotiated, context));
      }
    } catch (IOException e) {
      out.add(
          Check.fail(
              "connect",
              where + ": " + e.getMessage(),
              "Check that the host answers SMB on " + where + "."));
    } finally {
      try {
        ctx.close();
      } catch (CIFSException e) {
        // the connection is gone either way
      }
    }
    return out;
  }

  private static boolean adminShare(CIFSContext ctx, String host, int port, List<Check> out) {
    try (SmbFile share =
        new SmbFile("smb://" + host + ":" + port + "/" + SmbTransport.SHARE + "/", ctx)) {
      share.list();
      try (SmbFile temp = new SmbFile(share, "Temp/")) {
        if (!temp.exists()) {
          out.add(
              Check.fail(
                  "admin_share",
                  "ADMIN$ has no Temp folder",
                  "Create %WINDIR%\\Temp (the collector lives in %WINDIR%\\Temp\\perfmetrics\\tools)."));
          return true;
        }
        out.add(
            temp.canWrite()
                ? Check.pass("admin_share", "ADMIN$ is shared and ADMIN$\\Temp is writable")
                : Check.fail(
                    "admin_share",
                    "ADMIN$\\Temp is read-only",
                    "Clear the read-only attribute of %WINDIR%\\Temp."));
      }
      return true;
    } catch (SmbException e) {
      if (e.getNtStatus() == NtStatus.NT_STATUS_BAD_NETWORK_NAME) {
        out.add(
            Check.fail(
                "admin_share",
                "the host does not share ADMIN$",
                "Turn the administrative shares back on (remove AutoShareServer=0 / AutoShareWks=0 under"
                    + " HKLM\\SYSTEM\\CurrentControlSet\\Services\\LanmanServer\\Parameters and restart the Server service)."));
      } else if (e.getNtStatus() == NtStatus.NT_STATUS_ACCESS_DENIED) {
        out.add(
            Check.fail(
                "admin_share",
                "access to ADMIN$ denied",
                "Use an administrator account; for a local account on a workgroup host also set LocalAccountTokenFilterPolicy=1."));
      } else {
        out.add(
            Check.fail(
                "admin_share",
                "ADMIN$: " + e.getMessage(),
                "Check that ADMIN$ is shared and this account may use it."));
      }
      return false;
    } catch (IOException e) {
      out.add(
          Check.fail(
              "admin_share",
              "ADMIN$: " + e.getMessage(),
              "Check that ADMIN$ is shared and this account may use it."));
      return false;
    }
  }

  /**
   * OpenSCManagerW asking for SC_MANAGER_CREATE_SERVICE: only a permission check, nothing is
   * created.
   */
  private static void serviceControl(CIFSContext ctx, String host, int port, List<Check> out) {
    try (DcerpcHandle h = DcerpcHandle.getHandle(ServiceControl.binding(host, port), ctx)) {
      var open =
          new Svcctl.OpenSCManagerW(
              "\\\\" + host, Svcctl.SC_MANAGER_CONNECT | Svcctl.SC_MANAGER_CREATE_SERVICE);
      h.sendrecv(open);
      if (open.status == 0) {
        h.sendrecv(new Svcctl.CloseServiceHandle(open.manager));
        out.add(
            Check.pass(
                "service_control", "the Service Control Manager grants SC_MANAGER_CREATE_SERVICE"));
      } else {
        out.add(
            Check.fail(
                "service_control",
                "OpenSCManagerW with SC_MANAGER_CREATE_SERVICE answered "
                    + WindowsError.name(open.status),
                "Use a local or domain administrator; for a local account on a workgroup host set LocalAccountTokenFilterPolicy=1"
                    + " (remote UAC strips its rights otherwise)."));
      }
    } catch (IOException e) {
      out.add(
          Check.fail(
              "service_control",
              "the svcctl pipe could not be used: " + e.getMessage(),
              "Allow remote service management (the Server service must run; RPC over SMB must not be blocked)."));
    }
  }

  private static Check clock(Object negotiated, Transport.PreflightContext context) {
    long serverMillis = 0;
    if (negotiated != null) {
      try {
        Field f = negotiated.getClass().getDeclaredField("systemTime");
        f.setAccessible(true);
        serverMillis = f.getLong(negotiated);
      } catch (ReflectiveOperationException | RuntimeException e) {
        serverMillis = 0;
      }
    }
    if (serverMillis <= 0) {
      return Check.warn(
          "clock",
          "the server sent no time in its SMB negotiation",
          "Make sure the host's clock is synchronised (w32tm /resync); the receiver refuses samples over a day ahead.");
    }
    long skew = (serverMillis - context.clock().millis()) / 1000;
    String fix =
        "Synchronise the host's clock (w32tm /config /syncfromflags:domhier /update, then w32tm /resync).";
    if (skew > 86_400) {
      return Check.fail(
          "clock",
          "the host is "
              + skew
              + " s ahead of the appliance: the receiver refuses samples over a day ahead",
          fix);
    }
    if (Math.abs(skew) > 62) {
      return Check.warn(
          "clock",
          "the host is "
              + Math.abs(skew)
              + " s "
              + (skew > 0 ? "ahead of" : "behind")
              + " the appliance",
          fix);
    }
    return Check.pass(
        "clock",
        "within " + Math.max(2, Math.abs(skew)) + " s of the appliance (from the SMB negotiation)");
  }

  /**
   * jcifs-ng keeps the negotiation answer internal; reflection reads dialect and server time, or
   * gives null.
   */
  private static Object negotiation(SmbTreeHandleInternal tree) {
    try (var session = tree.getSession()) {
      Object transport = ((SmbSessionInternal) session).getTransport();
      Method m = transport.getClass().getDeclaredMethod("getNegotiateResponse");
      m.setAccessible(true);
      return m.invoke(transport);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  private static Object call(Object o, String method) {
    try {
      Method m = o.getClass().getMethod(method);
      return m.invoke(o);
    } catch (ReflectiveOperationException e) {
      return "SMB 2 or later";
    }
  }
}
