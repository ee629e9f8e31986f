package io.kanyan.recorder.audit;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * The outcome of verifying one inspection.
 *
 * @param problems sentences saying what was tampered with; empty when valid
 * @param passed   the checks that passed, in words
 * @param notes    facts that are not failures (events newer than the latest checkpoint, ...)
 */
public record Verdict(String inspectionId, List<String> problems, List<String> passed, List<String> notes) {

  public boolean valid() {
    return problems.isEmpty();
  }

  /** A human-readable report, one line per check, ending with VALID or TAMPERED. */
  public String describe() {
    StringBuilder out = new StringBuilder();
    passed.forEach(line -> out.append("[ok]   ").append(line).append('\n'));
    notes.forEach(line -> out.append("[note] ").append(line).append('\n'));
    problems.forEach(line -> out.append("[FAIL] ").append(line).append('\n'));
    out.append(valid() ? "VALID: inspection " + inspectionId + " is intact."
        : "TAMPERED: inspection " + inspectionId + ": " + problems.get(0));
    return out.append('\n').toString();
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("inspection", inspectionId)
        .put("valid", valid())
        .put("problems", new JsonArray(List.copyOf(problems)))
        .put("passed", new JsonArray(List.copyOf(passed)))
        .put("notes", new JsonArray(List.copyOf(notes)));
  }
}
