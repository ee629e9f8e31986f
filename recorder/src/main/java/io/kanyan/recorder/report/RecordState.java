package io.kanyan.recorder.report;

import io.kanyan.recorder.trail.TrailEvent;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where an inspection's record stands, as its trail says: nothing is kept beside the trail, so the state can
 * never claim more than the trail does.
 *
 * @param concluded  the inspection ended with a conclusion (a cancelled one has no record)
 * @param status     {@code none}, {@code rendered}, {@code failed} (the last rendering or finalising failed) or
 *                   {@code finalised}
 * @param rendered   the payload of the latest {@code record.rendered}, or null
 * @param finalised  the payload of {@code record.finalised}, or null
 * @param error      the error of the latest {@code record.failed} when status is failed
 * @param signatures party → payload of its {@code record.signed} (with {@code time})
 * @param refusal    the payload of {@code record.refused} (with {@code time}), or null
 * @param applicantName the applicant's name from the inspection's facts
 * @param inspectorName the inspector's name from the inspection's facts
 */
public record RecordState(boolean concluded, String status, JsonObject rendered, JsonObject finalised, String error,
    Map<String, JsonObject> signatures, JsonObject refusal, String applicantName, String inspectorName) {

  public static final String APPLICANT = "applicant";
  public static final String INSPECTOR = "inspector";

  /** Reads the state from a trail. */
  public static RecordState of(List<TrailEvent> events) {
    boolean concluded = false;
    String status = "none";
    JsonObject rendered = null;
    JsonObject finalised = null;
    String error = null;
    Map<String, JsonObject> signatures = new LinkedHashMap<>();
    JsonObject refusal = null;
    JsonObject created = new JsonObject();
    for (TrailEvent e : events) {
      switch (e.type()) {
        case INSPECTION_CREATED -> created = e.payloadJson();
        case INSPECTION_ENDED -> concluded = e.payloadJson().getValue("conclusion") != null;
        case RECORD_RENDERED -> {
          rendered = e.payloadJson();
          status = "rendered";
        }
        case RECORD_FAILED -> {
          error = e.payloadJson().getString("error");
          status = "failed";
        }
        case RECORD_FINALISED -> {
          finalised = e.payloadJson();
          status = "finalised";
        }
        case RECORD_SIGNED -> signatures.put(e.payloadJson().getString("party"),
            e.payloadJson().put("time", e.time().toString()));
        case RECORD_REFUSED -> refusal = e.payloadJson().put("time", e.time().toString());
        default -> {
        }
      }
    }
    return new RecordState(concluded, status, rendered, finalised, "failed".equals(status) ? error : null,
        signatures, refusal, created.getString("applicantName", ""),
        created.getString("inspectorName", created.getString("inspector", "")));
  }

  /** Whether {@code party} has signed or (the applicant) refused. */
  public boolean done(String party) {
    return signatures.containsKey(party) || APPLICANT.equals(party) && refusal != null;
  }

  /** Both parties are done: the record can be finalised. */
  public boolean complete() {
    return done(APPLICANT) && done(INSPECTOR);
  }

  /** Concluded, and neither rendered nor failed yet: rendering is owed. */
  public boolean needsRendering() {
    return concluded && "none".equals(status);
  }

  /** Both parties are done and the record is rendered but not finalised (nor failed to be): finalising is owed. */
  public boolean needsFinalising() {
    return complete() && finalised == null && "rendered".equals(status);
  }

  /** The file to hand out: the finalised PDF when there is one, else the latest rendered one, else null. */
  public String currentFile() {
    return finalised != null ? finalised.getString("file") : rendered != null ? rendered.getString("file") : null;
  }

  /** The API form. */
  public JsonObject toJson() {
    JsonObject signed = new JsonObject();
    signatures.forEach((party, p) -> signed.put(party, new JsonObject().put("name", p.getString("name"))
        .put("time", p.getString("time"))));
    return new JsonObject()
        .put("concluded", concluded)
        .put("status", status)
        .put("pages", finalised != null ? finalised.getInteger("pages") : rendered == null ? null
            : rendered.getInteger("pages"))
        .put("sha256", finalised != null ? finalised.getString("sha256") : rendered == null ? null
            : rendered.getString("sha256"))
        .put("finalised", finalised != null)
        .put("error", error)
        .put("signatures", signed)
        .put("refusal", refusal == null ? null : new JsonObject().put("reason", refusal.getString("reason"))
            .put("time", refusal.getString("time")))
        .put("applicantName", applicantName)
        .put("inspectorName", inspectorName);
  }
}
