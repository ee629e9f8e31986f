package io.kanyan.signaling.notify;

import java.util.Map;

/**
 * One message to an applicant: what it is about and where it goes. The phone number and address are held
 * only in memory while the notice is delivered; logs and the trail see them masked ({@link Masks}).
 *
 * @param id           unique per notice; the SMS gateway gets it as its idempotency key
 * @param inspectionId the inspection it is about (its trail gets the deliveries and failures)
 * @param kind         what it says
 * @param phone        the applicant's phone, or null
 * @param email        the applicant's e-mail address, or null
 * @param params       the template's values: caseNumber, matter, siteAddress, link, expiresAt (and at, for a reminder)
 */
public record Notice(String id, String inspectionId, Kind kind, String phone, String email,
    Map<String, String> params) {

  /** What a notice says. */
  public enum Kind {
    /** the invite link, when an inspection is created or its link is issued again */
    INVITE("invite"),
    /** before an appointment */
    REMINDER("reminder"),
    /** the inspection was booked (or moved) to a time, which the notice names */
    BOOKING("booking");

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
