package io.perfmetrics.deploy.smb;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.HexFormat;
import jcifs.dcerpc.DcerpcMessage;
import jcifs.dcerpc.ndr.NdrBuffer;
import org.junit.jupiter.api.Test;

/**
 * Request stubs of the svcctl calls Samba does not serve, byte for byte. The expected layouts are
 * written out field by field from the IDL of [MS-SCMR] (sections 3.1.4.3 RDeleteService, 3.1.4.12
 * RCreateServiceW, 3.1.4.15 ROpenSCManagerW, 3.1.4.19 RStartServiceW; full IDL in Appendix A) and
 * the NDR transfer syntax of [C706] chapter 14: little-endian, 4-byte aligned DWORDs, top-level
 * [ref] pointers carry no referent id, [unique] pointers a 4-byte referent id (0 for null) followed
 * by the pointee, strings as conformant varying arrays (max_count, offset 0, actual_count, UTF-16LE
 * code units including the NUL).
 */
class SvcctlNdrTest {
  static final byte[] HANDLE = HexFormat.of().parseHex("0102030405060708090a0b0c0d0e0f1011121314");

  static byte[] stub(DcerpcMessage m) throws Exception {
    NdrBuffer b = new NdrBuffer(new byte[4096], 0);
    m.encode_in(b);
    return Arrays.copyOf(b.buf, b.getIndex());
  }

  static byte[] hex(String... fields) {
    return HexFormat.of().parseHex(String.join("", fields).replace(" ", ""));
  }

  @Test
  void createServiceW() throws Exception {
    byte[] expected =
        hex(
            "0102030405060708090a0b0c0d0e0f1011121314", // hSCManager: SC_RPC_HANDLE, 20 bytes
            "03000000 00000000 03000000 70006d00 0000", // lpServiceName [ref, string] "pm": max 3,
            // offset 0, actual 3
            "0000", // pad to 4
            "00000200", // lpDisplayName [unique]: referent 0x00020000
            "02000000 00000000 02000000 50000000", //   "P"
            "14000100", // dwDesiredAccess: SERVICE_START|SERVICE_QUERY_STATUS|DELETE
            "10000000", // dwServiceType: SERVICE_WIN32_OWN_PROCESS
            "03000000", // dwStartType: SERVICE_DEMAND_START
            "00000000", // dwErrorControl: SERVICE_ERROR_IGNORE
            "06000000 00000000 06000000 63002e006500780065000000", // lpBinaryPathName [ref, string]
            // "c.exe"
            "00000000", // lpLoadOrderGroup [unique]: null
            "00000000", // lpdwTagId [in,out,unique]: null
            "00000000", // lpDependencies [unique, size_is]: null
            "00000000", // dwDependSize: 0
            "00000000", // lpServiceStartName [unique]: null (LocalSystem)
            "00000000", // lpPassword [unique, size_is]: null
            "00000000"); // dwPwSize: 0

    byte[] actual = stub(new Svcctl.CreateServiceW(HANDLE, "pm", "P", "c.exe"));

    assertThat(HexFormat.of().formatHex(actual)).isEqualTo(HexFormat.of().formatHex(expected));
    assertThat(new Svcctl.CreateServiceW(HANDLE, "pm", "P", "c.exe").getOpnum()).isEqualTo(12);
  }

  @Test
  void startServiceWithoutArguments() throws Exception {
    byte[] expected =
        hex(
            "0102030405060708090a0b0c0d0e0f1011121314", // hService
            "00000000", // argc: 0
            "00000000"); // argv [unique, size_is(argc)]: null

    assertThat(stub(new Svcctl.StartServiceW(HANDLE))).isEqualTo(expected);
    assertThat(new Svcctl.StartServiceW(HANDLE).getOpnum()).isEqualTo(19);
  }

  @Test
  void deleteService() throws Exception {
    assertThat(stub(new Svcctl.DeleteService(HANDLE))).isEqualTo(HANDLE);
    assertThat(new Svcctl.DeleteService(HANDLE).getOpnum()).isEqualTo(2);
  }

  @Test
  void openScManagerW() throws Exception {
    byte[] expected =
        hex(
            "00000200", // lpMachineName [unique]: referent 0x00020000
            "04000000 00000000 04000000 5c005c0068000000", //   "\\h"
            "04000200", // lpDatabaseName [unique]: referent 0x00020004
            "0f000000 00000000 0f000000", //   "ServicesActive": 15 code units with the NUL
            "530065007200760069006300650073004100630074006900760065000000",
            "0000", // pad to 4
            "03000000"); // dwDesiredAccess: SC_MANAGER_CONNECT|SC_MANAGER_CREATE_SERVICE

    assertThat(HexFormat.of().formatHex(stub(new Svcctl.OpenSCManagerW("\\\\h", 3))))
        .isEqualTo(HexFormat.of().formatHex(expected));
  }

  @Test
  void theSameCallEncodesToTheSameBytesEveryTime() throws Exception {
    var call = new Svcctl.CreateServiceW(HANDLE, "pm", "P", "c.exe");
    assertThat(stub(call)).isEqualTo(stub(call));
  }

  @Test
  void windowsErrorsAreNamed() {
    assertThat(WindowsError.name(5)).isEqualTo("ERROR_ACCESS_DENIED (5)");
    assertThat(WindowsError.name(1073)).isEqualTo("ERROR_SERVICE_EXISTS (1073)");
    assertThat(WindowsError.name(99999)).isEqualTo("Windows error (99999)");
  }
}
