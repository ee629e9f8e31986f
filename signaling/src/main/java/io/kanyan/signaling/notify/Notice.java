package io.kanyan.signaling.notify;

import java.util.Map;

/**
 * One message to an applicant: what it is about and where it goes. The phone number and address are held
 * only in memory while the notice is delivered; logs and the trail see them masked ({@link Masks}).
 *
 * @param id           unique per notice (a reminder sent again after its sender died keeps its id); the SMS gateway
 *                     gets it as its idempotency key, the mail as {@code X-Kanyan-Notice} and in its Message-ID
 * @param inspectionId the inspection it is about (its trail gets the deliveries and failures)
 * @param kind         what it says
 * @param phone        the applicant's phone, or null
 * @param email        the applicant's e-mail address, or null
 * @param params       the template's values: caseNumber, matter, siteAddress, link, expiresAt, at (the appointment),
 *                     from (the time it had before a move or cancel)
 */
public record Notice(String id, String inspectionId, Kind kind, String phone, String email,
    Map<String, String> params) {

  /** What a notice says. */
  public enum Kind {
    /** the invite link, when an inspection is created or its link is issued again */
    INVITE("invite"),
    /** before an appointment */
    REMINDER("reminder"),
    /** the inspection was booked (or moved by the applicant) to a time, which the notice names */
    BOOKING("booking"),
    /** staff or the approval system moved the booking: the old and the new time, and what to do if it does not suit */
    BOOKING_MOVED("booking_moved"),
    /** staff or the approval system cancelled the booking: which time, and how to pick another */
    BOOKING_CANCELLED("booking_cancelled"),
    /** the inspection was cancelled while its appointment was still ahead: the time is off, the link will not open */
    INSPECTION_CANCELLED("inspection_cancelled");

    private final String wire;

    Kind(String wire) {
      this.wire = wire;
    }

    public String wire() {
      return wire;
    }
  }

  /** {@code template} with each {@code {name}} replaced by its value. */
  public String render(String template) {
    String out = template;
    for (Map.Entry<String, String> e : params.entrySet()) {
      out = out.replace("{" + e.getKey() + "}", e.getValue() == null ? "" : e.getValue());
    }
    return out;
  }
}
