package io.kanyan.signaling.catalog;

import io.kanyan.signaling.Problem;
import io.vertx.core.json.JsonObject;

/** Field checks shared by the catalogue's readers: clear errors that name the field and where it is. */
final class Texts {

  private Texts() {
  }

  static String required(JsonObject json, String field, int max, String where) {
    String s = optional(json, field, max, where);
    if (s == null) {
      throw Problem.badRequest("missing_field", where + ": " + field + " is required");
    }
    return s;
  }

  static String optional(JsonObject json, String field, int max, String where) {
    Object v = json.getValue(field);
    if (v == null) {
      return null;
    }
    if (!(v instanceof String s)) {
      throw Problem.badRequest("bad_field", where + ": " + field + " must be text");
    }
    if (s.length() > max) {
      throw Problem.badRequest("bad_field", where + ": " + field + " is longer than " + max + " characters");
    }
    return s.isBlank() ? null : s.trim();
  }

  static boolean flag(JsonObject json, String field, boolean dflt, String where) {
    Object v = json.getValue(field);
    if (v == null) {
      return dflt;
    }
    if (!(v instanceof Boolean b)) {
      throw Problem.badRequest("bad_field", where + ": " + field + " must be true or false");
    }
    return b;
  }
}
