package io.kanyan.signaling.catalog;

import io.kanyan.signaling.Problem;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A matter type of the catalogue (事项) with one version of its checklist.
 *
 * @param code           stable key (letters, digits, '-', '_')
 * @param remoteAllowed  whether this matter may be inspected remotely; inspections of other matters are refused
 * @param example        shipped as an example to adapt, not as a bureau's published standard
 * @param version        the checklist version, 1.. ; editing the items makes the next one
 */
public record Matter(String code, String name, String description, boolean remoteAllowed, boolean example,
    int version, List<ChecklistItem> items) {

  static final int MAX_ITEMS = 200;
  private static final Pattern CODE = Pattern.compile("[A-Za-z0-9_-]{1,40}");

  /** Reads and checks a matter as an admin sends it (its version, if any, is ignored: the store assigns it). */
  public static Matter from(Object value, String where) {
    if (!(value instanceof JsonObject json)) {
      throw Problem.badRequest("bad_json", where + " must be a JSON object");
    }
    String code = Texts.required(json, "code", 40, where);
    if (!CODE.matcher(code).matches()) {
      throw Problem.badRequest("bad_field", where + ": code may hold only letters, digits, '-' and '_'");
    }
    String at = "matter " + code;
    if (!(json.getValue("items") instanceof JsonArray list) || list.isEmpty()) {
      throw Problem.badRequest("missing_field", at + ": items must be a non-empty list of checklist items");
    }
    if (list.size() > MAX_ITEMS) {
      throw Problem.badRequest("bad_field", at + ": a checklist holds at most " + MAX_ITEMS + " items");
    }
    List<ChecklistItem> items = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < list.size(); i++) {
      ChecklistItem item = ChecklistItem.from(list.getValue(i), at + ", item " + (i + 1));
      if (!ids.add(item.id())) {
        throw Problem.badRequest("bad_field", at + ": item id '" + item.id() + "' is used twice");
      }
      items.add(item);
    }
    String description = Texts.optional(json, "description", 2000, at);
    return new Matter(code, Texts.required(json, "name", 100, at), description == null ? "" : description,
        Texts.flag(json, "remoteAllowed", true, at), Texts.flag(json, "example", false, at), 0, List.copyOf(items));
  }

  public Matter withVersion(int v) {
    return new Matter(code, name, description, remoteAllowed, example, v, items);
  }

  /** The facts without the items. */
  public JsonObject headJson() {
    return new JsonObject().put("code", code).put("name", name).put("description", description)
        .put("remoteAllowed", remoteAllowed).put("example", example).put("version", version);
  }

  public JsonArray itemsJson() {
    JsonArray list = new JsonArray();
    items.forEach(i -> list.add(i.toJson()));
    return list;
  }

  public JsonObject toJson() {
    return headJson().put("items", itemsJson());
  }

  public ChecklistItem item(String id) {
    return items.stream().filter(i -> i.id().equals(id)).findFirst().orElse(null);
  }

  /** A matter as stored: its head fields and the items of its version. */
  static Matter stored(JsonObject head, JsonArray items) {
    List<ChecklistItem> list = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      JsonObject it = items.getJsonObject(i);
      list.add(new ChecklistItem(it.getString("id"), it.getString("title"), it.getString("guidance", ""),
          it.getBoolean("required", true), it.getBoolean("photoRequired", false),
          it.getString("answerType", ChecklistItem.CONFORMANCE), it.getString("unit")));
    }
    return new Matter(head.getString("code"), head.getString("name"), head.getString("description", ""),
        head.getBoolean("remoteAllowed", true), head.getBoolean("example", false), head.getInteger("version", 1),
        List.copyOf(list));
  }
}
