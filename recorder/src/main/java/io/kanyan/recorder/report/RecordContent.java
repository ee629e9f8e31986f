package io.kanyan.recorder.report;

import io.kanyan.recorder.trail.TrailEvent;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What an inspection record (勘验笔录) says, read from the inspection's trail alone: the facts of
 * {@code inspection.created}, the checklist of {@code checklist.bound} with the latest {@code checklist.answered}
 * per item, the notes, snapshots, location fixes, the conclusion of {@code inspection.ended} and the signatures
 * ({@code record.signed} / {@code record.refused}). An inspection created before the catalogue has no checklist:
 * its record holds the notes, snapshots and conclusion.
 *
 * @param headHash the hash of the last trail event the record was made from (printed on every page)
 */
public record RecordContent(
    String inspectionId,
    String caseNumber,
    String matterName,
    String matterCode,
    Integer checklistVersion,
    String applicantName,
    String siteAddress,
    Double siteLat,
    Double siteLng,
    Fix measured,
    String inspectorName,
    Instant start,
    Instant end,
    List<Item> items,
    List<Note> notes,
    List<Photo> otherPhotos,
    String conclusion,
    String remark,
    List<String> rectifyItems,
    String rectifyDeadline,
    String headHash,
    long headSeq,
    String verifyUrl,
    List<Signed> signatures,
    Refused refusal) {

  /** The applicant's measured location. */
  public record Fix(double lat, double lng, Double accuracy, Instant time) {
  }

  /** A checklist item with its latest answer (result null when unanswered). */
  public record Item(String id, String title, boolean required, String answerType, String unit, String result,
      String value, String remark, List<Photo> photos) {
  }

  /** A note added during the call. */
  public record Note(Instant time, String text) {
  }

  /** A snapshot: its display (watermarked) copy relative to the data directory. */
  public record Photo(String snapshotId, String file, Instant takenAt) {
  }

  /** A signature as printed: who, when, and the image file relative to the data directory. */
  public record Signed(String party, String name, Instant time, String imageFile) {
  }

  /** The applicant's refusal to sign: a legal fact with its reason. */
  public record Refused(String name, Instant time, String reason) {
  }

  /** Distance in metres from the site to the measured location, or null when either is unknown. */
  public Double distanceMeters() {
    if (measured == null || siteLat == null || siteLng == null) {
      return null;
    }
    return haversine(siteLat, siteLng, measured.lat(), measured.lng());
  }

  static double haversine(double lat1, double lng1, double lat2, double lng2) {
    double r = 6_371_008.8;
    double dLat = Math.toRadians(lat2 - lat1);
    double dLng = Math.toRadians(lng2 - lng1);
    double a = Math.sin(dLat / 2) * Math.sin(dLat / 2)
        + Math.cos(Math.toRadians(lat1)) * Math.cos(Math.toRadians(lat2)) * Math.sin(dLng / 2) * Math.sin(dLng / 2);
    return 2 * r * Math.asin(Math.min(1, Math.sqrt(a)));
  }

  /**
   * Reads the record from a trail.
   *
   * @param events    the trail, in order
   * @param verifyUrl the address printed (and QR-coded) on every page for verifying
   */
  public static RecordContent from(List<TrailEvent> events, String verifyUrl) {
    if (events.isEmpty()) {
      throw new IllegalArgumentException("the trail is empty");
    }
    JsonObject created = new JsonObject();
    JsonObject bound = null;
    Map<String, JsonObject> answers = new LinkedHashMap<>();
    Map<String, Photo> photos = new LinkedHashMap<>();
    List<Note> notes = new ArrayList<>();
    Fix fix = null;
    Instant start = null;
    TrailEvent ended = null;
    List<Signed> signed = new ArrayList<>();
    Refused refused = null;
    for (TrailEvent e : events) {
      JsonObject p = e.payloadJson();
      switch (e.type()) {
        case INSPECTION_CREATED -> created = p;
        case CHECKLIST_BOUND -> bound = p;
        case CHECKLIST_ANSWERED -> answers.put(String.valueOf(p.getValue("itemId")), p);
        case NOTE_ADDED -> notes.add(new Note(e.time(), p.getString("text", "")));
        case SNAPSHOT_TAKEN -> {
          String file = p.getString("watermarkedFile", p.getString("file"));
          if (file != null) {
            Photo photo = new Photo(p.getString("snapshotId"), file, e.time());
            photos.put(e.id(), photo);
          }
        }
        case LOCATION_FIX -> {
          if (ended == null && p.getValue("lat") instanceof Number lat && p.getValue("lng") instanceof Number lng) {
            fix = new Fix(lat.doubleValue(), lng.doubleValue(),
                p.getValue("accuracy") instanceof Number acc ? acc.doubleValue() : null, e.time());
          }
        }
        case CALL_CONNECTED -> start = start == null ? e.time() : start;
        case INSPECTION_ENDED -> ended = e;
        case RECORD_SIGNED -> signed.add(new Signed(p.getString("party"), p.getString("name", ""), e.time(),
            p.getString("file")));
        case RECORD_REFUSED -> refused = new Refused(p.getString("name", ""), e.time(), p.getString("reason", ""));
        default -> {
        }
      }
    }
    JsonObject end = ended == null ? new JsonObject() : ended.payloadJson();
    Set<String> linked = new LinkedHashSet<>();
    List<Item> items = new ArrayList<>();
    Map<String, String> titles = new LinkedHashMap<>();
    if (bound != null) {
      for (Object o : array(bound.getValue("items"))) {
        if (!(o instanceof JsonObject item)) {
          continue;
        }
        String id = String.valueOf(item.getValue("id"));
        titles.put(id, item.getString("title", id));
        JsonObject answer = answers.get(id);
        List<Photo> itemPhotos = new ArrayList<>();
        if (answer != null) {
          for (Object ref : array(answer.getValue("snapshots"))) {
            Photo photo = photo(photos, String.valueOf(ref));
            if (photo != null) {
              itemPhotos.add(photo);
              linked.add(photo.snapshotId());
            }
          }
        }
        items.add(new Item(id, item.getString("title", id), Boolean.TRUE.equals(item.getValue("required")),
            item.getString("answerType", "conformance"),
            answer != null && answer.getString("unit") != null ? answer.getString("unit") : item.getString("unit"),
            answer == null ? null : answer.getString("result"),
            answer == null || answer.getValue("value") == null ? null : String.valueOf(answer.getValue("value")),
            answer == null ? null : answer.getString("remark"), itemPhotos));
      }
    }
    List<Photo> others = photos.values().stream().filter(ph -> !linked.contains(ph.snapshotId())).toList();
    List<String> rectify = new ArrayList<>();
    for (Object id : array(end.getValue("rectifyItems"))) {
      rectify.add(titles.getOrDefault(String.valueOf(id), String.valueOf(id)));
    }
    TrailEvent head = events.get(events.size() - 1);
    return new RecordContent(head.inspectionId(), created.getString("caseNumber", ""),
        bound != null ? bound.getString("matterName", created.getString("matterType", ""))
            : created.getString("matterType", ""),
        bound == null ? null : bound.getString("matterCode"),
        bound == null || !(bound.getValue("checklistVersion") instanceof Number v) ? null : v.intValue(),
        created.getString("applicantName", ""), created.getString("siteAddress", ""),
        number(created, "siteLat"), number(created, "siteLng"), fix, created.getString("inspectorName",
        created.getString("inspector", "")), start, ended == null ? null : ended.time(), items, notes, others,
        end.getString("conclusion"), end.getString("remark"), rectify, end.getString("rectifyDeadline"),
        head.hash(), head.seq(), verifyUrl, signed, refused);
  }

  /** A snapshot by its event id ({@code snapshot:<id>}) or by its snapshot id. */
  private static Photo photo(Map<String, Photo> photos, String ref) {
    Photo byEvent = photos.get(ref);
    if (byEvent != null) {
      return byEvent;
    }
    return photos.values().stream().filter(p -> ref.equals(p.snapshotId())).findFirst().orElse(null);
  }

  /** A JSON array, or one kept as a JSON string (the contract allows both). */
  private static JsonArray array(Object value) {
    if (value instanceof JsonArray a) {
      return a;
    }
    if (value instanceof String s && s.trim().startsWith("[")) {
      try {
        return new JsonArray(s);
      } catch (RuntimeException notJson) {
        return new JsonArray();
      }
    }
    return new JsonArray();
  }

  private static Double number(JsonObject o, String field) {
    return o.getValue(field) instanceof Number n ? n.doubleValue() : null;
  }
}
