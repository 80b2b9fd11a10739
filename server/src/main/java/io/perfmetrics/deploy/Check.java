package io.perfmetrics.deploy;

/**
 * One thing a preflight looked at on a host.
 *
 * @param name what was checked (host_key, login, shell, http_client, tools_folder, ...)
 * @param result pass, warn, fail, or skip (an earlier failure made it impossible to tell)
 * @param detail what was found, with the numbers
 * @param fix for warn and fail: the sentence that says how to put it right; null otherwise
 */
public record Check(String name, String result, String detail, String fix) {
  public static final String PASS = "pass";
  public static final String WARN = "warn";
  public static final String FAIL = "fail";
  public static final String SKIP = "skip";

  public static Check pass(String name, String detail) {
    return new Check(name, PASS, detail, null);
  }

  public static Check warn(String name, String detail, String fix) {
    return new Check(name, WARN, detail, fix);
  }

  public static Check fail(String name, String detail, String fix) {
    return new Check(name, FAIL, detail, fix);
  }

  public static Check skip(String name, String why) {
    return new Check(name, SKIP, why, null);
  }
}
