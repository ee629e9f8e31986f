package io.kanyan.signaling.booking;

import io.kanyan.recorder.audit.CaseFile;
import io.kanyan.signaling.booking.Bookings.Booker;
import io.kanyan.signaling.booking.Bookings.Change;
import io.kanyan.signaling.notify.InviteNotices;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the applicant is told after a booking change, by whom it was made:
 * <ul>
 *   <li>a new booking, by anyone: the booked time, with their link ({@code booking});</li>
 *   <li>a move by staff or the approval system: the old and the new time, and what to do if it does not suit
 *       ({@code booking_moved});</li>
 *   <li>a cancel by staff or the approval system: which time was cancelled, and how to pick another
 *       ({@code booking_cancelled});</li>
 *   <li>the applicant's own move: the new time, as for a booking (a receipt with the link in their messages);</li>
 *   <li>the applicant's own cancel: nothing (they have just done it on the page, which shows what they can do next);</li>
 *   <li>a cancel by {@code system} (the inspection was concluded or cancelled): nothing here.</li>
 * </ul>
 * A retried request that changed nothing sends nothing. Delivery is {@link InviteNotices}'s (retries, the trail)
 * and is not awaited: a notifier that is down never holds up a booking.
 */
public final class BookingNotices {

  private static final Logger log = LoggerFactory.getLogger(BookingNotices.class);

  private final InviteNotices notices;

  /** @param notices the applicant's notices (null: nothing is sent) */
  public BookingNotices(InviteNotices notices) {
    this.notices = notices;
  }

  /**
   * Sends the notice {@code change} by {@code who} calls for, if any. The future completes when delivery is over
   * (tests); callers do not wait for it. It never fails.
   */
  public Future<Void> changed(CaseFile file, Change change, Booker who) {
    Future<Void> sent = send(file, change, who);
    return sent.recover(err -> {
      log.warn("inspection {}: booking notice not sent: {}", file.id(), err.getMessage());
      return Future.succeededFuture();
    });
  }

  private Future<Void> send(CaseFile file, Change change, Booker who) {
    Booking now = change.now();
    Booking before = change.before();
    if (notices == null || now != null && before != null && now.slotId().equals(before.slotId())) {
      return Future.succeededFuture();
    }
    if (now != null && (before == null || who.isApplicant())) {
      return notices.booked(file, now.start(), now.end());
    }
    if (now != null) {
      return notices.moved(file, before.start(), now.start(), now.end());
    }
    if (before == null || who.isApplicant() || who.isSystem()) {
      return Future.succeededFuture();
    }
    return notices.cancelled(file, before.start());
  }
}
