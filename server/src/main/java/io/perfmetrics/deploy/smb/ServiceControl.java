package io.perfmetrics.deploy.smb;

import io.perfmetrics.deploy.TransportException;
import io.perfmetrics.deploy.TransportException.Kind;
import java.io.IOException;
import jcifs.CIFSContext;
import jcifs.dcerpc.DcerpcBinding;
import jcifs.dcerpc.DcerpcHandle;

/**
 * Starts a command on a Windows host through its Service Control Manager, over the {@code
 * \PIPE\svcctl} named pipe of the same SMB session: a one-shot service is created, started and
 * deleted again, whatever happens in between.
 */
public final class ServiceControl {
  public static final String SERVICE_NAME = "perfmetrics-collector";

  static {
    DcerpcBinding.addInterface("svcctl", Svcctl.SYNTAX);
  }

  private ServiceControl() {}

  /**
   * The DCE/RPC binding of svcctl on a host, port included (jcifs puts it into the pipe's smb://
   * URL).
   */
  static String binding(String host, int port) {
    return "ncacn_np:" + host + (port == 445 ? "" : ":" + port) + "[\\PIPE\\svcctl]";
  }

  /**
   * Runs {@code command} once as a service. Starting a program that is not a service ends in
   * ERROR_SERVICE_REQUEST_TIMEOUT after the program was launched; that is the expected outcome for
   * a command that detaches.
   */
  public static void runOnce(CIFSContext ctx, String host, int port, String command)
      throws TransportException {
    String where = host + ":" + port;
    try (DcerpcHandle h = DcerpcHandle.getHandle(binding(host, port), ctx)) {
      var open =
          new Svcctl.OpenSCManagerW(
              "\\\\" + host, Svcctl.SC_MANAGER_CONNECT | Svcctl.SC_MANAGER_CREATE_SERVICE);
      h.sendrecv(open);
      check(open.status, where, "OpenSCManagerW");
      try {
        byte[] service = create(h, open.manager, command, where);
        try {
          var start = new Svcctl.StartServiceW(service);
          h.sendrecv(start);
          if (start.status != 0 && start.status != 1053) {
            check(start.status, where, "StartServiceW");
          }
        } finally {
          var delete = new Svcctl.DeleteService(service);
          h.sendrecv(delete);
          h.sendrecv(new Svcctl.CloseServiceHandle(service));
          check(delete.status, where, "DeleteService");
        }
      } finally {
        h.sendrecv(new Svcctl.CloseServiceHandle(open.manager));
      }
    } catch (IOException e) {
      throw new TransportException(
          Kind.REMOTE_ERROR, where + ": svcctl failed: " + e.getMessage(), e);
    }
  }

  private static byte[] create(DcerpcHandle h, byte[] manager, String command, String where)
      throws IOException, TransportException {
    var create =
        new Svcctl.CreateServiceW(
            manager, SERVICE_NAME, "perfmetrics collector (one-shot start)", command);
    h.sendrecv(create);
    if (create.status == 1073) {
      // left over from an interrupted start: remove it and try once more
      var old = new Svcctl.OpenServiceW(manager, SERVICE_NAME, Svcctl.DELETE);
      h.sendrecv(old);
      if (old.status == 0) {
        h.sendrecv(new Svcctl.DeleteService(old.service));
        h.sendrecv(new Svcctl.CloseServiceHandle(old.service));
      }
      create =
          new Svcctl.CreateServiceW(
              manager, SERVICE_NAME, "perfmetrics collector (one-shot start)", command);
      h.sendrecv(create);
    }
    check(create.status, where, "CreateServiceW");
    return create.service;
  }

  static void check(int status, String where, String call) throws TransportException {
    if (status != 0) {
      throw new TransportException(
          status == 5 ? Kind.AUTH_FAILED : Kind.REMOTE_ERROR,
          where + ": " + call + " answered " + WindowsError.name(status),
          null);
    }
  }
}
