package io.kanyan.signaling.catalog;

import io.kanyan.recorder.trail.TrailEvent;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An inspection's checklist as its trail tells it: the bound items ({@code checklist.bound}), the latest answer
 * per item ({@code checklist.answered}; a correction replaces the earlier answer), the item being checked now
 * ({@code checklist.current}), the snapshots taken, and the conclusion. The trail is the only source, so what
 * the desk, the auditor and the record show is what the trail proves.
 */
public final class ChecklistState {

  private JsonObject bound;
  private final Map<String, TrailEvent> answers = new LinkedHashMap<>();
  private final Map<String, JsonObject> snapshots = new LinkedHashMap<>();
  private final List<TrailEvent> corrections = new ArrayList<>();
  private String current;
  private JsonObject ended;

  public static ChecklistState of(List<TrailEvent> events) {
    ChecklistState s = new ChecklistState();
    for (TrailEvent e : events) {
      switch (e.type()) {
        case CHECKLIST_BOUND -> s.bound = e.payloadJson();
        case CHECKLIST_CURRENT -> s.current = e.payloadJson().getString("itemId");
        case CHECKLIST_ANSWERED -> {
          TrailEvent before = s.answers.put(e.payloadJson().getString("itemId"), e);
          if (before != null) {
            s.corrections.add(before);
          }
        }
        case SNAPSHOT_TAKEN -> s.snapshots.put(e.id(), e.payloadJson());
        case INSPECTION_ENDED -> s.ended = e.payloadJson();
        default -> {
        }
      }
    }
    return s;
  }

  /** Whether the inspection has a checklist (inspections created before the catalogue have none). */
  public boolean bound() {
    return bound != null;
  }

  public JsonObject boundPayload() {
    return bound;
  }

  public int version() {
    return bound.getInteger("checklistVersion");
  }

  public String matterCode() {
    return bound.getString("matterCode");
  }

  /** The bound items, in order. */
  public List<JsonObject> items() {
    List<JsonObject> out = new ArrayList<>();
    JsonArray list = bound.getJsonArray("items");
    for (int i = 0; i < list.size(); i++) {
      out.add(list.getJsonObject(i));
    }
    return out;
  }

  public JsonObject item(String id) {
    return items().stream().filter(i -> i.getString("id").equals(id)).findFirst().orElse(null);
  }

  /** The latest answer event of an item, or null. */
  public TrailEvent answer(String itemId) {
    return answers.get(itemId);
  }

  public String current() {
    return current;
  }

  /** Snapshot events by event id ({@code snapshot:<id>}). */
  public Map<String, JsonObject> snapshots() {
    return snapshots;
  }

  public JsonObject ended() {
    return ended;
  }

  /** Required items with no answer yet. */
  public List<String> unanswered() {
    return items().stream().filter(i -> i.getBoolean("required", true))
        .map(i -> i.getString("id")).filter(id -> !answers.containsKey(id)).toList();
  }

  /** Items whose latest answer is "not_conforms". */
  public List<String> nonConforming() {
    return answers.entrySet().stream()
        .filter(e -> "not_conforms".equals(e.getValue().payloadJson().getString("result")))
        .map(Map.Entry::getKey).toList();
  }

  /** Required items whose latest answer is "not_conforms". */
  public List<String> requiredNonConforming() {
    return nonConforming().stream().filter(id -> item(id) != null && item(id).getBoolean("required", true)).toList();
  }

  /** The JSON the desk and the auditor read: items with their latest answer and how often it was corrected. */
  public JsonObject toJson() {
    JsonObject out = new JsonObject().put("bound", bound());
    if (!bound()) {
      return out;
    }
    JsonArray list = new JsonArray();
    for (JsonObject item : items()) {
      JsonObject entry = item.copy();
      TrailEvent a = answers.get(item.getString("id"));
      if (a != null) {
        entry.put("answer", a.payloadJson().put("time", a.time().toString()).put("eventId", a.id())
            .put("seq", a.seq()).put("actor", a.actor()));
        entry.put("corrections", corrections.stream()
            .filter(c -> item.getString("id").equals(c.payloadJson().getString("itemId"))).count());
      }
      list.add(entry);
    }
    out.put("matterCode", bound.getString("matterCode")).put("matterName", bound.getString("matterName"))
        .put("checklistVersion", version()).put("items", list).put("current", current);
    if (bound.getString("reinspectionOf") != null) {
      out.put("reinspectionOf", bound.getString("reinspectionOf"));
    }
    if (ended != null) {
      out.put("conclusion", ended.getString("conclusion"));
      if (ended.getValue("rectifyItems") != null) {
        out.put("rectifyItems", ended.getJsonArray("rectifyItems")).put("rectifyDeadline",
            ended.getString("rectifyDeadline"));
      }
    }
    return out;
  }
}
