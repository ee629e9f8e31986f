package io.kanyan.recorder.trail;

import java.util.Arrays;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Every kind of fact the trail records. The wire name ({@link #code()}) is what is stored and hashed;
 * never rename one, only add.
 */
public enum EventType {
  INSPECTION_CREATED("inspection.created"),
  INVITE_ISSUED("invite.issued"),
  INVITE_REVOKED("invite.revoked"),
  INVITE_OPENED("invite.opened"),
  PRECHECK_DONE("precheck.done"),
  PARTICIPANT_JOINED("participant.joined"),
  PARTICIPANT_DISCONNECTED("participant.disconnected"),
  PARTICIPANT_RECONNECTED("participant.reconnected"),
  PARTICIPANT_LEFT("participant.left"),
  CALL_CONNECTED("call.connected"),
  /**
   * A call's live state moved to another node (its owner died, was paused or partitioned past its lease):
   * {@code from}, {@code to} (node names), {@code fence} (the new owner's fencing token), {@code reason}.
   */
  CALL_OWNER_CHANGED("call.owner_changed"),
  LOCATION_FIX("location.fix"),
  NOTE_ADDED("note.added"),
  SNAPSHOT_TAKEN("snapshot.taken"),
  /** The inspector asked the applicant's phone for a full-resolution photo (answered by a snapshot.taken). */
  PHOTO_REQUESTED("photo.requested"),
  RECORDING_SLICE("recording.slice"),
  RECORDING_GAP("recording.gap"),
  RECORDING_FINALISED("recording.finalised"),
  MEDIA_EVENT("media.event"),
  INSPECTION_ENDED("inspection.ended"),
  /** The matter and checklist version an inspection is checked against, with its items (issue 12). */
  CHECKLIST_BOUND("checklist.bound"),
  /** The checklist item the inspector is checking now. */
  CHECKLIST_CURRENT("checklist.current"),
  /** An answer to a checklist item, or a correction of it (the latest per item counts). */
  CHECKLIST_ANSWERED("checklist.answered"),
  AUDIT_ACCESS("audit.access"),
  RECORD_RENDERED("record.rendered"),
  RECORD_FAILED("record.failed"),
  RECORD_SIGNED("record.signed"),
  RECORD_REFUSED("record.refused"),
  RECORD_FINALISED("record.finalised"),
  /** A notice (invite link, reminder) reached the SMS gateway, the mail server or the log (issue 13). */
  NOTIFICATION_SENT("notification.sent"),
  /** One try of a notice failed; {@code final} says whether it was the last. */
  NOTIFICATION_FAILED("notification.failed"),
  /** The inspection was booked into an inspector's availability slot (issue 13). */
  BOOKING_MADE("booking.made"),
  /** The inspection's booking moved to another slot. */
  BOOKING_MOVED("booking.moved"),
  /** The inspection's booking was cancelled; its slot is free again. */
  BOOKING_CANCELLED("booking.cancelled"),
  /** On the integrations chain: an API key was created (never the key itself). */
  INTEGRATION_KEY_CREATED("integration.key_created"),
  /** An API key was used (integrations chain; also on the inspection it created or read). */
  INTEGRATION_KEY_USED("integration.key_used"),
  /** On the integrations chain: an API key was revoked. */
  INTEGRATION_KEY_REVOKED("integration.key_revoked"),
  /** On the integrations chain: an admin changed an integration's scopes (its key stays the same). */
  INTEGRATION_SCOPES_CHANGED("integration.scopes_changed"),
  /** On the integrations chain: a webhook reached its receiver. */
  WEBHOOK_DELIVERED("webhook.delivered"),
  /** On the integrations chain: one try of a webhook failed (retried later). */
  WEBHOOK_FAILED("webhook.failed"),
  /** On the integrations chain: a webhook kept failing and went to the dead-letter list. */
  WEBHOOK_DEAD_LETTERED("webhook.dead_lettered"),
  /** On the integrations chain: an admin sent a dead-lettered webhook again. */
  WEBHOOK_REPLAYED("webhook.replayed"),
  /** On the alarm chain only: a chain head that does not extend what the commitment log committed. */
  TAMPER_ALARM("tamper.alarm");

  private static final Map<String, EventType> BY_CODE =
      Arrays.stream(values()).collect(Collectors.toUnmodifiableMap(EventType::code, Function.identity()));

  private final String code;

  EventType(String code) {
    this.code = code;
  }

  /** The stable name stored in Redis and covered by the hash. */
  public String code() {
    return code;
  }

  public static EventType fromCode(String code) {
    EventType type = BY_CODE.get(code);
    if (type == null) {
      throw new IllegalArgumentException("unknown trail event type: " + code);
    }
    return type;
  }
}
