package io.perfmetrics.discovery;

import java.time.Instant;

/**
 * A scan's progress. {@code pacingBoundSeconds} is the least time the pacing allows for the paced
 * operations every address gets; {@code summary} says in words how it went against it.
 */
public record ScanView(
    long id,
    String status,
    int total,
    int done,
    int found,
    int alive,
    int silent,
    int failures,
    int cancelled,
    int skipped,
    Instant createdAt,
    Instant finishedAt,
    double elapsedSeconds,
    double pacingBoundSeconds,
    String summary) {}
