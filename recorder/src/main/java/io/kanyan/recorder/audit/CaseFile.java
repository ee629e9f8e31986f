package io.kanyan.recorder.audit;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * The facts of one inspection as kept for lookup. The applicant's phone is kept only masked (for
 * display) and as a keyed hash (for exact search): the full number is never stored.
 */
public record CaseFile(
    String id,
    String caseNumber,
    String matterType,
    String inspector,
    String inspectorName,
    String applicantName,
    String applicantPhoneMasked,
    String applicantPhoneHash,
    String siteAddress,
    Double siteLat,
    Double siteLng,
    Status status,
    Instant createdAt,
    Instant startedAt,
    Instant endedAt,
    String conclusion,
    String remark) {

  /** Where an inspection is in its life. */
  public enum Status {
    CREATED("created"), IN_PROGRESS("in_progress"), ENDED("ended"), CANCELLED("cancelled");

    private final String wire;

    Status(String wire) {
      this.wire = wire;
    }

    public String wire() {
      return wire;
    }

    public boolean closed() {
      return this == ENDED || this == CANCELLED;
    }

    public static Status fromWire(String wire) {
      for (Status s : values()) {
        if (s.wire.equals(wire)) {
          return s;
        }
      }
      throw new IllegalArgumentException("unknown status " + wire);
    }
  }

  public CaseFile withStatus(Status newStatus, Instant startedAt, Instant endedAt, String conclusion, String remark) {
    return new CaseFile(id, caseNumber, matterType, inspector, inspectorName, applicantName, applicantPhoneMasked,
        applicantPhoneHash, siteAddress, siteLat, siteLng, newStatus, createdAt, startedAt, endedAt, conclusion, remark);
  }

  /** The Redis hash fields; absent values are left out. */
  Map<String, String> toFields() {
    Map<String, String> f = new HashMap<>();
    f.put("id", id);
    f.put("caseNumber", caseNumber);
    f.put("matterType", matterType);
    f.put("inspector", inspector);
    f.put("inspectorName", inspectorName);
    f.put("applicantName", applicantName);
    f.put("applicantPhoneMasked", applicantPhoneMasked);
    f.put("applicantPhoneHash", applicantPhoneHash);
    f.put("siteAddress", siteAddress);
    putIf(f, "siteLat", siteLat);
    putIf(f, "siteLng", siteLng);
    f.put("status", status.wire());
    f.put("createdAt", createdAt.toString());
    putIf(f, "startedAt", startedAt);
    putIf(f, "endedAt", endedAt);
    putIf(f, "conclusion", conclusion);
    putIf(f, "remark", remark);
    return f;
  }

  private static void putIf(Map<String, String> f, String key, Object value) {
    if (value != null) {
      f.put(key, value.toString());
    }
  }

  static CaseFile fromFields(Map<String, String> f) {
    return new CaseFile(f.get("id"), f.get("caseNumber"), f.get("matterType"), f.get("inspector"),
        f.get("inspectorName"), f.get("applicantName"), f.get("applicantPhoneMasked"), f.get("applicantPhoneHash"),
        f.get("siteAddress"), dbl(f.get("siteLat")), dbl(f.get("siteLng")), Status.fromWire(f.get("status")),
        Instant.parse(f.get("createdAt")), instant(f.get("startedAt")), instant(f.get("endedAt")),
        f.get("conclusion"), f.get("remark"));
  }

  /**
   * A case file from its API form ({@link #toJson()}, or the facts a trail states), with the phone's keyed
   * hash given apart (the API form never holds it).
   */
  static CaseFile fromJson(JsonObject j, String applicantPhoneHash) {
    return new CaseFile(j.getString("id"), j.getString("caseNumber"), j.getString("matterType"),
        j.getString("inspector"), j.getString("inspectorName"), j.getString("applicantName"),
        j.getString("applicantPhone"), applicantPhoneHash, j.getString("siteAddress"),
        j.getValue("siteLat") instanceof Number lat ? lat.doubleValue() : null,
        j.getValue("siteLng") instanceof Number lng ? lng.doubleValue() : null, Status.fromWire(j.getString("status")),
        Instant.parse(j.getString("createdAt")), instant(j.getString("startedAt")), instant(j.getString("endedAt")),
        j.getString("conclusion"), j.getString("remark"));
  }

  private static Double dbl(String s) {
    return s == null ? null : Double.valueOf(s);
  }

  private static Instant instant(String s) {
    return s == null ? null : Instant.parse(s);
  }

  /** The API form (no phone hash). */
  public JsonObject toJson() {
    return new JsonObject()
        .put("id", id)
        .put("caseNumber", caseNumber)
        .put("matterType", matterType)
        .put("inspector", inspector)
        .put("inspectorName", inspectorName)
        .put("applicantName", applicantName)
        .put("applicantPhone", applicantPhoneMasked)
        .put("siteAddress", siteAddress)
        .put("siteLat", siteLat)
        .put("siteLng", siteLng)
        .put("status", status.wire())
        .put("createdAt", createdAt.toString())
        .put("startedAt", startedAt == null ? null : startedAt.toString())
        .put("endedAt", endedAt == null ? null : endedAt.toString())
        .put("conclusion", conclusion)
        .put("remark", remark);
  }
}
