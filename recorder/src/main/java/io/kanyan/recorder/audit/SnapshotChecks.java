package io.kanyan.recorder.audit;

import io.kanyan.recorder.recording.Snapshots;
import io.kanyan.recorder.trail.EventType;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The parts of a {@code snapshot.taken} event beyond its original file: the watermarked display copy
 * ({@value #DISPLAY_FILE}, {@value #DISPLAY_SHA256}) must exist with that SHA-256, and the location printed
 * on it ({@code location}, {@value #LOCATION_SEQ}) must be a {@code location.fix} that went on the trail
 * before it. Blocking (hashes files).
 */
public final class SnapshotChecks {

  /** Payload field of {@code snapshot.taken}: the watermarked copy's path relative to the data directory. */
  public static final String DISPLAY_FILE = Snapshots.DISPLAY_FILE;
  /** Payload field of {@code snapshot.taken}: the watermarked copy's lowercase hex SHA-256. */
  public static final String DISPLAY_SHA256 = Snapshots.DISPLAY_SHA256;
  /** Payload field of {@code snapshot.taken}: the seq of the {@code location.fix} printed on it. */
  public static final String LOCATION_SEQ = Snapshots.LOCATION_SEQ;

  private SnapshotChecks() {
  }

  /** Adds a problem for each display copy or location that does not match the trail. */
  public static void check(Evidence evidence, Verdict verdict) {
    int copies = 0;
    List<Map<String, String>> events = evidence.events();
    for (Map<String, String> event : events) {
      if (!EventType.SNAPSHOT_TAKEN.code().equals(event.get("type"))) {
        continue;
      }
      JsonObject payload = CaseBinding.payload(event);
      String label = "event #" + event.get("seq") + " (snapshot.taken)";
      if (payload.getValue(DISPLAY_SHA256) instanceof String expected
          && payload.getValue(DISPLAY_FILE) instanceof String file) {
        try {
          String actual = evidence.files().sha256(file);
          if (actual == null) {
            verdict.problems().add("the watermarked copy " + file + " of " + label + " is missing");
          } else if (!actual.equalsIgnoreCase(expected)) {
            verdict.problems().add("the watermarked copy " + file + " of " + label + " was swapped or altered: its "
                + "SHA-256 is " + actual + " but the trail recorded " + expected);
          } else {
            copies++;
          }
        } catch (IOException | UncheckedIOException e) {
          verdict.problems().add("the watermarked copy " + file + " of " + label + " cannot be read: " + e.getMessage());
        }
      }
      if (payload.getValue(LOCATION_SEQ) instanceof Number seq) {
        checkLocation(events, event, payload, seq.longValue(), label, verdict);
      }
    }
    if (copies > 0) {
      verdict.passed().add("display copies: " + copies + " watermarked snapshot(s) match the hashes on the trail");
    }
  }

  private static void checkLocation(List<Map<String, String>> events, Map<String, String> snapshot,
      JsonObject payload, long seq, String label, Verdict verdict) {
    long own;
    try {
      own = Long.parseLong(snapshot.get("seq"));
    } catch (NumberFormatException malformed) {
      return; // the chain check reports a malformed seq
    }
    Map<String, String> fix = seq >= 1 && seq < own && seq <= events.size() ? events.get((int) seq - 1) : null;
    if (fix == null || !EventType.LOCATION_FIX.code().equals(fix.get("type"))) {
      verdict.problems().add(label + " names location event #" + seq + ", which is not an earlier location.fix");
      return;
    }
    JsonObject shown = payload.getJsonObject("location", new JsonObject());
    JsonObject recorded = CaseBinding.payload(fix);
    for (String field : List.of("lat", "lng")) {
      if (!Objects.equals(num(shown.getValue(field)), num(recorded.getValue(field)))) {
        verdict.problems().add(label + " shows location " + field + " " + shown.getValue(field) + " but its location.fix, "
            + "event #" + seq + ", recorded " + recorded.getValue(field) + ": it was altered");
      }
    }
  }

  private static Double num(Object value) {
    return value instanceof Number n ? n.doubleValue() : null;
  }
}
