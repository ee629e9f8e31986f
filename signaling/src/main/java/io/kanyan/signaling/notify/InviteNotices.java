package io.kanyan.signaling.notify;

import io.kanyan.recorder.audit.CaseFile;
import io.vertx.core.Future;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When the applicant is told what: the invite link when an inspection is created and each time its link is
 * issued again, the booked time when an appointment is made or moved, and a reminder before it (the
 * reminders are timed by {@code booking.Reminders}); when staff or the approval system move or cancel the
 * appointment, the change and what to do next ({@code booking.BookingNotices} decides which). The contact typed at creation is kept sealed
 * ({@link Contacts}) until the inspection closes. Every method answers at once; delivery runs on.
 */
public final class InviteNotices {

  private static final Logger log = LoggerFactory.getLogger(InviteNotices.class);
  private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm");

  private final Notifications notifications;
  private final Contacts contacts;
  private final Duration inviteTtl;
  private final ZoneId zone;

  public InviteNotices(Notifications notifications, Contacts contacts, Duration inviteTtl, ZoneId zone) {
    this.notifications = notifications;
    this.contacts = contacts;
    this.inviteTtl = inviteTtl;
    this.zone = zone;
  }

  /**
   * A new inspection: keeps the contact and sends the link. The returned future completes when delivery is
   * over (tests); the server does not wait for it.
   */
  public Future<Void> created(CaseFile file, String link, Instant expiresAt, String phone, String email) {
    Contacts.Contact contact = new Contacts.Contact(phone, email);
    return contacts.keep(file.id(), contact, inviteTtl)
        .compose(x -> contacts.keepLink(file.id(), link))
        .recover(err -> {
          log.error("inspection {}: contact not kept (a re-issued link will not be sent): {}", file.id(),
              err.getMessage());
          return Future.succeededFuture();
        })
        .compose(x -> notifications.send(notice(file, Notice.Kind.INVITE, contact, link, expiresAt, null)));
  }

  /**
   * A new inspection booked at creation: keeps the contact and the link, and sends one notice that names the time
   * and carries the link, instead of the invite and then the booking.
   */
  public Future<Void> createdAndBooked(CaseFile file, String link, String phone, String email, Instant at,
      Instant end) {
    Contacts.Contact contact = new Contacts.Contact(phone, email);
    return contacts.keep(file.id(), contact, inviteTtl)
        .compose(x -> contacts.keepLink(file.id(), link))
        .compose(x -> contacts.keepUntil(file.id(), end))
        .recover(err -> {
          log.error("inspection {}: contact not kept (a reminder will not be sent): {}", file.id(), err.getMessage());
          return Future.succeededFuture();
        })
        .compose(x -> notifications.send(notice(file, Notice.Kind.BOOKING, contact, link, null, at)));
  }

  /** The link was issued again: sent to the contact kept since creation. */
  public Future<Void> reissued(CaseFile file, String link, Instant expiresAt) {
    return contacts.extend(file.id(), inviteTtl)
        .compose(x -> contacts.keepLink(file.id(), link))
        .compose(x -> contacts.find(file.id()))
        .recover(err -> {
          log.error("inspection {}: contact unreadable: {}", file.id(), err.getMessage());
          return Future.succeededFuture(new Contacts.Contact(null, null));
        })
        .compose(c -> notifications.send(notice(file, Notice.Kind.INVITE, c, link, expiresAt, null)));
  }

  /** A reminder of an appointment at {@code at}, with {@code link}. */
  public Future<Void> remind(CaseFile file, String link, Instant at) {
    return contacts.find(file.id())
        .compose(c -> notifications.send(notice(file, Notice.Kind.REMINDER, c, link, null, at)));
  }

  /**
   * A reminder of an appointment at {@code at}, with the link kept since the invite was sent. {@code noticeId} is
   * the reminder's own id, the same each time this reminder is sent (again, after its sender died): the SMS gateway
   * gets it as {@code Idempotency-Key} and drops a second copy. Completes when delivery is over (delivered, or
   * given up after the retries); never fails.
   */
  public Future<Void> remind(CaseFile file, Instant at, String noticeId) {
    return keptLink(file).compose(link -> contacts.find(file.id()).recover(err -> {
      log.error("inspection {}: contact unreadable: {}", file.id(), err.getMessage());
      return Future.succeededFuture(new Contacts.Contact(null, null));
    }).compose(c -> notifications.send(notice(noticeId, file, Notice.Kind.REMINDER, c, link, null, at, null))));
  }

  /**
   * Staff or the approval system moved the booking from {@code from} to {@code at}: the applicant is told both
   * times, with their link, and what to do if the new time does not suit. The contact is kept until the new end.
   */
  public Future<Void> moved(CaseFile file, Instant from, Instant at, Instant end) {
    return contacts.keepUntil(file.id(), end)
        .recover(err -> {
          log.error("inspection {}: contact not kept until the appointment: {}", file.id(), err.getMessage());
          return Future.succeededFuture();
        })
        .compose(x -> told(file, Notice.Kind.BOOKING_MOVED, from, at));
  }

  /**
   * Staff or the approval system cancelled the booking at {@code from}: the applicant is told, with the link to
   * pick another time (or, if it no longer opens, to contact the bureau).
   */
  public Future<Void> cancelled(CaseFile file, Instant from) {
    return told(file, Notice.Kind.BOOKING_CANCELLED, from, null);
  }

  /**
   * The inspection was cancelled while its appointment at {@code from} was still ahead: the applicant is told that
   * the time is off and the link will not open. The contact and the link are read first, then deleted (as for any
   * closed inspection), and the notice is delivered from memory with its retries: the contact is gone from Redis
   * at once, not once delivery is over. Completes when delivery is over; never fails.
   */
  public Future<Void> inspectionCancelled(CaseFile file, Instant from) {
    return keptLink(file).compose(link -> contacts.find(file.id()).map(c -> notice(UUID.randomUUID().toString(),
            file, Notice.Kind.INSPECTION_CANCELLED, c, link, null, null, from)))
        .eventually(() -> closed(file.id()).recover(err -> {
          log.warn("inspection {}: contact not deleted: {}", file.id(), err.getMessage());
          return Future.succeededFuture();
        }))
        .compose(notifications::send)
        .recover(err -> {
          log.error("inspection {}: cancellation notice not sent (contact unreadable): {}", file.id(),
              err.getMessage());
          return Future.succeededFuture();
        });
  }

  private Future<Void> told(CaseFile file, Notice.Kind kind, Instant from, Instant at) {
    return keptLink(file).compose(link -> contacts.find(file.id())
        .compose(c -> notifications.send(notice(UUID.randomUUID().toString(), file, kind, c, link, null, at, from))));
  }

  /**
   * The inspection was booked, or its booking moved, to {@code at}: the applicant already has the link (sent at
   * creation), so this one notice names the time, with the same link. The contact is kept until the appointment is
   * over (and its reminder sent) even when that is beyond the invite's lifetime.
   */
  public Future<Void> booked(CaseFile file, Instant at, Instant end) {
    return contacts.keepUntil(file.id(), end)
        .recover(err -> {
          log.error("inspection {}: contact not kept until the appointment: {}", file.id(), err.getMessage());
          return Future.succeededFuture();
        })
        .compose(x -> keptLink(file))
        .compose(link -> contacts.find(file.id())
            .compose(c -> notifications.send(notice(file, Notice.Kind.BOOKING, c, link, null, at))));
  }

  private Future<String> keptLink(CaseFile file) {
    return contacts.link(file.id()).recover(err -> {
      log.error("inspection {}: invite link unreadable: {}", file.id(), err.getMessage());
      return Future.succeededFuture(null);
    }).map(link -> link == null ? "" : link);
  }

  /** The inspection closed: its contact is deleted. */
  public Future<Void> closed(String inspectionId) {
    return contacts.forget(inspectionId);
  }

  private Notice notice(CaseFile file, Notice.Kind kind, Contacts.Contact c, String link, Instant expiresAt,
      Instant at) {
    return notice(UUID.randomUUID().toString(), file, kind, c, link, expiresAt, at, null);
  }

  private Notice notice(String id, CaseFile file, Notice.Kind kind, Contacts.Contact c, String link,
      Instant expiresAt, Instant at, Instant from) {
    Map<String, String> params = new HashMap<>();
    params.put("caseNumber", file.caseNumber());
    params.put("matter", file.matterType());
    params.put("siteAddress", file.siteAddress());
    params.put("link", link);
    params.put("expiresAt", expiresAt == null ? "" : WHEN.format(expiresAt.atZone(zone)));
    params.put("at", at == null ? "" : WHEN.format(at.atZone(zone)));
    params.put("from", from == null ? "" : WHEN.format(from.atZone(zone)));
    return new Notice(id, file.id(), kind, c.phone(), c.email(), params);
  }
}
