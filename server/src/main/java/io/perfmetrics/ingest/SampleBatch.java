package io.perfmetrics.ingest;

/**
 * Samples of one request, column-wise so that a batch of thousands costs four arrays, not thousands
 * of objects.
 */
public record SampleBatch(
    int collectorId, int size, long[] epochSeconds, short[] metricIds, double[] values) {}
