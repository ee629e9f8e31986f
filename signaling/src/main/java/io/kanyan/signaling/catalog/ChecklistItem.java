package io.kanyan.signaling.catalog;

import io.kanyan.signaling.Problem;
import io.vertx.core.json.JsonObject;
import java.util.regex.Pattern;

/**
 * One item of a matter's checklist, as published and as bound to an inspection.
 *
 * @param id            stable within its matter (letters, digits, '-', '_', '.'); answers name it
 * @param guidance      what to show and how, read by the applicant before and during the call
 * @param photoRequired an answer needs at least one snapshot linked to the item
 * @param answerType    {@code conformance} (conforms / not_conforms / not_applicable) or {@code measure}
 * @param unit          the unit of a measured value (for example m²); null for conformance items
 */
public record ChecklistItem(String id, String title, String guidance, boolean required, boolean photoRequired,
    String answerType, String unit) {

  public static final String CONFORMANCE = "conformance";
  public static final String MEASURE = "measure";
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_.-]{1,40}");

  public boolean measured() {
    return MEASURE.equals(answerType);
  }

  /** Reads and checks one item; {@code where} names it in errors ("item 3 of food-business"). */
  public static ChecklistItem from(Object value, String where) {
    if (!(value instanceof JsonObject json)) {
      throw Problem.badRequest("bad_field", where + " must be a JSON object");
    }
    String id = Texts.required(json, "id", 40, where);
    if (!ID.matcher(id).matches()) {
      throw Problem.badRequest("bad_field", where + ": id may hold only letters, digits, '-', '_' and '.'");
    }
    String type = Texts.optional(json, "answerType", 20, where);
    type = type == null ? CONFORMANCE : type;
    if (!type.equals(CONFORMANCE) && !type.equals(MEASURE)) {
      throw Problem.badRequest("bad_field", where + ": answerType must be conformance or measure");
    }
    String unit = Texts.optional(json, "unit", 20, where);
    if (type.equals(MEASURE) && unit == null) {
      throw Problem.badRequest("missing_field", where + ": a measure item needs its unit (for example m²)");
    }
    return new ChecklistItem(id, Texts.required(json, "title", 200, where),
        Texts.optional(json, "guidance", 2000, where) == null ? "" : Texts.optional(json, "guidance", 2000, where),
        Texts.flag(json, "required", true, where), Texts.flag(json, "photoRequired", false, where), type,
        type.equals(MEASURE) ? unit : null);
  }

  /** The JSON form, in a fixed field order (the bound checklist on the trail uses it). */
  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("id", id).put("title", title).put("guidance", guidance)
        .put("required", required).put("photoRequired", photoRequired).put("answerType", answerType);
    if (unit != null) {
      json.put("unit", unit);
    }
    return json;
  }
}
