package io.kanyan.recorder.log;

import io.kanyan.recorder.trail.Chain;
import java.util.List;
import java.util.Map;

/**
 * Whether a chain head extends the head the log committed: the events from the committed one to the new
 * one link and re-hash ({@link Chain#hashFields}), so nothing before the committed head can have changed.
 */
public final class Extension {

  private Extension() {
  }

  /**
   * @param events    consecutive stored events of the inspection, in stream order, that include event
   *                  {@code fromSeq} (or start at seq 1 when {@code fromSeq} is 0) and event {@code toSeq}
   * @param fromSeq   the committed seq, 0 when nothing was committed
   * @param fromHead  the committed head hash ({@link Chain#GENESIS} when nothing was committed)
   * @return null when event {@code toSeq} with hash {@code toHash} extends the committed head, otherwise a
   *     sentence saying where it breaks
   */
  public static String check(String inspection, List<Map<String, String>> events, long fromSeq, String fromHead,
      long toSeq, String toHash) {
    if (toSeq < fromSeq) {
      return "its chain head went backwards from event #" + fromSeq + " to #" + toSeq;
    }
    int start = -1;
    for (int i = 0; i < events.size(); i++) {
      if (Long.toString(fromSeq == 0 ? 1 : fromSeq).equals(events.get(i).get("seq"))) {
        start = i;
        break;
      }
    }
    if (start < 0) {
      return fromSeq == 0 ? "its trail has no event #1" : "event #" + fromSeq + ", which the log committed, is missing";
    }
    String prev = fromHead;
    long seq = fromSeq;
    if (fromSeq > 0) {
      if (!fromHead.equals(events.get(start).get("hash"))) {
        return "event #" + fromSeq + " is not the one the log committed: the chain was rewritten";
      }
      start++;
    }
    for (int i = start; i < events.size() && seq < toSeq; i++) {
      Map<String, String> e = events.get(i);
      seq++;
      if (!Long.toString(seq).equals(e.get("seq")) || !inspection.equals(e.get("inspection"))) {
        return "event #" + seq + " is missing or out of place after the committed event #" + fromSeq;
      }
      if (!prev.equals(e.get("prev"))) {
        return "event #" + seq + " does not link to event #" + (seq - 1);
      }
      String hash;
      try {
        hash = Chain.hashFields(e);
      } catch (NullPointerException missingField) {
        return "event #" + seq + " lacks a field";
      }
      if (!hash.equals(e.get("hash"))) {
        return "event #" + seq + " was altered: its hash does not match its content";
      }
      prev = hash;
    }
    if (seq != toSeq) {
      return "the trail ends at event #" + seq + " but its head says #" + toSeq;
    }
    if (!prev.equals(toHash)) {
      return "its chain head (event #" + toSeq + ") is not the last event of its trail";
    }
    return null;
  }
}
