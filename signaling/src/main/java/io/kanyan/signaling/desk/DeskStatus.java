package io.kanyan.signaling.desk;

import io.kanyan.recorder.trail.TrailEvent;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * Where one inspection stands on its inspector's desk, read from its trail alone (so any node can work it out):
 * booked, link opened, pre-call check passed (or failed), waiting, in call, concluded or cancelled.
 *
 * <p><b>Waiting</b> means: the applicant's seat has a live connection (their last {@code participant.*} event is
 * {@code joined} or {@code reconnected}) and the inspector holds no seat (no inspector event yet, or their last one
 * is {@code left}). {@code waitingSince} is the time of the event that made it so; an applicant who drops and
 * resumes their seat within the grace period ({@code participant.reconnected}) keeps their earlier one, so a page
 * reload does not cost their place. An inspector whose connection dropped keeps the seat for the grace period: the
 * call is then still "in call". PROTOCOL.md, "The waiting room".
 *
 * @param seq          the seq of the last trail event read: a later state has a higher one
 * @param status       {@code created}, {@code booked}, {@code opened}, {@code checked}, {@code check_failed},
 *                     {@code waiting}, {@code in_call}, {@code concluded}, {@code cancelled}
 * @param precheck     the latest {@code precheck.done} result, or null
 * @param waitingSince when the applicant began waiting, or null when not waiting
 * @param bookedStart  the booked start ({@code booking.made} / {@code booking.moved}), or null
 */
public record DeskStatus(String inspectionId, long seq, String status, boolean opened, JsonObject precheck,
    String applicant, String inspector, Instant waitingSince, Instant bookedStart, String conclusion) {

  /** The trail events that can change a desk status; the others (location fixes, notes, slices) cannot. */
  public static final Set<String> RELEVANT = Set.of("inspection.created", "invite.opened", "precheck.done",
      "participant.joined", "participant.reconnected", "participant.disconnected", "participant.left",
      "call.connected", "inspection.ended", "booking.made", "booking.moved", "booking.cancelled");

  static final String ABSENT = "absent";
  static final String PRESENT = "present";
  static final String AWAY = "away";

  /** Folds an inspection's trail, in chain order. */
  public static DeskStatus of(String inspectionId, List<TrailEvent> events) {
    long seq = -1;
    boolean opened = false;
    JsonObject precheck = null;
    String applicant = ABSENT;
    String inspector = ABSENT;
    Instant waitingSince = null;
    // The start of a wait interrupted only by the applicant's dropped connection (kept if they resume the seat).
    Instant interrupted = null;
    Instant booked = null;
    String ended = null;
    String conclusion = null;
    for (TrailEvent e : events) {
      seq = e.seq();
      String type = e.type().code();
      JsonObject p = type.startsWith("participant.") || type.startsWith("booking.") || type.equals("precheck.done")
          || type.equals("inspection.ended") ? e.payloadJson() : null;
      switch (type) {
        case "invite.opened" -> opened = true;
        case "precheck.done" -> precheck = p;
        case "participant.joined", "participant.reconnected", "participant.disconnected", "participant.left" -> {
          String seat = type.equals("participant.left") ? ABSENT
              : type.equals("participant.disconnected") ? AWAY : PRESENT;
          if ("inspector".equals(p.getString("role"))) {
            inspector = seat;
          } else {
            applicant = seat;
            opened = true;
          }
        }
        case "booking.made", "booking.moved" -> booked = instant(p.getString("start"));
        case "booking.cancelled" -> booked = null;
        case "inspection.ended" -> {
          ended = "cancelled".equals(p.getString("reason")) ? "cancelled" : "concluded";
          conclusion = p.getString("conclusion");
          applicant = ABSENT;
          inspector = ABSENT;
        }
        default -> {
        }
      }
      boolean waiting = ended == null && PRESENT.equals(applicant) && ABSENT.equals(inspector);
      if (waiting && waitingSince == null) {
        waitingSince = interrupted != null && type.equals("participant.reconnected") ? interrupted : e.time();
        interrupted = null;
      } else if (!waiting && waitingSince != null) {
        interrupted = AWAY.equals(applicant) && ABSENT.equals(inspector) && ended == null ? waitingSince : null;
        waitingSince = null;
      } else if (!waiting && !(AWAY.equals(applicant) && ABSENT.equals(inspector))) {
        interrupted = null;
      }
    }
    String status;
    if (ended != null) {
      status = ended;
    } else if (waitingSince != null) {
      status = "waiting";
    } else if (!ABSENT.equals(applicant) && !ABSENT.equals(inspector)) {
      status = "in_call";
    } else if (precheck != null) {
      status = Boolean.TRUE.equals(precheck.getBoolean("passed")) ? "checked" : "check_failed";
    } else if (opened) {
      status = "opened";
    } else if (booked != null) {
      status = "booked";
    } else {
      status = "created";
    }
    return new DeskStatus(inspectionId, seq, status, opened, precheck, applicant, inspector, waitingSince, booked,
        conclusion);
  }

  private static Instant instant(String text) {
    try {
      return text == null ? null : Instant.parse(text);
    } catch (RuntimeException e) {
      return null;
    }
  }

  public boolean waiting() {
    return waitingSince != null;
  }

  /** The queue's order: booked applicants by their start, then the unbooked by how long they have waited. */
  double queueScore() {
    return bookedStart != null ? bookedStart.toEpochMilli() : UNBOOKED + waitingSince.toEpochMilli();
  }

  /** Above every booked start's epoch milliseconds (year 2286), still exact in a double with any wait added. */
  static final double UNBOOKED = 1e13;

  public JsonObject toJson() {
    return new JsonObject().put("inspectionId", inspectionId).put("seq", seq).put("status", status)
        .put("opened", opened).put("precheck", precheck).put("applicant", applicant).put("inspector", inspector)
        .put("waitingSince", waitingSince == null ? null : waitingSince.toString())
        .put("bookedStart", bookedStart == null ? null : bookedStart.toString()).put("conclusion", conclusion);
  }

  public static DeskStatus fromJson(JsonObject j) {
    return new DeskStatus(j.getString("inspectionId"), j.getLong("seq", -1L), j.getString("status"),
        j.getBoolean("opened", false), j.getJsonObject("precheck"), j.getString("applicant"),
        j.getString("inspector"), instant(j.getString("waitingSince")), instant(j.getString("bookedStart")),
        j.getString("conclusion"));
  }
}
