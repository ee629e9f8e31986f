package io.kanyan.signaling.booking;

import io.kanyan.recorder.redis.LuaScript;
import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.trail.EventType;
import io.kanyan.recorder.trail.Trail;
import io.kanyan.signaling.Problem;
import io.kanyan.signaling.auth.Invites;
import io.lettuce.core.Range;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Inspections booked into availability slots ({@link Slots}). Booking, moving and cancelling each run as one
 * Redis Lua script that checks and writes together ({@code book.lua}, {@code cancel.lua}): a slot is free, the
 * inspection holds no other slot (unless it moves), the slot is the inspection's inspector's, it has not started,
 * and for the applicant it is not past the cutoff. Two requests at the same moment therefore cannot both win. The
 * same script keeps the inspection's reminder in the due set ({@link Reminders}). Every change goes on the
 * inspection's trail: {@code booking.made}, {@code booking.moved}, {@code booking.cancelled}. The applicant's invite
 * is kept valid until the appointment is over, even when that is beyond its usual lifetime.
 *
 * <p>Who may book which inspection is the caller's check (the HTTP resource); this class knows slots and times.
 *
 * <p>Keys: {@code kanyan:booking:<inspectionId>} (hash: slot, inspector, start, end in epoch ms, bookedAt,
 * movedAt, by, reminder: the id of this time's reminder), {@code kanyan:bookings:<inspector>} (sorted set of inspection ids by start: the inspector's days),
 * {@code kanyan:reminders} (due reminders, see {@link Reminders}).
 */
public final class Bookings {

  private static final Logger log = LoggerFactory.getLogger(Bookings.class);

  /** Who changes a booking: the applicant (bound by the cutoff) or a staff member (not bound). */
  public record Booker(String by, String actor, boolean boundByCutoff) {

    public static Booker applicant() {
      return new Booker("applicant", "applicant", true);
    }

    public static Booker staff(String username) {
      return new Booker(username, "user:" + username, false);
    }

    /** The server itself: an inspection closed before its appointment. */
    public static Booker system() {
      return new Booker("system", "system", false);
    }

    /**
     * The approval system, with its API key ({@code integration:<id>}): bound by the cutoff, as the applicant is,
     * since it books the times the applicant picked in the approval system. Staff's rights would let a late change
     * made on the applicant's behalf (in the bureau's portal, say) past the cutoff that keeps the inspector's day
     * from shifting at the last minute; inside it, the problem tells it to ask the inspector or the desk, who can.
     */
    public static Booker integration(String actor) {
      return new Booker(actor, actor, true);
    }

    public boolean isApplicant() {
      return "applicant".equals(actor);
    }

    /** The approval system, with its API key. */
    public boolean isIntegration() {
      return actor.startsWith("integration:");
    }

    public boolean isSystem() {
      return "system".equals(actor);
    }
  }

  /** A change that was made: the booking now (null after a cancel) and the one before (null for a new one). */
  public record Change(Booking now, Booking before) {
  }

  private final RedisStore redis;
  private final Trail trail;
  private final Clock clock;
  private final BookingSettings settings;
  private final LuaScript book;
  private final LuaScript cancel;
  private final Invites invites;

  /** @param invites an inspection's invite is kept valid until its appointment is over */
  public Bookings(RedisStore redis, Trail trail, Clock clock, BookingSettings settings, Invites invites) {
    this.redis = redis;
    this.invites = invites;
    this.trail = trail;
    this.clock = clock;
    this.settings = settings;
    this.book = new LuaScript(redis, Bookings.class, "book.lua");
    this.cancel = new LuaScript(redis, Bookings.class, "cancel.lua");
  }

  static String key(String inspectionId) {
    return "kanyan:booking:" + inspectionId;
  }

  static String dayKey(String inspector) {
    return "kanyan:bookings:" + inspector;
  }

  public BookingSettings settings() {
    return settings;
  }

  /** The inspection's booking, if it has one. */
  public Future<Optional<Booking>> of(String inspectionId) {
    return redis.call(c -> c.hgetall(key(inspectionId))).map(h -> Optional.ofNullable(booking(inspectionId, h)));
  }

  /**
   * The id of the reminder of the inspection's current booking: new with each booking and move, the same however
   * often that reminder is sent (its idempotency key). Null when the inspection has no booking. A booking made
   * before reminders had ids gets one derived from its slot and start.
   */
  public Future<String> reminderId(String inspectionId) {
    return redis.call(c -> c.hmget(key(inspectionId), "reminder", "slot", "start")).map(values -> {
      String reminder = values.get(0).getValueOrElse(null);
      String slot = values.get(1).getValueOrElse(null);
      if (reminder != null || slot == null) {
        return reminder;
      }
      return UUID.nameUUIDFromBytes(("reminder/" + inspectionId + "/" + slot + "/" + values.get(2).getValueOrElse(""))
          .getBytes(java.nio.charset.StandardCharsets.UTF_8)).toString();
    });
  }

  /** {@code inspector}'s bookings that start on {@code day} in {@code zone}, sorted by start. */
  public Future<List<Booking>> day(String inspector, LocalDate day, ZoneId zone) {
    ZonedDateTime from = day.atStartOfDay(zone);
    long lo = from.toInstant().toEpochMilli();
    long hi = from.plusDays(1).toInstant().toEpochMilli() - 1;
    return redis.call(c -> c.zrangebyscore(dayKey(inspector), Range.create((double) lo, (double) hi)))
        .compose(ids -> {
          List<Future<Optional<Booking>>> reads = new ArrayList<>();
          ids.forEach(id -> reads.add(of(id)));
          return Future.all(reads).map(all -> {
            List<Booking> out = new ArrayList<>();
            for (int i = 0; i < all.size(); i++) {
              Optional<Booking> b = all.resultAt(i);
              b.filter(x -> x.inspector().equals(inspector)).ifPresent(out::add);
            }
            out.sort(Comparator.comparing(Booking::start));
            return out;
          });
        });
  }

  /**
   * Books {@code inspectionId} (whose inspector is {@code inspector}) into a slot.
   *
   * @throws Problem (failed future) see {@link #problem}
   */
  public Future<Change> book(String inspectionId, String inspector, String slotId, Booker who) {
    return change(inspectionId, inspector, slotId, who, "book");
  }

  /** Moves the inspection's booking to another slot of its inspector. */
  public Future<Change> move(String inspectionId, String inspector, String slotId, Booker who) {
    return change(inspectionId, inspector, slotId, who, "move");
  }

  private Future<Change> change(String inspectionId, String inspector, String slotId, Booker who, String mode) {
    if (!Slots.isId(slotId)) {
      return Future.failedFuture(slotId == null ? Problem.badRequest("missing_field", "slotId is required: pick a slot")
          : problem("no_slot", who));
    }
    Instant now = clock.instant();
    String[] keys = {Slots.key(slotId), key(inspectionId), Reminders.DUE};
    String[] args = {inspectionId, slotId, inspector, Long.toString(now.toEpochMilli()),
        Long.toString(who.boundByCutoff() ? settings.cutoff().toMillis() : -1), mode,
        Long.toString(settings.reminderBefore().toMillis()), who.actor(), UUID.randomUUID().toString()};
    return book.run(keys, args).compose(r -> {
      String status = (String) r.get(0);
      if ("same".equals(status)) {
        return of(inspectionId).map(b -> new Change(b.orElse(null), b.orElse(null)));
      }
      if (!"ok".equals(status)) {
        return Future.failedFuture(problem(status, who));
      }
      Booking made = new Booking(inspectionId, slotId, inspector, millis(r.get(1)), millis(r.get(2)), millis(r.get(3)));
      Booking previous = ((String) r.get(4)).isEmpty() ? null
          : new Booking(inspectionId, (String) r.get(4), inspector, millis(r.get(5)), millis(r.get(6)), made.bookedAt());
      return recorded(made, previous, who);
    });
  }

  /** A booking or move that was made: on the trail, and the invite kept valid until the appointment is over. */
  private Future<Change> recorded(Booking made, Booking previous, Booker who) {
    String id = made.inspectionId();
    JsonObject data = facts(made, who);
    if (previous != null) {
      data.put("fromSlotId", previous.slotId()).put("fromStart", previous.start().toString())
          .put("fromEnd", previous.end().toString());
    }
    return onTrail(id, previous == null ? EventType.BOOKING_MADE : EventType.BOOKING_MOVED, who, data)
        .compose(x -> keepInviteValid(id, made.end()))
        .map(new Change(made, previous));
  }

  /** The invite is kept valid until {@code until}; a failure is logged (the booking stands; re-issue the link). */
  private Future<Void> keepInviteValid(String inspectionId, Instant until) {
    return invites.coverUntil(inspectionId, until).<Void>mapEmpty().recover(err -> {
      log.error("inspection {}: invite not kept valid until the appointment: {}", inspectionId, err.getMessage());
      return Future.succeededFuture();
    });
  }

  private static Instant millis(Object epochMillis) {
    return Instant.ofEpochMilli(Long.parseLong((String) epochMillis));
  }

  /** Cancels the inspection's booking; its slot is free again. */
  public Future<Change> cancel(String inspectionId, Booker who) {
    Instant now = clock.instant();
    return cancel.run(new String[] {key(inspectionId), Reminders.DUE}, new String[] {inspectionId,
        Long.toString(now.toEpochMilli()), Long.toString(who.boundByCutoff() ? settings.cutoff().toMillis() : -1)})
        .compose(r -> {
          if (!"ok".equals(r.get(0))) {
            return Future.failedFuture(problem((String) r.get(0), who));
          }
          Booking gone = new Booking(inspectionId, (String) r.get(1), (String) r.get(2), millis(r.get(3)),
              millis(r.get(4)), now);
          return onTrail(inspectionId, EventType.BOOKING_CANCELLED, who, facts(gone, who))
              .map(new Change(null, gone));
        });
  }

  /**
   * The inspection ended or was cancelled: an appointment still ahead is cancelled ({@code booking.cancelled} by
   * {@code system}), so its slot is free for someone else; a past one stays as it was. No reminder is sent.
   *
   * @return the appointment ahead that was cancelled (empty when there was none, or it had begun)
   */
  public Future<Optional<Booking>> inspectionClosed(String inspectionId) {
    return of(inspectionId).compose(b -> b.isPresent() && b.get().start().isAfter(clock.instant())
        ? cancel(inspectionId, Booker.system()).map(change -> Optional.ofNullable(change.before()))
        : redis.call(c -> c.zrem(Reminders.DUE, inspectionId)).map(x -> Optional.<Booking>empty()));
  }

  private static JsonObject facts(Booking b, Booker who) {
    return new JsonObject().put("slotId", b.slotId()).put("start", b.start().toString())
        .put("end", b.end().toString()).put("inspector", b.inspector()).put("by", who.by());
  }

  /**
   * The change is made; its trail event follows. Should the append fail (Redis lost between the two), the booking
   * stands and the failure is logged loudly: the caller hears of it as an error and can look.
   */
  private Future<Void> onTrail(String inspectionId, EventType type, Booker who, JsonObject data) {
    return trail.append(inspectionId, type, who.actor(), data).<Void>mapEmpty()
        .onFailure(err -> log.error("inspection {}: {} made but not on the trail: {}", inspectionId, type.code(),
            err.getMessage()));
  }

  private static Booking booking(String inspectionId, Map<String, String> h) {
    if (h == null || h.get("slot") == null) {
      return null;
    }
    return new Booking(inspectionId, h.get("slot"), h.get("inspector"),
        Instant.ofEpochMilli(Long.parseLong(h.get("start"))), Instant.ofEpochMilli(Long.parseLong(h.get("end"))),
        Instant.ofEpochMilli(Long.parseLong(h.get("bookedAt"))));
  }

  /**
   * The problem a script's answer names, in words {@code who} can act on. The cutoff's problems tell the approval
   * system what it can do: book a later slot, or have staff (who have no cutoff) change it in Kanyan.
   */
  Problem problem(String code, Booker who) {
    String cutoff = words(settings.cutoff());
    if (who.isIntegration() && "past_cutoff".equals(code)) {
      return Problem.conflict("past_cutoff", "the approval system books as the applicant does: an appointment can be "
          + "booked or moved through the API only until " + cutoff + " before it starts. Pick a slot that starts "
          + "later (GET /api/integration/slots lists only those), or ask the inspection's inspector or the bureau's "
          + "remote-inspection desk to book this time in Kanyan (staff have no cutoff)");
    }
    if (who.isIntegration() && "booking_locked".equals(code)) {
      return Problem.conflict("booking_locked", "the appointment starts in less than " + cutoff + ": the approval "
          + "system, like the applicant, can no longer move or cancel it. Ask the inspection's inspector or the "
          + "bureau's remote-inspection desk to change it in Kanyan (staff have no cutoff)");
    }
    return switch (code) {
      case "no_slot" -> new Problem(Problem.Kind.NOT_FOUND, "no_slot",
          "there is no such availability slot (it may have been removed); pick one of the free slots shown");
      case "foreign_slot" -> Problem.badRequest("foreign_slot",
          "this slot is another inspector's time; pick one of the slots of the inspection's own inspector");
      case "slot_past" -> Problem.badRequest("slot_past", "this slot has already started; pick a later one");
      case "past_cutoff" -> Problem.conflict("past_cutoff", "from the link, an appointment can be booked or changed "
          + "only until " + cutoff + " before it starts; pick a later slot or ask the inspector");
      case "already_booked" -> Problem.conflict("already_booked",
          "this inspection is already booked; move or cancel that booking instead");
      case "not_booked" -> Problem.conflict("not_booked", "this inspection has no booking; book a slot first");
      case "slot_taken" -> Problem.conflict("slot_taken",
          "this slot was just booked for another inspection; pick another free slot");
      case "booking_locked" -> Problem.conflict("booking_locked", "the appointment starts in less than " + cutoff
          + "; it can no longer be changed from the link; ask the inspector");
      default -> new Problem(Problem.Kind.CONFLICT, code, "the booking could not be made (" + code + ")");
    };
  }

  /** A duration as a person reads it: "2 h", "90 min". */
  static String words(java.time.Duration d) {
    return d.toMinutes() % 60 == 0 ? d.toHours() + " h" : d.toMinutes() + " min";
  }
}
