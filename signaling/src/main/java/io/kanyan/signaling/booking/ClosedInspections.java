package io.kanyan.signaling.booking;

import io.kanyan.recorder.audit.CaseFile;
import io.kanyan.recorder.audit.CaseFiles;
import io.kanyan.signaling.notify.InviteNotices;
import io.vertx.core.Future;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What becomes of an inspection's appointment and of the applicant's contact when the inspection closes:
 * <ul>
 *   <li>an appointment still ahead is cancelled ({@code booking.cancelled} by {@code system}), so its slot is free
 *       again, and its reminder dropped;</li>
 *   <li>when the inspection was <b>cancelled</b> with that appointment ahead, the applicant is told
 *       ({@code inspection_cancelled}: the time is off, the link will not open) from the contact read just before it
 *       is deleted, with the notices' retries, on the trail as every notice;</li>
 *   <li>an inspection concluded before its appointment, one cancelled with no appointment ahead (none booked, or it
 *       has begun) sends nothing new: the inspection took place, or the applicant holds only the invite link, whose
 *       page says the inspection was cancelled;</li>
 *   <li>in every case the sealed contact is deleted.</li>
 * </ul>
 * Nothing here holds up the close: it runs after the answer, and a failure is logged.
 */
public final class ClosedInspections {

  private static final Logger log = LoggerFactory.getLogger(ClosedInspections.class);

  private final Bookings bookings;
  private final CaseFiles cases;
  private final InviteNotices notices;

  public ClosedInspections(Bookings bookings, CaseFiles cases, InviteNotices notices) {
    this.bookings = bookings;
    this.cases = cases;
    this.notices = notices;
  }

  /**
   * The inspection {@code inspectionId} closed. The future completes when the contact is deleted and any notice's
   * delivery is over (tests wait on it; the server does not); it never fails.
   */
  public Future<Void> closed(String inspectionId) {
    return released(inspectionId)
        .compose(ahead -> ahead.isEmpty() ? notices.closed(inspectionId) : toldIfCancelled(inspectionId, ahead.get()))
        .recover(err -> {
          log.warn("inspection {}: after closing, its appointment or contact: {}", inspectionId, err.getMessage());
          return notices.closed(inspectionId).recover(again -> {
            log.warn("inspection {}: contact not deleted: {}", inspectionId, again.getMessage());
            return Future.succeededFuture();
          });
        });
  }

  /** Cancels an appointment still ahead: the one cancelled, or empty (also when that failed: logged). */
  private Future<Optional<Booking>> released(String inspectionId) {
    return bookings.inspectionClosed(inspectionId).recover(err -> {
      log.warn("inspection {}: booking not released: {}", inspectionId, err.getMessage());
      return Future.succeededFuture(Optional.empty());
    });
  }

  /** A cancelled inspection's applicant is told of the appointment {@code ahead}; the contact is deleted either way. */
  private Future<Void> toldIfCancelled(String inspectionId, Booking ahead) {
    return cases.get(inspectionId).compose(file -> cancelled(file)
        ? notices.inspectionCancelled(file.get(), ahead.start()) : notices.closed(inspectionId));
  }

  private static boolean cancelled(Optional<CaseFile> file) {
    return file.isPresent() && file.get().status() == CaseFile.Status.CANCELLED;
  }
}
