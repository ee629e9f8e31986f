package io.kanyan.signaling.booking;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Map;

/**
 * An inspector's availability slot, for one inspection (capacity 1).
 *
 * @param id          a lowercase UUID
 * @param inspector   whose time it is
 * @param start       when it starts
 * @param end         when it ends
 * @param publishedBy who published it ({@code user:<name>}: the inspector, or the desk's admin)
 * @param inspection  the inspection booked into it, or null while it is free
 */
public record Slot(String id, String inspector, Instant start, Instant end, String publishedBy, String inspection) {

  /** A slot as Redis holds it ({@code kanyan:slot:<id>}); null for a hash that is gone. */
  static Slot from(Map<String, String> h) {
    if (h == null || h.get("inspector") == null) {
      return null;
    }
    return new Slot(h.get("id"), h.get("inspector"), Instant.ofEpochMilli(Long.parseLong(h.get("start"))),
        Instant.ofEpochMilli(Long.parseLong(h.get("end"))), h.get("publishedBy"), h.get("inspection"));
  }

  public boolean free() {
    return inspection == null;
  }

  /** As staff see it: with the booked inspection's id. */
  public JsonObject toJson() {
    return forApplicant().put("inspector", inspector).put("publishedBy", publishedBy).put("inspection", inspection);
  }

  /** As an applicant sees it: only when (and that it is free). */
  public JsonObject forApplicant() {
    return new JsonObject().put("id", id).put("start", start.toString()).put("end", end.toString())
        .put("free", free());
  }
}
