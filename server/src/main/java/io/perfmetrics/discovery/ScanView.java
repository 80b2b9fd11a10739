package io.perfmetrics.discovery;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A scan's progress. {@code pacingBoundSeconds} is the least time the pacing allows for the paced
 * operations every address gets; {@code summary} says in words how it went against it. {@code
 * operations} counts what it has sent so far: an address is done only after all of its operations,
 * minutes apart at the default pacing, so for a while that count is the progress. {@code skipped}
 * counts the addresses left out, {@code skippedOwn} and {@code skippedExcluded} why (the
 * appliance's own, an excluded range); those two are null for scans made before they were kept.
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
    @Nullable Integer skippedOwn,
    @Nullable Integer skippedExcluded,
    long operations,
    Instant createdAt,
    Instant finishedAt,
    double elapsedSeconds,
    double pacingBoundSeconds,
    String summary) {}
