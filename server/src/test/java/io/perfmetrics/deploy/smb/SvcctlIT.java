package io.perfmetrics.deploy.smb;

import static org.assertj.core.api.Assertions.assertThat;

import io.perfmetrics.targets.Credential;
import io.perfmetrics.targets.CredentialSecretsForTests;
import io.perfmetrics.testing.TestSamba;
import java.time.Duration;
import jcifs.CIFSContext;
import jcifs.dcerpc.DcerpcHandle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The svcctl NDR against what a real Samba serves over \PIPE\svcctl: bind, OpenSCManagerW,
 * OpenServiceW and QueryServiceStatus on a service Samba lists, CloseServiceHandle. (Samba does not
 * create or start services; those calls are checked byte for byte in SvcctlNdrTest.)
 */
class SvcctlIT {
  static TestSamba samba;

  @BeforeAll
  static void start() {
    samba = new TestSamba("ADMIN$");
  }

  @AfterAll
  static void stop() {
    if (samba != null) {
      samba.close();
    }
  }

  @Test
  void opensTheServiceManagerAndQueriesAServiceSambaLists() throws Exception {
    CIFSContext ctx =
        SmbTransport.context(
            CredentialSecretsForTests.of(Credential.SMB_PASSWORD, TestSamba.USER, samba.password()),
            Duration.ofSeconds(10));
    try (DcerpcHandle h =
        DcerpcHandle.getHandle(ServiceControl.binding("127.0.0.1", samba.port()), ctx)) {
      var open =
          new Svcctl.OpenSCManagerW(
              "\\\\127.0.0.1", Svcctl.SC_MANAGER_CONNECT | Svcctl.SC_MANAGER_ENUMERATE_SERVICE);
      h.sendrecv(open);
      assertThat(WindowsError.name(open.status)).isEqualTo(WindowsError.name(0));
      assertThat(open.manager).hasSize(20).isNotEqualTo(new byte[20]);

      var service =
          new Svcctl.OpenServiceW(open.manager, "RemoteRegistry", Svcctl.SERVICE_QUERY_STATUS);
      h.sendrecv(service);
      assertThat(WindowsError.name(service.status)).isEqualTo(WindowsError.name(0));

      var query = new Svcctl.QueryServiceStatus(service.service);
      h.sendrecv(query);
      assertThat(query.status).isZero();
      assertThat(query.currentState).as("SERVICE_STOPPED..SERVICE_PAUSED").isBetween(1, 7);

      var missing =
          new Svcctl.OpenServiceW(open.manager, "no-such-service", Svcctl.SERVICE_QUERY_STATUS);
      h.sendrecv(missing);
      assertThat(WindowsError.name(missing.status))
          .isEqualTo("ERROR_SERVICE_DOES_NOT_EXIST (1060)");

      var closeService = new Svcctl.CloseServiceHandle(service.service);
      h.sendrecv(closeService);
      assertThat(closeService.status).isZero();
      var closeManager = new Svcctl.CloseServiceHandle(open.manager);
      h.sendrecv(closeManager);
      assertThat(closeManager.status).isZero();
    }
  }
}
