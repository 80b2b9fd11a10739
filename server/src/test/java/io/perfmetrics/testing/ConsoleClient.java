package io.perfmetrics.testing;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** A browser without a browser: logs into the console, keeps its session cookie, posts forms. */
public final class ConsoleClient {
  private static final Pattern CSRF =
      Pattern.compile("<meta name=\"csrf-token\" content=\"([^\"]+)\">");
  private final TestAppliance appliance;
  public String cookie;
  public String csrf;

  public ConsoleClient(TestAppliance appliance) {
    this.appliance = appliance;
  }

  public HttpResponse<String> login(String username, String password) {
    HttpResponse<String> r =
        form(null, "/login", Map.of("username", username, "password", password, "next", "/"));
    r.headers().firstValue("Set-Cookie").ifPresent(c -> cookie = c.substring(0, c.indexOf(';')));
    if (r.statusCode() == 303) {
      csrf = csrfOf(get("/").body());
    }
    return r;
  }

  public ConsoleClient loggedIn() {
    HttpResponse<String> r = login("admin", TestAppliance.ADMIN_PASSWORD);
    if (r.statusCode() != 303) {
      throw new AssertionError("login answered " + r.statusCode() + ": " + r.body());
    }
    return this;
  }

  public static String csrfOf(String html) {
    Matcher m = CSRF.matcher(html);
    return m.find() ? m.group(1) : null;
  }

  public HttpResponse<String> get(String path) {
    HttpRequest.Builder b = HttpRequest.newBuilder(appliance.uri(path)).GET();
    if (cookie != null) {
      b.header("Cookie", cookie);
    }
    return appliance.send(b);
  }

  /** A form POST as a browser sends it; {@code csrf} is added as given (null: none). */
  public HttpResponse<String> form(String csrfToken, String path, Map<String, String> fields) {
    Map<String, String> all = new LinkedHashMap<>(fields);
    if (csrfToken != null) {
      all.put("csrf", csrfToken);
    }
    String body =
        all.entrySet().stream()
            .map(
                e ->
                    URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)
                        + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
            .collect(Collectors.joining("&"));
    HttpRequest.Builder b =
        HttpRequest.newBuilder(appliance.uri(path))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (cookie != null) {
      b.header("Cookie", cookie);
    }
    return appliance.send(b);
  }

  /** A JSON call with the session cookie, as the console's scripts make it. */
  public HttpResponse<String> json(String method, String path, String body, String csrfHeader) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(appliance.uri(path))
            .header("Content-Type", "application/json")
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (cookie != null) {
      b.header("Cookie", cookie);
    }
    if (csrfHeader != null) {
      b.header("X-CSRF-Token", csrfHeader);
    }
    return appliance.send(b);
  }

  public URI uri(String path) {
    return appliance.uri(path);
  }
}
