package io.perfmetrics.ingest;

/** What the receiver learns from a collector's token. */
public sealed interface CollectorAuth {
  /** May store samples. */
  record Accepted(int collectorId) implements CollectorAuth {}

  /** No such collector, or the secret does not match: 401. */
  record Unknown() implements CollectorAuth {}

  /** Past its TTL or retired by an admin: 410, and the collector stops. */
  record Gone(int collectorId, String reason) implements CollectorAuth {}
}
