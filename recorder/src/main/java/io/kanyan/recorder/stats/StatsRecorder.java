package io.kanyan.recorder.stats;

import io.kanyan.recorder.redis.LuaScript;
import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.trail.TrailEvent;
import io.lettuce.core.ScriptOutputType;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/**
 * Keeps the statistics' counters as trail events happen: each {@code inspection.created}, {@code booking.made}, {@code call.connected}
 * and {@code inspection.ended} is counted, once, into per-day, per-week (ISO, from Monday) and per-month Redis
 * hashes (in the bureau's time zone), in total, per inspector and per matter type, by one Lua script
 * ({@code record.lua}). Durations (call connected to concluded) and waits (creation to call connected) go into
 * histograms whose buckets widen with the value (half a minute below 10 minutes, then 1, 2, 5, 10 and 30 minutes
 * up to 24 hours; each named by its lower edge in seconds), so a median or p90 over any period reads bounded data.
 *
 * <p>The script remembers each inspection in {@code kanyan:stats:case:<id>} (owner, matter, times), which makes
 * counting idempotent: a replayed append or a second backfill counts nothing twice.
 *
 * <p>The wait is measured from {@value #WAIT_FROM_FIELD} in that hash: the creation time, until the inspection's
 * first {@code booking.made} (before the call connected) sets it to the time of booking, so the figure is the wait
 * from booking to inspection (from creation for an inspection never booked). A move keeps it. The backfill
 * replays the same events in order, so it agrees.
 */
public final class StatsRecorder {

  /** Where the wait starts, in the inspection's stats hash. */
  public static final String WAIT_FROM_FIELD = "waitFrom";
  /** How long a closed inspection's stats hash is kept (a replayed end within it is recognised). */
  static final Duration KEEP_CLOSED = Duration.ofDays(30);
  static final String PREFIX = "kanyan:stats:";

  private final ZoneId zone;
  private final LuaScript script;

  public StatsRecorder(RedisStore redis, ZoneId zone) {
    this.zone = zone;
    this.script = new LuaScript(redis, StatsRecorder.class, "record.lua");
  }

  public static String caseKey(String inspectionId) {
    return PREFIX + "case:" + inspectionId;
  }

  /**
   * Counts {@code event} if it is one the statistics count; other events complete at once.
   *
   * @return 1 counted, 0 already counted, -1 an inspection the counters never saw created, null not counted
   */
  public Future<Long> record(TrailEvent event) {
    return switch (event.type()) {
      case INSPECTION_CREATED -> created(event);
      case BOOKING_MADE -> eval(event, "booked");
      case CALL_CONNECTED -> eval(event, "connected");
      case INSPECTION_ENDED -> {
        JsonObject p = event.payloadJson();
        String conclusion = p.getString("conclusion");
        yield eval(event, "ended", conclusion == null || "cancelled".equals(p.getString("reason")) ? "cancelled" : conclusion);
      }
      default -> Future.succeededFuture(null);
    };
  }

  private Future<Long> created(TrailEvent event) {
    JsonObject facts = event.payloadJson();
    String inspector = facts.getString("inspector", event.actor());
    // Inspections from before the catalogue have only the matter's name.
    String matterName = facts.getString("matterType", "");
    String matter = facts.getString("matterCode", matterName);
    String original = facts.getString("reinspectionOf", "");
    return eval(event, "created", inspector, matter, original, facts.getString("inspectorName", inspector), matterName);
  }

  private Future<Long> eval(TrailEvent event, String kind, String... extra) {
    LocalDate day = event.time().atZone(zone).toLocalDate();
    String[] keys = {caseKey(event.inspectionId())};
    String[] args = new String[6 + extra.length];
    args[0] = kind;
    args[1] = Long.toString(event.time().toEpochMilli());
    args[2] = day.toString();
    args[3] = day.with(java.time.temporal.TemporalAdjusters.previousOrSame(java.time.DayOfWeek.MONDAY)).toString();
    args[4] = day.format(MONTH);
    args[5] = Long.toString(KEEP_CLOSED.toSeconds());
    System.arraycopy(extra, 0, args, 6, extra.length);
    return script.run(ScriptOutputType.INTEGER, keys, args);
  }

  static final DateTimeFormatter MONTH = DateTimeFormatter.ofPattern("yyyy-MM");
}
