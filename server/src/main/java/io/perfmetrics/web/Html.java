package io.perfmetrics.web;

/** Escaping for values placed into HTML text and quoted attribute values. */
public final class Html {
  private Html() {}

  /** Escapes {@code & < > " '}; null becomes the empty string. */
  public static String esc(Object value) {
    if (value == null) {
      return "";
    }
    String s = value.toString();
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> b.append("&amp;");
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }

  /** A hidden form field carrying the session's CSRF token. */
  public static String csrfField(String token) {
    return "<input type=\"hidden\" name=\"" + Csrf.FIELD + "\" value=\"" + esc(token) + "\">";
  }

  /** A one-button form that POSTs to {@code action} with the CSRF token. */
  public static String postButton(String action, String label, String token, String cssClass) {
    return "<form method=\"post\" action=\"" + esc(action) + "\" class=\"inline\">" + csrfField(token)
        + "<button type=\"submit\" class=\"" + esc(cssClass) + "\">" + esc(label) + "</button></form>";
  }
}
