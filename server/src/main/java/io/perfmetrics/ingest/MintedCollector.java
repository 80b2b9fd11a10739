package io.perfmetrics.ingest;

import java.time.Instant;

/** The answer to minting: the only time the token is visible. */
public record MintedCollector(int id, String token, Instant expiresAt) {
  @Override
  public String toString() {
    return "MintedCollector[id=" + id + ", token=****, expiresAt=" + expiresAt + "]";
  }
}
