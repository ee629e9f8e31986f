package io.kanyan.signaling.booking;

import io.kanyan.recorder.audit.CaseFile;
import io.kanyan.recorder.audit.CaseFiles;
import io.kanyan.recorder.redis.LuaScript;
import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.signaling.notify.InviteNotices;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends each booked applicant a reminder {@link BookingSettings#reminderBefore} before the appointment, through
 * {@link InviteNotices#remind}. The due reminders are a Redis sorted set ({@code kanyan:reminders}: inspection id
 * scored by when the reminder is due) that booking, moving and cancelling keep in the same script as the booking
 * itself, so a move re-times the reminder and a cancel drops it. Every {@link BookingSettings#reminderPoll} the due
 * ones are claimed by one script ({@code claim.lua}) that moves them to {@code kanyan:reminders:claimed}: a restart
 * loses none (they wait in Redis), and two live senders (two nodes, or a tick that overlaps the last) never both
 * claim one.
 *
 * <p><b>At least once.</b> A claim is let go only once delivery is over: delivered on every channel, or given up
 * after its retries (each on the trail). A sender that dies after claiming, whether before sending, while its
 * notifier retries, or after delivery but before letting the claim go, leaves the claim in Redis; after
 * {@code claimFor} (longer than one delivery can take with all its retries) any node's next look finds it stale
 * and sends it again. A reminder is therefore never lost, and may be sent twice only when a sender died; both
 * sends carry the same notice id, which is the reminder's own ({@link Bookings#reminderId}, new with each booking
 * or move): the SMS gateway gets it as {@code Idempotency-Key} and drops the second, a mail carries it in its
 * Message-ID (a mail service that drops duplicates by Message-ID shows it once), and the trail shows both
 * {@code notification.sent} events with that id. Reminders never hold up a booking, and a slow gateway holds up no
 * other reminder: the look hands notices over and goes on.
 */
public final class Reminders {

  private static final Logger log = LoggerFactory.getLogger(Reminders.class);
  static final String DUE = "kanyan:reminders";
  static final String CLAIMED = "kanyan:reminders:claimed";
  /** The shortest time after which a claim is taken for its sender's death. */
  static final Duration STALE_CLAIM = Duration.ofMinutes(10);
  private static final int BATCH = 100;

  private final Vertx vertx;
  private final RedisStore redis;
  private final Bookings bookings;
  private final CaseFiles cases;
  private final InviteNotices notices;
  private final Clock clock;
  private final LuaScript claim;
  private final LuaScript release;
  private final Duration claimFor;
  private long timer = -1;
  private boolean running;

  /**
   * @param longestDelivery how long one notice's delivery can take with all its retries
   *                        ({@code NotifySettings#longestDelivery}): a claim older than that (plus a minute, and at
   *                        least {@link #STALE_CLAIM}) is taken for its sender's death
   */
  public Reminders(Vertx vertx, RedisStore redis, Bookings bookings, CaseFiles cases, InviteNotices notices,
      Clock clock, Duration longestDelivery) {
    this.vertx = vertx;
    Duration bound = longestDelivery.plusMinutes(1);
    this.claimFor = bound.compareTo(STALE_CLAIM) > 0 ? bound : STALE_CLAIM;
    this.bookings = bookings;
    this.cases = cases;
    this.notices = notices;
    this.clock = clock;
    this.claim = new LuaScript(redis, Reminders.class, "claim.lua");
    this.release = new LuaScript(redis, Reminders.class, "release.lua");
    this.redis = redis;
  }

  /** Looks for due reminders now and then every poll interval. */
  public void start() {
    timer = vertx.setPeriodic(0, bookings.settings().reminderPoll().toMillis(), t -> tick());
  }

  public void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }

  /** One look: claims the due reminders and sends each (a tick still busy with the last one is skipped). */
  Future<Integer> tick() {
    if (running) {
      return Future.succeededFuture(0);
    }
    running = true;
    long now = clock.instant().toEpochMilli();
    return claim.run(new String[] {DUE, CLAIMED}, new String[] {Long.toString(now), Integer.toString(BATCH),
            Long.toString(claimFor.toMillis())})
        .compose(ids -> {
          List<Future<Boolean>> sent = new ArrayList<>();
          ids.forEach(id -> sent.add(send((String) id, now)));
          return Future.join(sent).map(x -> ids.size());
        })
        .onFailure(err -> log.warn("reminders: due reminders not looked at: {}", err.getMessage()))
        .onComplete(x -> running = false);
  }

  /**
   * Hands one claimed reminder over to the notifiers, if its inspection is still booked and open; the claim is let
   * go once delivery is over (or at once when there is nothing to send), unless it was claimed again meanwhile
   * ({@code release.lua}: a move made it due again, and that claim is another look's). The returned future
   * completes at the hand-over: a slow gateway holds up no other reminder.
   */
  private Future<Boolean> send(String inspectionId, long claimedAt) {
    return bookings.of(inspectionId)
        .compose(b -> b.isEmpty() ? Future.succeededFuture(Optional.<Due>empty())
            : cases.get(inspectionId).compose(f -> f.filter(file -> !file.status().closed()).isEmpty()
                ? Future.succeededFuture(Optional.<Due>empty())
                : bookings.reminderId(inspectionId).map(rid -> Optional.of(new Due(f.get(), b.get(), rid)))))
        .map(due -> {
          Future<Void> delivered = due.map(d -> notices.remind(d.file(), d.booking().start(), d.noticeId()))
              .orElseGet(Future::succeededFuture);
          delivered.compose(x -> letGo(inspectionId, claimedAt))
              .onSuccess(x -> log.info("inspection {}: reminder {}", inspectionId, due.isPresent()
                  ? "sent (delivery over: each try is on the trail)" : "dropped (no booking, or the inspection closed)"))
              .onFailure(err -> log.warn("inspection {}: reminder claim not let go (it is sent again after {} min, with"
                  + " the same id): {}", inspectionId, claimFor.toMinutes(), err.getMessage()));
          return due.isPresent();
        })
        .onFailure(err -> log.warn("inspection {}: reminder not sent yet: {}", inspectionId, err.getMessage()));
  }

  /** Lets go of the claim made at {@code claimedAt}, if it is still that one. */
  private Future<Long> letGo(String inspectionId, long claimedAt) {
    return release.run(io.lettuce.core.ScriptOutputType.INTEGER, new String[] {CLAIMED},
        new String[] {inspectionId, Long.toString(claimedAt)});
  }

  private record Due(CaseFile file, Booking booking, String noticeId) {
  }

  /** The inspection closed: no reminder. */
  public Future<Void> closed(String inspectionId) {
    return redis.call(c -> c.zrem(DUE, inspectionId)).mapEmpty();
  }
}
