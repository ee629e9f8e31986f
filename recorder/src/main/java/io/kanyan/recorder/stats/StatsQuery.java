package io.kanyan.recorder.stats;

import io.kanyan.recorder.redis.LuaScript;
import io.kanyan.recorder.redis.RedisStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads the figures for a period from the buckets {@link StatsRecorder} keeps: a series (per day, ISO week or
 * month) of the totals, the period's totals, and, grouped by inspector or matter type, one row per group. A
 * period is read from month buckets where it covers whole months, week buckets where it covers whole weeks
 * and day buckets for the rest, so a year is at most about 12 + 8 + 24 reads per kind of bucket, whatever the
 * number of inspections.
 *
 * <p>One call of {@code read.lua} sums the buckets and reduces them inside Redis to what the figures need (see
 * {@link Tally}: 16 numbers a scope rather than its histograms), keeping the settled part (periods that are over)
 * in a cache that a late event can never leave stale.
 */
public final class StatsQuery {

  /** The length of a series point. */
  public enum Unit { DAY, WEEK, MONTH }

  /** How the period's rows are grouped. */
  public enum Group { NONE, INSPECTOR, MATTER }

  /** The longest period for each unit, in days: a series of at most a few hundred points. */
  static final Map<Unit, Integer> MAX_DAYS = Map.of(Unit.DAY, 366, Unit.WEEK, 3 * 366, Unit.MONTH, 10 * 366);

  /** The layout of a cache entry (read.lua), named in its key. */
  static final String CACHE_LAYOUT = "reduced-1";

  /** How long a cached sum of settled buckets is kept after its last use. */
  static final Duration CACHE_KEEP = Duration.ofDays(2);

  private final RedisStore redis;
  private final ZoneId zone;
  private final Clock clock;
  private final LuaScript read;

  public StatsQuery(RedisStore redis, ZoneId zone) {
    this(redis, zone, Clock.systemUTC());
  }

  public StatsQuery(RedisStore redis, ZoneId zone, Clock clock) {
    this.redis = redis;
    this.zone = zone;
    this.clock = clock;
    this.read = new LuaScript(redis, StatsQuery.class, "read.lua");
  }

  public ZoneId zone() {
    return zone;
  }

  /** Why a period cannot be asked for, or null when it can. */
  public static String problem(LocalDate from, LocalDate to, Unit by) {
    if (to.isBefore(from)) {
      return "the period ends (" + to + ") before it starts (" + from + ")";
    }
    long days = ChronoUnit.DAYS.between(from, to) + 1;
    if (days > MAX_DAYS.get(by)) {
      return "a period shown by " + by.name().toLowerCase() + " can be at most " + MAX_DAYS.get(by)
          + " days long; this one is " + days + ": choose a longer unit or a shorter period";
    }
    return null;
  }

  /** The figures from {@code from} to {@code to} (both included, days in the bureau's time zone). */
  public Future<JsonObject> figures(LocalDate from, LocalDate to, Unit by, Group group) {
    String problem = problem(from, to, by);
    if (problem != null) {
      return Future.failedFuture(new IllegalArgumentException(problem));
    }
    List<LocalDate[]> points = points(from, to, by);
    List<String> cover = cover(from, to);
    String dim = group == Group.INSPECTOR ? "i" : group == Group.MATTER ? "m" : null;
    // Each bucket hash read once, summed by the script into every slot it counts towards and reduced there to the
    // figures. The points cut the period into parts, so the period's total is read from their buckets too.
    Map<String, Set<String>> slots = new LinkedHashMap<>();
    for (int i = 0; i < points.size(); i++) {
      addSlots(slots, "all", cover(points.get(i)[0], points.get(i)[1]), "p" + i, TOTAL);
    }
    if (dim != null) {
      addSlots(slots, dim, cover, GROUPS);
    }
    Request request = request(slots, LocalDate.now(clock.withZone(zone)));
    Future<Map<String, String>> labels = dim == null ? Future.succeededFuture(Map.of())
        : redis.call(c -> c.hgetall(StatsRecorder.PREFIX + "labels:" + dim));
    Future<JsonObject> reduced = read.run(request.keys(), request.args())
        .map(reply -> new JsonObject((String) reply.get(0)));
    return Future.all(reduced, labels).map(done -> {
      JsonObject read = reduced.result();
      JsonArray series = new JsonArray();
      for (int i = 0; i < points.size(); i++) {
        LocalDate[] p = points.get(i);
        series.add(new JsonObject().put("from", p[0].toString()).put("to", p[1].toString())
            .mergeIn(Tally.figures(scope(read, "p" + i, ""))));
      }
      JsonArray rows = new JsonArray();
      if (dim != null) {
        Map<String, String> names = labels.result();
        JsonObject groups = read.getJsonObject(GROUPS, new JsonObject());
        new TreeMap<>(groups.getMap()).keySet().forEach(key -> rows.add(new JsonObject().put("key", key)
            .put("label", names.getOrDefault(key, key)).mergeIn(Tally.figures(scope(read, GROUPS, key)))));
      }
      return new JsonObject().put("from", from.toString()).put("to", to.toString())
          .put("by", by.name().toLowerCase()).put("group", group.name().toLowerCase())
          .put("timeZone", zone.getId()).put("waitFrom", "booking")
          .put("total", Tally.figures(scope(read, TOTAL, ""))).put("series", series).put("groups", rows);
    });
  }

  /** The script's slots: a series point is {@code p<index>}. */
  private static final String TOTAL = "total";
  private static final String GROUPS = "groups";

  /** One scope's reduced figures as the script gives them (see read.lua), or none counted. */
  private static long[] scope(JsonObject read, String slot, String scope) {
    JsonArray v = read.getJsonObject(slot, new JsonObject()).getJsonArray(scope);
    long[] out = new long[Tally.REDUCED];
    if (v == null) {
      for (int i = Tally.METRICS.size(); i < out.length; i++) {
        out[i] = i == Tally.CASES || i == Tally.WAITS ? 0 : -1;
      }
      return out;
    }
    for (int i = 0; i < out.length; i++) {
      out[i] = v.getLong(i);
    }
    return out;
  }

  private static void addSlots(Map<String, Set<String>> slots, String dim, List<String> periods, String... into) {
    for (String p : periods) {
      for (String kind : KINDS) {
        Set<String> specs = slots.computeIfAbsent(StatsRecorder.PREFIX + kind + ":" + dim + ":" + p,
            k -> new LinkedHashSet<>());
        for (String slot : into) {
          specs.add(kind + "|" + slot);
        }
      }
    }
  }

  /** The script's keys and arguments: the settled buckets first, cached under a key named for them. */
  private record Request(String[] keys, String[] args) {}

  private static Request request(Map<String, Set<String>> slots, LocalDate today) {
    List<String> settled = new ArrayList<>();
    List<String> live = new ArrayList<>();
    slots.keySet().forEach(key -> (settled(key, today) ? settled : live).add(key));
    List<String> keys = new ArrayList<>(settled);
    keys.addAll(live);
    List<String> args = new ArrayList<>();
    // The entry's layout is part of its name: an entry of an earlier layout is never read.
    StringBuilder spec = new StringBuilder(CACHE_LAYOUT).append('\n');
    for (String key : settled) {
      spec.append(key).append('=').append(String.join(",", slots.get(key))).append('\n');
    }
    args.add(settled.isEmpty() ? "" : StatsRecorder.PREFIX + "cache:" + io.kanyan.recorder.recording.Sha256.of(spec.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    args.add(Integer.toString(settled.size()));
    args.add(Long.toString(CACHE_KEEP.toSeconds()));
    keys.forEach(key -> args.add(String.join(",", slots.get(key))));
    return new Request(keys.toArray(String[]::new), args.toArray(String[]::new));
  }

  /** True when a bucket's period ended before {@code today}: it changes only if an event arrives late. */
  static boolean settled(String key, LocalDate today) {
    String period = key.substring(key.indexOf(':', key.indexOf(':', StatsRecorder.PREFIX.length()) + 1) + 1);
    String at = period.substring(2);
    LocalDate last = switch (period.charAt(0)) {
      case 'd' -> LocalDate.parse(at);
      case 'w' -> LocalDate.parse(at).plusDays(6);
      default -> java.time.YearMonth.parse(at).atEndOfMonth();
    };
    return last.isBefore(today);
  }

  /** The series points: each day, each ISO week (Monday to Sunday) or each month, cut to the period. */
  static List<LocalDate[]> points(LocalDate from, LocalDate to, Unit by) {
    List<LocalDate[]> out = new ArrayList<>();
    LocalDate start = from;
    while (!start.isAfter(to)) {
      LocalDate end = switch (by) {
        case DAY -> start;
        case WEEK -> start.with(TemporalAdjusters.nextOrSame(DayOfWeek.SUNDAY));
        case MONTH -> start.with(TemporalAdjusters.lastDayOfMonth());
      };
      if (end.isAfter(to)) {
        end = to;
      }
      out.add(new LocalDate[] {start, end});
      start = end.plusDays(1);
    }
    return out;
  }

  /**
   * The buckets that make up a period: whole months as month buckets, then whole ISO weeks (that take no first
   * day of a month that could be read whole), the remaining days as day buckets.
   */
  static List<String> cover(LocalDate from, LocalDate to) {
    List<String> out = new ArrayList<>();
    LocalDate d = from;
    while (!d.isAfter(to)) {
      LocalDate monthEnd = d.with(TemporalAdjusters.lastDayOfMonth());
      if (d.getDayOfMonth() == 1 && !monthEnd.isAfter(to)) {
        out.add("m:" + d.format(StatsRecorder.MONTH));
        d = monthEnd.plusDays(1);
      } else if (d.getDayOfWeek() == DayOfWeek.MONDAY && !d.plusDays(6).isAfter(to) && !takesAMonth(d, to)) {
        out.add("w:" + d);
        d = d.plusDays(7);
      } else {
        out.add("d:" + d);
        d = d.plusDays(1);
      }
    }
    return out;
  }

  /** True when the week from {@code monday} holds the first day of a month that lies wholly before {@code to}. */
  private static boolean takesAMonth(LocalDate monday, LocalDate to) {
    for (LocalDate x = monday.plusDays(1); !x.isAfter(monday.plusDays(6)); x = x.plusDays(1)) {
      if (x.getDayOfMonth() == 1 && !x.with(TemporalAdjusters.lastDayOfMonth()).isAfter(to)) {
        return true;
      }
    }
    return false;
  }

  private static final List<String> KINDS = List.of("n", "duration", "wait");
}
