package io.perfmetrics.sizing;

/**
 * A host's CPU hour by hour over the window: the mean busy percentage of each hour, NaN for an hour
 * without samples. Enough for CPU credits, which are a balance over hours, not a peak.
 *
 * @param firstHour epoch hour of {@code busyPct[0]}
 */
public record CpuHours(long firstHour, double[] busyPct) {}
