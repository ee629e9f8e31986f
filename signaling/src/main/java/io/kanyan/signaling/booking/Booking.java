package io.kanyan.signaling.booking;

import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * An inspection's appointment: the slot it holds, whose slot it is, when, and when it was first booked.
 *
 * @param inspectionId the booked inspection
 * @param slotId       the availability slot it holds
 * @param inspector    the inspector whose slot it is (the inspection's own)
 * @param start        the appointment's start
 * @param end          the appointment's end
 * @param bookedAt     when the inspection was first booked (a move keeps it)
 */
public record Booking(String inspectionId, String slotId, String inspector, Instant start, Instant end,
    Instant bookedAt) {

  public JsonObject toJson() {
    return new JsonObject().put("inspectionId", inspectionId).put("slotId", slotId).put("inspector", inspector)
        .put("start", start.toString()).put("end", end.toString()).put("bookedAt", bookedAt.toString());
  }
}
