package io.kanyan.recorder.stats;

import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The counters and histograms of one scope (everything, one inspector, one matter type) summed over some
 * buckets, and the figures the bureau reports computed from them.
 */
final class Tally {

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

  /**
   * The figures, as the API and the CSV give them. Minutes are the lower edge of the histogram bucket that holds
   * the nearest-rank percentile (buckets are named by that edge in seconds); shares are fractions (0-1, four places); null where nothing was counted.
   */
  JsonObject figures() {
    long concluded = get("concluded");
    long cancelled = get("cancelled");
    long firstConcluded = get("firstConcluded");
    return new JsonObject()
        .put("created", get("created"))
        .put("connected", get("connected"))
        .put("concluded", concluded)
        .put("cancelled", cancelled)
        .put("pass", get("pass"))
        .put("fail", get("fail"))
        .put("rectify", get("rectify"))
        .put("remoteShare", share(concluded, concluded + cancelled))
        .put("cases", total(durations))
        .put("medianMinutes", minutes(durations, 0.5))
        .put("p90Minutes", minutes(durations, 0.9))
        .put("waits", total(waits))
        .put("medianWaitMinutes", minutes(waits, 0.5))
        .put("firstConcluded", firstConcluded)
        .put("firstPass", get("firstPass"))
        .put("firstPassRate", share(get("firstPass"), firstConcluded))
        .put("reinspections", get("reinspections"))
        .put("reinspectionPass", get("reinspectionPass"));
  }

  private static Double share(long part, long whole) {
    return whole == 0 ? null : Math.round(10_000.0 * part / whole) / 10_000.0;
  }

  private static long total(TreeMap<Integer, Long> histogram) {
    return histogram.values().stream().mapToLong(Long::longValue).sum();
  }

  /** The nearest-rank percentile {@code q} of a histogram, in minutes, or null for an empty one. */
  static Double minutes(TreeMap<Integer, Long> histogram, double q) {
    long n = total(histogram);
    if (n == 0) {
      return null;
    }
    long rank = Math.max(1, (long) Math.ceil(q * n));
    long seen = 0;
    for (Map.Entry<Integer, Long> e : histogram.entrySet()) {
      seen += e.getValue();
      if (seen >= rank) {
        return e.getKey() / 60.0;
      }
    }
    throw new IllegalStateException("unreachable: rank " + rank + " beyond " + n);
  }
}
