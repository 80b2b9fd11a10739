package io.perfmetrics.deploy.smb;

import java.util.Map;

/**
 * Win32 error codes the Service Control Manager answers with, by name, for messages an admin can
 * act on.
 */
public final class WindowsError {
  private static final Map<Integer, String> NAMES =
      Map.ofEntries(
          Map.entry(0, "ERROR_SUCCESS"),
          Map.entry(2, "ERROR_FILE_NOT_FOUND"),
          Map.entry(5, "ERROR_ACCESS_DENIED"),
          Map.entry(6, "ERROR_INVALID_HANDLE"),
          Map.entry(87, "ERROR_INVALID_PARAMETER"),
          Map.entry(123, "ERROR_INVALID_NAME"),
          Map.entry(1053, "ERROR_SERVICE_REQUEST_TIMEOUT"),
          Map.entry(1056, "ERROR_SERVICE_ALREADY_RUNNING"),
          Map.entry(1057, "ERROR_INVALID_SERVICE_ACCOUNT"),
          Map.entry(1058, "ERROR_SERVICE_DISABLED"),
          Map.entry(1060, "ERROR_SERVICE_DOES_NOT_EXIST"),
          Map.entry(1062, "ERROR_SERVICE_NOT_ACTIVE"),
          Map.entry(1065, "ERROR_DATABASE_DOES_NOT_EXIST"),
          Map.entry(1072, "ERROR_SERVICE_MARKED_FOR_DELETE"),
          Map.entry(1073, "ERROR_SERVICE_EXISTS"),
          Map.entry(1078, "ERROR_DUPLICATE_SERVICE_NAME"),
          Map.entry(1115, "ERROR_SHUTDOWN_IN_PROGRESS"));

  private WindowsError() {}

  /** e.g. {@code ERROR_ACCESS_DENIED (5)}. */
  public static String name(int code) {
    String n = NAMES.get(code);
    return (n == null ? "Windows error" : n) + " (" + Integer.toUnsignedString(code) + ")";
  }
}
