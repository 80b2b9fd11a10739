package io.perfmetrics.testing;

import java.lang.management.ManagementFactory;

/**
 * The part of every fuzz target's contract that is not about the answer: one input is handled in
 * bounded time and allocates a bounded amount of memory. libFuzzer's own -timeout and -rss_limit_mb
 * (scripts/fuzz) catch the same while fuzzing; this also holds for the corpus run in scripts/test,
 * where no fuzzer watches.
 */
public final class FuzzContract {
  /** Far above any parser's honest cost for an input of a few KiB; catastrophic cases pass it. */
  static final long MAX_NANOS = 10_000_000_000L;

  static final long MAX_ALLOCATED_BYTES = 256L << 20;

  /** What a target does with one input; the parser's own checked exceptions are its to catch. */
  @FunctionalInterface
  public interface Action {
    void run() throws Exception;
  }

  private FuzzContract() {}

  public static void bounded(Action action) {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long allocatedBefore = threads.getCurrentThreadAllocatedBytes();
    long start = System.nanoTime();
    try {
      action.run();
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Exception e) {
      throw new AssertionError("the target let a checked exception through: " + e, e);
    }
    long nanos = System.nanoTime() - start;
    long allocated = threads.getCurrentThreadAllocatedBytes() - allocatedBefore;
    if (nanos > MAX_NANOS) {
      throw new AssertionError("one input took " + nanos / 1_000_000 + " ms");
    }
    if (allocated > MAX_ALLOCATED_BYTES) {
      throw new AssertionError("one input allocated " + (allocated >> 20) + " MiB");
    }
  }
}
