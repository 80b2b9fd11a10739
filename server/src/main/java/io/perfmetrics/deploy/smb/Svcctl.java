package io.perfmetrics.deploy.smb;

import jcifs.dcerpc.DcerpcMessage;
import jcifs.dcerpc.ndr.NdrBuffer;
import jcifs.dcerpc.ndr.NdrException;

/**
 * The MS-SCMR (svcctl) calls the appliance needs, NDR-encoded by hand from the IDL in [MS-SCMR]
 * section 3.1.4 and the NDR rules of [C706] chapter 14: handles are 20-byte context handles;
 * strings are conformant varying UTF-16 arrays with a terminating NUL; a [unique] pointer is a
 * 4-byte referent id followed by its pointee (0 for null), a [ref] pointer only its pointee.
 * Referent ids count up from 0x00020000 in steps of 4, as Windows clients do, so encodings are
 * deterministic and testable byte for byte.
 */
public final class Svcctl {
  /** Interface UUID and version of svcctl ([MS-SCMR] 1.9). */
  public static final String SYNTAX = "367abb81-9844-35f1-ad32-98f038001003:2.0";

  public static final int SC_MANAGER_CONNECT = 0x0001;
  public static final int SC_MANAGER_CREATE_SERVICE = 0x0002;
  public static final int SC_MANAGER_ENUMERATE_SERVICE = 0x0004;
  public static final int SERVICE_QUERY_STATUS = 0x0004;
  public static final int SERVICE_START = 0x0010;
  public static final int DELETE = 0x00010000;
  public static final int SERVICE_WIN32_OWN_PROCESS = 0x00000010;
  public static final int SERVICE_DEMAND_START = 0x00000003;
  public static final int SERVICE_ERROR_IGNORE = 0x00000000;

  private Svcctl() {}

  /** Encoding helpers shared by the calls. */
  abstract static class Call extends DcerpcMessage {
    private int referent = 0x00020000;

    /** The call's return value, a Win32 error code. */
    public int status;

    Call() {
      this.ptype = 0;
      this.flags = DCERPC_FIRST_FRAG | DCERPC_LAST_FRAG;
    }

    /** Referent ids restart for every encoding, so the same call encodes to the same bytes. */
    final void resetReferents() {
      referent = 0x00020000;
    }

    final void uniqueString(NdrBuffer b, String s) {
      b.align(4);
      if (s == null) {
        b.enc_ndr_long(0);
        return;
      }
      b.enc_ndr_long(nextReferent());
      b.enc_ndr_string(s);
    }

    final void refString(NdrBuffer b, String s) {
      b.enc_ndr_string(s);
    }

    final void handle(NdrBuffer b, byte[] h) {
      b.align(4);
      b.writeOctetArray(h, 0, 20);
    }

    /**
     * The target's reply must hold the call's whole out structure: a short one is refused here
     * rather than read past its end. Every out field is a 4-byte multiple from an aligned start.
     */
    static void need(NdrBuffer b, int bytes) throws NdrException {
      if (b.index < 0 || b.buf.length - b.index < bytes) {
        throw new NdrException(
            "svcctl reply too short: "
                + Math.max(0, b.buf.length - b.index)
                + " bytes where "
                + bytes
                + " are needed");
      }
    }

    final byte[] readHandle(NdrBuffer b) {
      b.align(4);
      byte[] h = new byte[20];
      b.readOctetArray(h, 0, 20);
      return h;
    }

    private int nextReferent() {
      int r = referent;
      referent += 4;
      return r;
    }

    @Override
    public final void encode_in(NdrBuffer b) throws NdrException {
      resetReferents();
      encodeIn(b);
    }

    abstract void encodeIn(NdrBuffer b) throws NdrException;
  }

  /** RCloseServiceHandle, opnum 0 ([MS-SCMR] 3.1.4.2). */
  public static final class CloseServiceHandle extends Call {
    private final byte[] handle;

    public CloseServiceHandle(byte[] handle) {
      this.handle = handle;
    }

    @Override
    public int getOpnum() {
      return 0;
    }

    @Override
    void encodeIn(NdrBuffer b) {
      handle(b, handle);
    }

    @Override
    public void decode_out(NdrBuffer b) throws NdrException {
      need(b, 24);
      readHandle(b);
      status = b.dec_ndr_long();
    }
  }

  /** RDeleteService, opnum 2 ([MS-SCMR] 3.1.4.3). */
  public static final class DeleteService extends Call {
    private final byte[] service;

    public DeleteService(byte[] service) {
      this.service = service;
    }

    @Override
    public int getOpnum() {
      return 2;
    }

    @Override
    void encodeIn(NdrBuffer b) {
      handle(b, service);
    }

    @Override
    public void decode_out(NdrBuffer b) throws NdrException {
      need(b, 4);
      status = b.dec_ndr_long();
    }
  }

  /** RQueryServiceStatus, opnum 6 ([MS-SCMR] 3.1.4.17): SERVICE_STATUS is seven DWORDs. */
  public static final class QueryServiceStatus extends Call {
    private final byte[] service;
    public int serviceType;
    public int currentState;

    public QueryServiceStatus(byte[] service) {
      this.service = service;
    }

    @Override
    public int getOpnum() {
      return 6;
    }

    @Override
    void encodeIn(NdrBuffer b) {
      handle(b, service);
    }

    @Override
    public void decode_out(NdrBuffer b) throws NdrException {
      need(b, 32);
      serviceType = b.dec_ndr_long();
      currentState = b.dec_ndr_long();
      for (int i = 0; i < 5; i++) {
        b.dec_ndr_long();
      }
      status = b.dec_ndr_long();
    }
  }

  /** RCreateServiceW, opnum 12 ([MS-SCMR] 3.1.4.12). */
  public static final class CreateServiceW extends Call {
    private final byte[] manager;
    private final String name;
    private final String displayName;
    private final String binaryPath;
    public byte[] service;

    public CreateServiceW(byte[] manager, String name, String displayName, String binaryPath) {
      this.manager = manager;
      this.name = name;
      this.displayName = displayName;
      this.binaryPath = binaryPath;
    }

    @Override
    public int getOpnum() {
      return 12;
    }

    @Override
    void encodeIn(NdrBuffer b) {
      handle(b, manager);
      refString(b, name); // lpServiceName [ref]
      uniqueString(b, displayName); // lpDisplayName [unique]
      b.align(4);
      b.enc_ndr_long(SERVICE_START | SERVICE_QUERY_STATUS | DELETE); // dwDesiredAccess
      b.enc_ndr_long(SERVICE_WIN32_OWN_PROCESS); // dwServiceType
      b.enc_ndr_long(SERVICE_DEMAND_START); // dwStartType
      b.enc_ndr_long(SERVICE_ERROR_IGNORE); // dwErrorControl
      refString(b, binaryPath); // lpBinaryPathName [ref]
      uniqueString(b, null); // lpLoadOrderGroup
      b.enc_ndr_long(0); // lpdwTagId [in,out,unique]: null
      b.enc_ndr_long(0); // lpDependencies [unique, size_is(dwDependSize)]: null
      b.enc_ndr_long(0); // dwDependSize
      uniqueString(b, null); // lpServiceStartName: null = LocalSystem
      b.enc_ndr_long(0); // lpPassword: null
      b.enc_ndr_long(0); // dwPwSize
    }

    @Override
    public void decode_out(NdrBuffer b) throws NdrException {
      need(b, 4);
      int tagReferent = b.dec_ndr_long(); // lpdwTagId echoed
      if (tagReferent != 0) {
        need(b, 4);
        b.dec_ndr_long();
      }
      need(b, 24);
      service = readHandle(b);
      status = b.dec_ndr_long();
    }
  }

  /** ROpenSCManagerW, opnum 15 ([MS-SCMR] 3.1.4.15). */
  public static final class OpenSCManagerW extends Call {
    private final String machine;
    private final int access;
    public byte[] manager;

    public OpenSCManagerW(String machine, int access) {
      this.machine = machine;
      this.access = access;
    }

    @Override
    public int getOpnum() {
      return 15;
    }

    @Override
    void encodeIn(NdrBuffer b) {
      uniqueString(b, machine); // lpMachineName [unique]
      uniqueString(b, "ServicesActive"); // lpDatabaseName [unique]
      b.align(4);
      b.enc_ndr_long(access); // dwDesiredAccess
    }

    @Override
    public void decode_out(NdrBuffer b) throws NdrException {
      need(b, 24);
      manager = readHandle(b);
      status = b.dec_ndr_long();
    }
  }

  /** ROpenServiceW, opnum 16 ([MS-SCMR] 3.1.4.16). */
  public static final class OpenServiceW extends Call {
    private final byte[] manager;
    private final String name;
    private final int access;
    public byte[] service;

    public OpenServiceW(byte[] manager, String name, int access) {
      this.manager = manager;
      this.name = name;
      this.access = access;
    }

    @Override
    public int getOpnum() {
      return 16;
    }

    @Override
    void encodeIn(NdrBuffer b) {
      handle(b, manager);
      refString(b, name); // lpServiceName [ref]
      b.align(4);
      b.enc_ndr_long(access); // dwDesiredAccess
    }

    @Override
    public void decode_out(NdrBuffer b) throws NdrException {
      need(b, 24);
      service = readHandle(b);
      status = b.dec_ndr_long();
    }
  }

  /** RStartServiceW, opnum 19 ([MS-SCMR] 3.1.4.19), without arguments. */
  public static final class StartServiceW extends Call {
    private final byte[] service;

    public StartServiceW(byte[] service) {
      this.service = service;
    }

    @Override
    public int getOpnum() {
      return 19;
    }

    @Override
    void encodeIn(NdrBuffer b) {
      handle(b, service);
      b.enc_ndr_long(0); // argc
      b.enc_ndr_long(0); // argv [unique]: null
    }

    @Override
    public void decode_out(NdrBuffer b) throws NdrException {
      need(b, 4);
      status = b.dec_ndr_long();
    }
  }
}
