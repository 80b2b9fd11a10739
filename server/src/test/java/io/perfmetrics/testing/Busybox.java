package io.perfmetrics.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** The machine's BusyBox, which tests run as a minimal host's shell and tools (Alpine). */
public final class Busybox {
  private Busybox() {}

  /** Its path; fails loudly where it is missing (scripts/test installs it). */
  public static Path path() {
    return Stream.of("/bin/busybox", "/usr/bin/busybox")
        .map(Path::of)
        .filter(Files::isExecutable)
        .findFirst()
        .orElseThrow(
            () -> new IllegalStateException("busybox is missing: install it (scripts/test does)"));
  }
}
