package io.kanyan.recorder.bench;

import java.util.Arrays;

/** Latency samples in nanoseconds and their percentiles, for the benchmarks' printouts. */
final class Stats {

  private long[] samples;
  private int count;

  Stats(int capacity) {
    samples = new long[capacity];
  }

  void add(long nanos) {
    if (count == samples.length) {
      samples = Arrays.copyOf(samples, samples.length * 2);
    }
    samples[count++] = nanos;
  }

  int count() {
    return count;
  }

  double percentileMs(double p) {
    long[] sorted = Arrays.copyOf(samples, count);
    Arrays.sort(sorted);
    int index = (int) Math.min(count - 1, Math.ceil(p / 100.0 * count) - 1);
    return sorted[Math.max(0, index)] / 1e6;
  }

  String summary() {
    return String.format("n=%d p50=%.2f ms p99=%.2f ms max=%.2f ms", count, percentileMs(50), percentileMs(99),
        percentileMs(100));
  }
}
