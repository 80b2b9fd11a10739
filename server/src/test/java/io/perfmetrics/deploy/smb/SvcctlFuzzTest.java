package io.perfmetrics.deploy.smb;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.perfmetrics.testing.FuzzContract;
import java.util.Arrays;
import java.util.List;
import jcifs.dcerpc.ndr.NdrBuffer;
import jcifs.dcerpc.ndr.NdrException;

/**
 * Reply stubs of the svcctl calls come from the target's Service Control Manager: any bytes decode
 * to the call's out values or fail with NdrException, which the deploy reports per host.
 */
class SvcctlFuzzTest {
  private static final byte[] HANDLE = new byte[20];

  @FuzzTest
  void anyReplyStubDecodesOrIsRefused(byte[] input) {
    if (input.length == 0) {
      return;
    }
    List<Svcctl.Call> calls =
        List.of(
            new Svcctl.OpenSCManagerW("host", Svcctl.SC_MANAGER_CREATE_SERVICE),
            new Svcctl.OpenServiceW(HANDLE, "perfmetrics", Svcctl.SERVICE_START),
            new Svcctl.CreateServiceW(HANDLE, "perfmetrics", "perfmetrics", "cscript x.vbs"),
            new Svcctl.StartServiceW(HANDLE),
            new Svcctl.QueryServiceStatus(HANDLE),
            new Svcctl.DeleteService(HANDLE),
            new Svcctl.CloseServiceHandle(HANDLE));
    Svcctl.Call call = calls.get((input[0] & 0xff) % calls.size());
    byte[] stub = Arrays.copyOfRange(input, 1, input.length);
    FuzzContract.bounded(
        () -> {
          try {
            call.decode_out(new NdrBuffer(stub, 0));
          } catch (NdrException e) {
            assertThat(e.getMessage()).contains("reply");
          }
        });
  }
}
