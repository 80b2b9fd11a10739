package io.perfmetrics.cli;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A path of the admin API with its query, built from what the user typed: a host name or a filter
 * value may hold any character, so each goes in percent-encoded, and an option not given is left
 * out.
 */
final class ApiPath {
  private final StringBuilder path;
  private final List<String> query = new ArrayList<>();

  private ApiPath(String path) {
    this.path = new StringBuilder(path);
  }

  static ApiPath of(String path) {
    return new ApiPath(path);
  }

  /** One more segment, when there is one. */
  ApiPath segment(@Nullable Object value) {
    if (value != null) {
      path.append('/')
          .append(URLEncoder.encode(value.toString(), StandardCharsets.UTF_8).replace("+", "%20"));
    }
    return this;
  }

  /** {@code name=value}, when there is a value. */
  ApiPath param(String name, @Nullable Object value) {
    if (value != null) {
      query.add(name + "=" + URLEncoder.encode(value.toString(), StandardCharsets.UTF_8));
    }
    return this;
  }

  /** {@code name=value} when {@code on} (a switch such as --csv). */
  ApiPath param(String name, String value, boolean on) {
    return on ? param(name, value) : this;
  }

  @Override
  public String toString() {
    return query.isEmpty() ? path.toString() : path + "?" + String.join("&", query);
  }
}
