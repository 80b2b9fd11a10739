package io.perfmetrics.ingest;

import java.time.Instant;

/** A collector as the admin API shows it; the token never leaves the mint answer. */
public record CollectorRecord(
    int id,
    Long targetId,
    String label,
    String kind,
    String status,
    Instant createdAt,
    Instant expiresAt,
    Instant lastSeenAt,
    Instant retiredAt) {}
