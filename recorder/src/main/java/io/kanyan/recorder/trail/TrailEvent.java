package io.kanyan.recorder.trail;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One event of an inspection's trail, exactly as stored. {@code payload} is kept as the JSON text that
 * was hashed, so verification never depends on re-encoding it.
 *
 * @param id        caller-chosen unique id; a retried append with the same id is a no-op
 * @param seq       1-based position in the inspection's chain
 * @param actor     who caused it: {@code user:<name>}, {@code applicant}, {@code system}
 * @param time      server time, millisecond precision, UTC
 * @param prevHash  hash of the previous event, or {@link Chain#GENESIS} for the first
 * @param hash      {@link Chain#hash} of this event
 */
public record TrailEvent(
    String id,
    String inspectionId,
    long seq,
    EventType type,
    String actor,
    Instant time,
    String payload,
    String prevHash,
    String hash) {

  public JsonObject payloadJson() {
    return new JsonObject(payload);
  }

  /** The fields as stored in the Redis stream entry, in a fixed order. */
  public Map<String, String> toFields() {
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("id", id);
    fields.put("inspection", inspectionId);
    fields.put("seq", Long.toString(seq));
    fields.put("type", type.code());
    fields.put("actor", actor);
    fields.put("time", Chain.formatTime(time));
    fields.put("payload", payload);
    fields.put("prev", prevHash);
    fields.put("hash", hash);
    return fields;
  }

  public static TrailEvent fromFields(Map<String, String> f) {
    return new TrailEvent(f.get("id"), f.get("inspection"), Long.parseLong(f.get("seq")),
        EventType.fromCode(f.get("type")), f.get("actor"), Instant.parse(f.get("time")),
        f.get("payload"), f.get("prev"), f.get("hash"));
  }

  /** The JSON form used by the API and the JSON-lines export. */
  public JsonObject toJson() {
    return new JsonObject()
        .put("id", id)
        .put("inspection", inspectionId)
        .put("seq", seq)
        .put("type", type.code())
        .put("actor", actor)
        .put("time", Chain.formatTime(time))
        .put("payload", payload)
        .put("prev", prevHash)
        .put("hash", hash);
  }

  public static TrailEvent fromJson(JsonObject json) {
    return new TrailEvent(json.getString("id"), json.getString("inspection"), json.getLong("seq"),
        EventType.fromCode(json.getString("type")), json.getString("actor"),
        Instant.parse(json.getString("time")), json.getString("payload"), json.getString("prev"),
        json.getString("hash"));
  }
}
