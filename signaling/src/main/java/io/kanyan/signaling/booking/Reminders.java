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
 * loses none (they wait in Redis), and two senders (two nodes, or a tick that overlaps the last) never send one
 * twice. A claim is removed once its notice was handed over; a claim whose sender died is due again after
 * {@link #STALE_CLAIM}. Reminders never hold up a booking: delivery is {@link InviteNotices}'s, with its retries.
 */
public final class Reminders {

  private static final Logger log = LoggerFactory.getLogger(Reminders.class);
  static final String DUE = "kanyan:reminders";
  static final String CLAIMED = "kanyan:reminders:claimed";
  static final Duration STALE_CLAIM = Duration.ofMinutes(10);
  private static final int BATCH = 100;

  private final Vertx vertx;
  private final RedisStore redis;
  private final Bookings bookings;
  private final CaseFiles cases;
  private final InviteNotices notices;
  private final Clock clock;
  private final LuaScript claim;
  private long timer = -1;
  private boolean running;

  public Reminders(Vertx vertx, RedisStore redis, Bookings bookings, CaseFiles cases, InviteNotices notices,
      Clock clock) {
    this.vertx = vertx;
    this.bookings = bookings;
    this.cases = cases;
    this.notices = notices;
    this.clock = clock;
    this.claim = new LuaScript(redis, Reminders.class, "claim.lua");
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
            Long.toString(STALE_CLAIM.toMillis())})
        .compose(ids -> {
          List<Future<Boolean>> sent = new ArrayList<>();
          ids.forEach(id -> sent.add(send((String) id)));
          return Future.join(sent).map(x -> ids.size());
        })
        .onFailure(err -> log.warn("reminders: due reminders not looked at: {}", err.getMessage()))
        .onComplete(x -> running = false);
  }

  /**
   * Sends one claimed reminder, if its inspection is still booked and open, then lets the claim go. The notice is
   * handed over, not awaited: its retries are {@link InviteNotices}'s, and a slow gateway holds up no other reminder.
   */
  private Future<Boolean> send(String inspectionId) {
    return bookings.of(inspectionId)
        .compose(b -> b.isEmpty() ? Future.succeededFuture(Optional.<Due>empty())
            : cases.get(inspectionId).map(f -> f.filter(file -> !file.status().closed()).map(file -> new Due(file,
                b.get()))))
        .map(due -> {
          due.ifPresent(d -> notices.remind(d.file(), d.booking().start()));
          return due.isPresent();
        })
        .compose(sent -> redis.call(c -> c.zrem(CLAIMED, inspectionId)).map(sent))
        .onSuccess(sent -> log.info("inspection {}: reminder {}", inspectionId, sent ? "sent"
            : "dropped (no booking, or the inspection closed)"))
        .onFailure(err -> log.warn("inspection {}: reminder not sent yet: {}", inspectionId, err.getMessage()));
  }

  private record Due(CaseFile file, Booking booking) {
  }

  /** The inspection closed: no reminder. */
  public Future<Void> closed(String inspectionId) {
    return redis.call(c -> c.zrem(DUE, inspectionId)).mapEmpty();
  }
}
