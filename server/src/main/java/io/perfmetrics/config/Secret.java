package io.perfmetrics.config;

import java.util.Objects;

/** A value that must never reach a log line or an API answer: {@code toString} masks it. */
public record Secret(String value) {
  public Secret {
    Objects.requireNonNull(value, "value");
  }

  @Override
  public String toString() {
    return "****";
  }
}
