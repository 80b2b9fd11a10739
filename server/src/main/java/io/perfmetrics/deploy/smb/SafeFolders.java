package io.perfmetrics.deploy.smb;

import io.perfmetrics.deploy.TransportException;
import io.perfmetrics.deploy.TransportException.Kind;
import java.io.ByteArrayOutputStream;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import jcifs.CIFSException;
import jcifs.Configuration;
import jcifs.Encodable;
import jcifs.SmbTree;
import jcifs.internal.dtyp.SecurityDescriptor;
import jcifs.internal.dtyp.SecurityInfo;
import jcifs.internal.smb2.Smb2Constants;
import jcifs.internal.smb2.create.Smb2CloseRequest;
import jcifs.internal.smb2.create.Smb2CreateRequest;
import jcifs.internal.smb2.create.Smb2CreateResponse;
import jcifs.internal.smb2.info.Smb2QueryInfoRequest;
import jcifs.internal.smb2.info.Smb2QueryInfoResponse;
import jcifs.internal.smb2.info.Smb2SetInfoRequest;
import jcifs.smb.NtStatus;
import jcifs.smb.SmbException;
import jcifs.smb.SmbFile;
import jcifs.smb.SmbSessionInternal;
import jcifs.smb.SmbTreeHandleInternal;
import jcifs.smb.SmbTreeInternal;

/**
 * The tools folders on {@code ADMIN$} (%WINDIR%\Temp\perfmetrics and its tools), where
 * BUILTIN\Users may create folders too (docs/tools-folders.md). Each folder is opened by its own
 * handle without following a reparse point ({@code FILE_OPEN_REPARSE_POINT}); one that already
 * exists must be a plain directory owned by the deploy account, Administrators or SYSTEM, else the
 * host is refused; then, on the same handle, its DACL is replaced by SYSTEM and Administrators with
 * full control, inherited by what is created inside, and protected from the parent's (inheritance
 * off).
 *
 * <p>jcifs-ng offers no call that sets a security descriptor, but sends any SMB2 request on a tree:
 * a CREATE, then QUERY_INFO and SET_INFO (info type SECURITY) on its file id, then CLOSE.
 */
final class SafeFolders {
  static final String SYSTEM = "S-1-5-18";
  static final String ADMINISTRATORS = "S-1-5-32-544";

  private static final int READ_CONTROL = 0x00020000;
  private static final int WRITE_DAC = 0x00040000;
  private static final int DELETE = 0x00010000;
  private static final int SYNCHRONIZE = 0x00100000;
  private static final int FILE_READ_ATTRIBUTES = 0x80;
  private static final int FILE_ALL_ACCESS = 0x001F01FF;
  private static final int ATTRIBUTE_DIRECTORY = 0x10;
  private static final int ATTRIBUTE_REPARSE_POINT = 0x400;
  private static final int FILE_CREATED = 2;

  private final SmbTreeInternal tree;
  private final Configuration config;
  private final String where;

  /** Who the deploy account's new files belong to, by the folder they are created in. */
  private final java.util.Map<String, String> deployOwner = new java.util.HashMap<>();

  private SafeFolders(SmbTreeInternal tree, Configuration config, String where) {
    this.tree = tree;
    this.config = config;
    this.where = where;
  }

  /** The tree of {@code share} (its session's ADMIN$ connection); close it after use. */
  static SafeFolders on(SmbFile share, String where) throws CIFSException {
    try (SmbTreeHandleInternal handle = (SmbTreeHandleInternal) share.getTreeHandle()) {
      SmbSessionInternal session = handle.getSession().unwrap(SmbSessionInternal.class);
      SmbTree t = session.getSmbTree(SmbTransport.SHARE, null);
      return new SafeFolders(t.unwrap(SmbTreeInternal.class), handle.getConfig(), where);
    }
  }

  /**
   * Creates (or checks) each folder of {@code path} below Temp in turn, e.g. {@code
   * Temp\perfmetrics\tools}, leaving each one with the protected DACL.
   */
  void prepare(List<String> folders) throws TransportException, CIFSException {
    for (String folder : folders) {
      Smb2CreateResponse open =
          create(
              folder,
              Smb2CreateRequest.FILE_OPEN_IF,
              Smb2CreateRequest.FILE_DIRECTORY_FILE | Smb2CreateRequest.FILE_OPEN_REPARSE_POINT,
              READ_CONTROL | WRITE_DAC | FILE_READ_ATTRIBUTES | SYNCHRONIZE);
      try {
        if (open.getCreateAction() != FILE_CREATED) {
          judge(folder, open);
        }
        Smb2SetInfoRequest set = new Smb2SetInfoRequest(config, open.getFileId());
        set.setInfoType(Smb2Constants.SMB2_0_INFO_SECURITY);
        set.setAdditionalInformation(SecurityInfo.DACL_SECURITY_INFO);
        set.setInfo(new ProtectedDacl(List.of(SYSTEM, ADMINISTRATORS)));
        tree.send(set);
      } finally {
        close(open);
      }
    }
  }

  /**
   * Checks an existing folder before the appliance writes into or deletes it; false when it does
   * not exist.
   */
  boolean check(String folder) throws TransportException, CIFSException {
    Smb2CreateResponse open;
    try {
      open =
          create(
              folder,
              Smb2CreateRequest.FILE_OPEN,
              Smb2CreateRequest.FILE_DIRECTORY_FILE | Smb2CreateRequest.FILE_OPEN_REPARSE_POINT,
              READ_CONTROL | FILE_READ_ATTRIBUTES | SYNCHRONIZE);
    } catch (SmbException e) {
      if (e.getNtStatus() == NtStatus.NT_STATUS_OBJECT_NAME_NOT_FOUND
          || e.getNtStatus() == NtStatus.NT_STATUS_OBJECT_PATH_NOT_FOUND) {
        return false;
      }
      throw e;
    }
    try {
      judge(folder, open);
      return true;
    } finally {
      close(open);
    }
  }

  private void judge(String folder, Smb2CreateResponse open)
      throws TransportException, CIFSException {
    int attributes = open.getFileAttributes();
    String owner = owner(open.getFileId());
    String shown =
        "%WINDIR%\\"
            + folder
            + ": owner "
            + owner
            + ", attributes 0x"
            + Integer.toHexString(attributes)
            + ": ";
    if ((attributes & ATTRIBUTE_REPARSE_POINT) != 0) {
      throw refused(shown + "a reparse point (junction or link)");
    }
    if ((attributes & ATTRIBUTE_DIRECTORY) == 0) {
      throw refused(shown + "not a directory");
    }
    String parent = folder.substring(0, folder.lastIndexOf('\\'));
    String me = deployOwner(parent);
    if (!Set.of(SYSTEM, ADMINISTRATORS, me).contains(owner)) {
      throw refused(
          shown + "owned by neither the deploy account (" + me + "), Administrators nor SYSTEM");
    }
  }

  private TransportException refused(String why) {
    return new TransportException(
        Kind.REMOTE_ERROR,
        where
            + ": refusing the tools folder "
            + why
            + " (another local user could have planted it; see docs/tools-folders.md)",
        null);
  }

  /**
   * Who owns what the deploy account creates in {@code parent} (already checked): the owner of a
   * probe file it creates there, deleted when closed. Windows makes the account or Administrators
   * the owner, depending on policy; Samba's answer also depends on the parent's ACL, hence a probe
   * beside the folder judged.
   */
  private String deployOwner(String parent) throws CIFSException {
    String known = deployOwner.get(parent);
    if (known != null) {
      return known;
    }
    byte[] random = new byte[8];
    new SecureRandom().nextBytes(random);
    Smb2CreateResponse probe =
        create(
            parent + "\\perfmetrics-owner-" + HexFormat.of().formatHex(random) + ".tmp",
            Smb2CreateRequest.FILE_CREATE,
            Smb2CreateRequest.FILE_NON_DIRECTORY_FILE | Smb2CreateRequest.FILE_DELETE_ON_CLOSE,
            DELETE | READ_CONTROL | FILE_READ_ATTRIBUTES | SYNCHRONIZE);
    try {
      String owner = owner(probe.getFileId());
      deployOwner.put(parent, owner);
      return owner;
    } finally {
      close(probe);
    }
  }

  private String owner(byte[] fileId) throws CIFSException {
    Smb2QueryInfoRequest q = new Smb2QueryInfoRequest(config, fileId);
    q.setInfoType(Smb2Constants.SMB2_0_INFO_SECURITY);
    q.setAdditionalInformation(SecurityInfo.OWNER_SECURITY_INFO);
    Smb2QueryInfoResponse r = tree.send(q);
    SecurityDescriptor sd = r.getInfo(SecurityDescriptor.class);
    return sd.getOwnerUserSid() == null ? "(none)" : sd.getOwnerUserSid().toString();
  }

  private Smb2CreateResponse create(String path, int disposition, int options, int access)
      throws CIFSException {
    Smb2CreateRequest c = new Smb2CreateRequest(config, path);
    c.setCreateDisposition(disposition);
    c.setCreateOptions(options);
    c.setDesiredAccess(access);
    c.setShareAccess(
        Smb2CreateRequest.FILE_SHARE_READ
            | Smb2CreateRequest.FILE_SHARE_WRITE
            | Smb2CreateRequest.FILE_SHARE_DELETE);
    c.setFileAttributes(0);
    return tree.send(c);
  }

  private void close(Smb2CreateResponse open) {
    try {
      tree.send(new Smb2CloseRequest(config, open.getFileId()));
    } catch (CIFSException e) {
      // the session ends with the deploy; an unclosed handle goes with it
    }
  }

  void release() {
    tree.close();
  }

  /**
   * A self-relative security descriptor with only a DACL, protected from inheritance, each SID
   * allowed full control, inherited by files and folders created inside.
   */
  record ProtectedDacl(List<String> sids) implements Encodable {
    @Override
    public int encode(byte[] dst, int at) {
      byte[] b = bytes();
      System.arraycopy(b, 0, dst, at, b.length);
      return b.length;
    }

    @Override
    public int size() {
      return bytes().length;
    }

    byte[] bytes() {
      ByteArrayOutputStream aces = new ByteArrayOutputStream();
      for (String sid : sids) {
        byte[] s = sid(sid);
        int size = 8 + s.length;
        aces.write(0); // ACCESS_ALLOWED_ACE_TYPE
        aces.write(0x03); // OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE
        le16(aces, size);
        le32(aces, FILE_ALL_ACCESS);
        aces.writeBytes(s);
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.write(1); // revision
      out.write(0);
      // SE_SELF_RELATIVE | SE_DACL_PROTECTED | SE_DACL_PRESENT
      le16(out, 0x8000 | 0x1000 | 0x0004);
      le32(out, 0); // owner
      le32(out, 0); // group
      le32(out, 0); // SACL
      le32(out, 20); // DACL right after this header
      out.write(2); // ACL revision
      out.write(0);
      le16(out, 8 + aces.size());
      le16(out, sids.size());
      le16(out, 0);
      out.writeBytes(aces.toByteArray());
      return out.toByteArray();
    }

    /** S-1-5-32-544 as MS-DTYP's binary SID. */
    static byte[] sid(String text) {
      String[] p = text.split("-", -1);
      if (p.length < 3 || !p[0].equals("S") || !p[1].equals("1")) {
        throw new IllegalArgumentException("not a SID: " + text);
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.write(1);
      out.write(p.length - 3);
      long authority = Long.parseLong(p[2]);
      for (int i = 5; i >= 0; i--) {
        out.write((int) (authority >>> (8 * i)) & 0xff);
      }
      for (int i = 3; i < p.length; i++) {
        le32(out, (int) Long.parseLong(p[i]));
      }
      return out.toByteArray();
    }

    private static void le16(ByteArrayOutputStream out, int v) {
      out.write(v & 0xff);
      out.write((v >>> 8) & 0xff);
    }

    private static void le32(ByteArrayOutputStream out, int v) {
      le16(out, v & 0xffff);
      le16(out, (v >>> 16) & 0xffff);
    }
  }
}
