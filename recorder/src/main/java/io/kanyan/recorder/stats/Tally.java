package io.kanyan.recorder.stats;

import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The counters and histograms of one scope (everything, one inspector, one matter type) summed over some
 * buckets, their reduction to what the figures need, and the figures the bureau reports.
 *
 * <p>{@code read.lua} does the same reduction inside Redis (only the reduced figures cross the network); this class
 * is its definition in Java, which the tests compute from the raw buckets and compare with the script's answer.
 * A reduced scope is {@link #REDUCED} numbers: the counters of {@link #METRICS} in that order, then the number of
 * durations and the histogram buckets (lower edge, seconds) of their median and p90, then the number of waits and
 * the bucket of their median; -1 for the bucket of an empty histogram.
 */
final class Tally {

  static final List<String> METRICS = List.of("created", "connected", "concluded", "cancelled", "pass", "fail",
      "rectify", "firstConcluded", "firstPass", "reinspections", "reinspectionPass");
  static final int CASES = METRICS.size();
  static final int WAITS = CASES + 3;
  static final int REDUCED = WAITS + 2;

  private final Map<String, Long> counts = new HashMap<>();
  private final TreeMap<Integer, Long> durations = new TreeMap<>();
  private final TreeMap<Integer, Long> waits = new TreeMap<>();

  void count(String metric, long n) {
    counts.merge(metric, n, Long::sum);
  }

  void duration(int bucket, long n) {
    durations.merge(bucket, n, Long::sum);
  }

  void wait(int bucket, long n) {
    waits.merge(bucket, n, Long::sum);
  }

  /** Adds another tally's counts and histograms to this one. */
  void add(Tally other) {
    other.counts.forEach(this::count);
    other.durations.forEach(this::duration);
    other.waits.forEach(this::wait);
  }

  long get(String metric) {
    return counts.getOrDefault(metric, 0L);
  }

  /** This scope reduced (see the class comment), as read.lua reduces it. */
  long[] reduced() {
    long[] v = new long[REDUCED];
    for (int i = 0; i < METRICS.size(); i++) {
      v[i] = get(METRICS.get(i));
    }
    v[CASES] = total(durations);
    v[CASES + 1] = edge(durations, 0.5);
    v[CASES + 2] = edge(durations, 0.9);
    v[WAITS] = total(waits);
    v[WAITS + 1] = edge(waits, 0.5);
    return v;
  }

  /** The figures of this scope. */
  JsonObject figures() {
    return figures(reduced());
  }

  /**
   * The figures of a reduced scope, as the API and the CSV give them. Minutes are the lower edge of the histogram
   * bucket that holds the nearest-rank percentile (buckets are named by that edge in seconds); shares are fractions
   * (0-1, four places); null where nothing was counted.
   */
  static JsonObject figures(long[] v) {
    long concluded = v[METRICS.indexOf("concluded")];
    long cancelled = v[METRICS.indexOf("cancelled")];
    long firstConcluded = v[METRICS.indexOf("firstConcluded")];
    JsonObject out = new JsonObject();
    for (String metric : List.of("created", "connected", "concluded", "cancelled", "pass", "fail", "rectify")) {
      out.put(metric, v[METRICS.indexOf(metric)]);
    }
    return out
        .put("remoteShare", share(concluded, concluded + cancelled))
        .put("cases", v[CASES])
        .put("medianMinutes", minutes(v[CASES + 1]))
        .put("p90Minutes", minutes(v[CASES + 2]))
        .put("waits", v[WAITS])
        .put("medianWaitMinutes", minutes(v[WAITS + 1]))
        .put("firstConcluded", firstConcluded)
        .put("firstPass", v[METRICS.indexOf("firstPass")])
        .put("firstPassRate", share(v[METRICS.indexOf("firstPass")], firstConcluded))
        .put("reinspections", v[METRICS.indexOf("reinspections")])
        .put("reinspectionPass", v[METRICS.indexOf("reinspectionPass")]);
  }

  private static Double minutes(long edge) {
    return edge < 0 ? null : edge / 60.0;
  }

  private static Double share(long part, long whole) {
    return whole == 0 ? null : Math.round(10_000.0 * part / whole) / 10_000.0;
  }

  private static long total(TreeMap<Integer, Long> histogram) {
    return histogram.values().stream().mapToLong(Long::longValue).sum();
  }

  /** The nearest-rank percentile {@code q} of a histogram, in minutes, or null for an empty one. */
  static Double minutes(TreeMap<Integer, Long> histogram, double q) {
    return minutes(edge(histogram, q));
  }

  /** The bucket (its lower edge) that holds the nearest-rank percentile {@code q}, or -1 for an empty histogram. */
  static long edge(TreeMap<Integer, Long> histogram, double q) {
    long n = total(histogram);
    if (n == 0) {
      return -1;
    }
    long rank = Math.max(1, (long) Math.ceil(q * n));
    long seen = 0;
    for (Map.Entry<Integer, Long> e : histogram.entrySet()) {
      seen += e.getValue();
      if (seen >= rank) {
        return e.getKey();
      }
    }
    throw new IllegalStateException("unreachable: rank " + rank + " beyond " + n);
  }
}
