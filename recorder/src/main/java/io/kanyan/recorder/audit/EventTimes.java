package io.kanyan.recorder.audit;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The time rules of a trail (see {@code recorder/TRAIL.md}, section 7): every event's {@code time} is in
 * the one stored format, times never go backwards along the chain (the append script refuses that, so a
 * time earlier than its predecessor's was written around it: back-dated), and no event is later than a
 * signed tree head that commits it (the commitment log cannot commit what had not happened yet).
 */
public final class EventTimes {

  /** The stored time format: {@code yyyy-MM-ddTHH:mm:ss.SSSZ}, fixed width, so string order is time order. */
  private static final Pattern FORMAT = Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z");

  /** One commitment of a chain prefix: events #1..seq were committed at {@code time} by {@code what}. */
  public record Commitment(long seq, Instant time, String what) {
  }

  private EventTimes() {
  }

  /**
   * Checks the times of {@code events} (stored strings, in chain order) and adds problems, or one passed
   * line, to {@code verdict}.
   *
   * @param commitments one per committed leaf of this chain, each dated by a tree head that includes it (none
   *                    when not committed yet)
   */
  public static void check(List<Map<String, String>> events, List<Commitment> commitments, Verdict verdict) {
    int before = verdict.problems().size();
    String first = null;
    String previous = null;
    for (int i = 0; i < events.size(); i++) {
      String time = events.get(i).get("time");
      String label = "event #" + (i + 1) + " (" + events.get(i).get("type") + ")";
      if (time == null || !FORMAT.matcher(time).matches()) {
        verdict.problems().add(label + " has the time '" + time + "', not in the stored format: it was altered");
        return;
      }
      if (first == null) {
        first = time;
      } else if (time.compareTo(first) < 0) {
        verdict.problems().add(label + " is dated " + time + ", before the inspection was created (" + first
            + ", event #1): it was back-dated");
      } else if (time.compareTo(previous) < 0) {
        verdict.problems().add(label + " is dated " + time + ", earlier than event #" + i + " (" + previous
            + "): event times went backwards, it was back-dated");
      }
      previous = time;
    }
    for (Commitment c : commitments) {
      int last = (int) Math.min(c.seq(), events.size());
      if (last < 1) {
        continue;
      }
      String time = events.get(last - 1).get("time");
      Instant committedAt = c.time();
      if (Instant.parse(time).isAfter(committedAt)) {
        verdict.problems().add("event #" + last + " is dated " + time + ", later than " + c.what() + " ("
            + committedAt + ") that commits it: its time was altered");
      }
    }
    if (verdict.problems().size() == before && !events.isEmpty()) {
      verdict.passed().add("times: " + events.size() + " event times never go backwards"
          + (commitments.isEmpty() ? "" : " and none is later than the tree head that commits it"));
    }
  }
}
