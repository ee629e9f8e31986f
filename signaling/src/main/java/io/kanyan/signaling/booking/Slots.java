package io.kanyan.signaling.booking;

import io.kanyan.recorder.redis.LuaScript;
import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.signaling.Problem;
import io.lettuce.core.Range;
import io.vertx.core.Future;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Inspectors' availability: slots of one inspection each, published by the inspector or by the bureau's
 * remote-inspection desk (an admin), listed and removed while free. Slots of one inspector never overlap.
 *
 * <p>Keys: {@code kanyan:slot:<id>} (hash: id, inspector, start, end in epoch ms, publishedBy, publishedAt,
 * inspection while booked), {@code kanyan:slots:<inspector>} (sorted set of slot ids by start).
 */
public final class Slots {

  private final RedisStore redis;
  private final Clock clock;
  private final LuaScript publish;
  private final LuaScript remove;

  public Slots(RedisStore redis, Clock clock) {
    this.redis = redis;
    this.clock = clock;
    this.publish = new LuaScript(redis, Slots.class, "publish.lua");
    this.remove = new LuaScript(redis, Slots.class, "remove.lua");
  }

  static String key(String slotId) {
    return "kanyan:slot:" + slotId;
  }

  static String ofInspector(String inspector) {
    return "kanyan:slots:" + inspector;
  }

  /** True for a string that can be a slot id (a lowercase UUID), checked before it reaches a key. */
  public static boolean isId(String id) {
    return id != null && id.matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  }

  /**
   * Publishes a slot of {@code inspector}'s time.
   *
   * @throws Problem (failed future) {@code bad_slot} for a slot in the past, ending before it starts or longer than
   *                 {@link BookingSettings#LONGEST_SLOT}; {@code slot_overlaps} when it overlaps another of theirs
   */
  public Future<Slot> publish(String inspector, Instant start, Instant end, String publishedBy) {
    Instant now = clock.instant();
    if (!end.isAfter(start)) {
      return Future.failedFuture(Problem.badRequest("bad_slot", "a slot must end after it starts"));
    }
    if (!start.isAfter(now)) {
      return Future.failedFuture(Problem.badRequest("bad_slot", "a slot must start in the future"));
    }
    if (Duration.between(start, end).compareTo(BookingSettings.LONGEST_SLOT) > 0) {
      return Future.failedFuture(Problem.badRequest("bad_slot", "a slot may last at most "
          + BookingSettings.LONGEST_SLOT.toHours() + " hours; publish several"));
    }
    String id = UUID.randomUUID().toString();
    Slot slot = new Slot(id, inspector, start.truncatedTo(java.time.temporal.ChronoUnit.MILLIS),
        end.truncatedTo(java.time.temporal.ChronoUnit.MILLIS), publishedBy, null);
    return publish.run(new String[] {key(id), ofInspector(inspector)}, new String[] {id, inspector,
        Long.toString(slot.start().toEpochMilli()), Long.toString(slot.end().toEpochMilli()), publishedBy,
        Long.toString(now.toEpochMilli()), Long.toString(BookingSettings.LONGEST_SLOT.toMillis())})
        .compose(r -> "ok".equals(r.get(0)) ? Future.succeededFuture(slot)
            : Future.failedFuture(Problem.conflict("slot_overlaps", "this slot overlaps another slot of " + inspector
                + " (" + r.get(1) + "); pick a time that is still free")));
  }

  public Future<Optional<Slot>> get(String slotId) {
    if (!isId(slotId)) {
      return Future.succeededFuture(Optional.empty());
    }
    return redis.call(c -> c.hgetall(key(slotId))).map(h -> Optional.ofNullable(Slot.from(h)));
  }

  /** {@code inspector}'s slots that start in [from, to), by start. */
  public Future<List<Slot>> list(String inspector, Instant from, Instant to) {
    return redis.call(c -> c.zrangebyscore(ofInspector(inspector),
            Range.create((double) from.toEpochMilli(), (double) to.toEpochMilli() - 1)))
        .compose(ids -> {
          List<Future<Map<String, String>>> reads = new ArrayList<>();
          for (String id : ids) {
            reads.add(redis.call(c -> c.hgetall(key(id))));
          }
          return Future.all(reads).map(all -> {
            List<Slot> out = new ArrayList<>();
            for (int i = 0; i < all.size(); i++) {
              Slot s = Slot.from(all.resultAt(i));
              if (s != null) {
                out.add(s);
              }
            }
            return out;
          });
        });
  }

  /**
   * Removes a free slot.
   *
   * @throws Problem (failed future) not found, or {@code slot_booked} while an inspection holds it
   */
  public Future<Void> remove(String slotId) {
    return remove.run(new String[] {key(slotId)}, new String[] {slotId}).compose(r -> switch ((String) r.get(0)) {
      case "ok" -> Future.<Void>succeededFuture();
      case "slot_booked" -> Future.<Void>failedFuture(Problem.conflict("slot_booked", "this slot is booked (inspection "
          + r.get(1) + "); cancel that booking first, then remove the slot"));
      default -> Future.<Void>failedFuture(Problem.notFound("there is no slot " + slotId));
    });
  }
}
