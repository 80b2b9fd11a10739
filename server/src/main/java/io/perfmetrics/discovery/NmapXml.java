package io.perfmetrics.discovery;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads nmap's best OS match from its XML output (-oX). */
final class NmapXml {
  private static final Pattern MATCH =
      Pattern.compile("<osmatch name=\"([^\"]*)\" accuracy=\"(\\d{1,3})\"");
  private static final Pattern FAMILY = Pattern.compile("<osclass [^>]*osfamily=\"([^\"]*)\"");

  private NmapXml() {}

  static Network.NmapResult parse(String xml) {
    Matcher m = MATCH.matcher(xml);
    if (!m.find()) {
      return new Network.NmapResult("unknown", null, 0, "nmap found no OS match");
    }
    String name = unescape(m.group(1));
    int accuracy = Integer.parseInt(m.group(2));
    Matcher f = FAMILY.matcher(xml.substring(m.start()));
    String fam = f.find() ? f.group(1).toLowerCase(Locale.ROOT) : name.toLowerCase(Locale.ROOT);
    String family =
        fam.contains("windows")
            ? "windows"
            : fam.matches(".*(linux|bsd|unix|solaris|mac os|ios|aix|hp-ux).*") ? "unix" : "unknown";
    return new Network.NmapResult(family, name, accuracy, null);
  }

  private static String unescape(String s) {
    return s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
  }
}
