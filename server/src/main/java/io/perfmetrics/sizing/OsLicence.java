package io.perfmetrics.sizing;

import java.util.Locale;

/** Whether the price includes a Windows Server licence. */
public enum OsLicence {
  LINUX,
  WINDOWS;

  public String param() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static OsLicence parse(String s) {
    for (OsLicence o : values()) {
      if (o.param().equalsIgnoreCase(s)) {
        return o;
      }
    }
    return null;
  }

  /**
   * From the inventory's os family: Windows hosts need the licence, everything else runs Linux
   * prices.
   */
  public static OsLicence ofFamily(String osFamily) {
    return osFamily != null && osFamily.toLowerCase(Locale.ROOT).startsWith("win")
        ? WINDOWS
        : LINUX;
  }
}
