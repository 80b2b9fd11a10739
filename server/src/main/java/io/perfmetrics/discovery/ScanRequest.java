package io.perfmetrics.discovery;

import java.util.List;

/** What an admin asks to scan. */
public record ScanRequest(List<String> targets, List<String> exclude, boolean force) {
  public ScanRequest {
    targets = targets == null ? List.of() : List.copyOf(targets);
    exclude = exclude == null ? List.of() : List.copyOf(exclude);
  }
}
