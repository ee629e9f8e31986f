package io.kanyan.recorder.stats;

import io.kanyan.recorder.redis.LuaScript;
import io.kanyan.recorder.redis.RedisStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.HashMap;
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
 */
public final class StatsQuery {

  /** The length of a series point. */
  public enum Unit { DAY, WEEK, MONTH }

  /** How the period's rows are grouped. */
  public enum Group { NONE, INSPECTOR, MATTER }

  /** The longest period for each unit, in days: a series of at most a few hundred points. */
  static final Map<Unit, Integer> MAX_DAYS = Map.of(Unit.DAY, 366, Unit.WEEK, 3 * 366, Unit.MONTH, 10 * 366);

  private final RedisStore redis;
  private final ZoneId zone;
  private final LuaScript read;

  public StatsQuery(RedisStore redis, ZoneId zone) {
    this.redis = redis;
    this.zone = zone;
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
    // Each bucket hash read once, summed by the script into every slot it counts towards. The points cut the
    // period into parts, so the period's total is their sum.
    Map<String, Set<String>> slots = new LinkedHashMap<>();
    for (int i = 0; i < points.size(); i++) {
      addSlots(slots, "all", cover(points.get(i)[0], points.get(i)[1]), "p" + i);
    }
    if (dim != null) {
      addSlots(slots, dim, cover, "groups");
    }
    String[] keys = slots.keySet().toArray(String[]::new);
    String[] args = slots.values().stream().map(s -> String.join(",", s)).toArray(String[]::new);
    Future<Map<String, String>> labels = dim == null ? Future.succeededFuture(Map.of())
        : redis.call(c -> c.hgetall(StatsRecorder.PREFIX + "labels:" + dim));
    Future<Map<String, Map<String, String>>> sums = read.run(keys, args).map(StatsQuery::sums);
    return Future.all(sums, labels).map(done -> {
      Map<String, Map<String, String>> read = sums.result();
      JsonArray series = new JsonArray();
      Tally total = new Tally();
      for (int i = 0; i < points.size(); i++) {
        LocalDate[] p = points.get(i);
        Tally point = total(read, "p" + i);
        total.add(point);
        series.add(new JsonObject().put("from", p[0].toString()).put("to", p[1].toString())
            .mergeIn(point.figures()));
      }
      JsonArray rows = new JsonArray();
      if (dim != null) {
        Map<String, String> names = labels.result();
        grouped(read).forEach((key, tally) -> rows.add(new JsonObject().put("key", key)
            .put("label", names.getOrDefault(key, key)).mergeIn(tally.figures())));
      }
      return new JsonObject().put("from", from.toString()).put("to", to.toString())
          .put("by", by.name().toLowerCase()).put("group", group.name().toLowerCase())
          .put("timeZone", zone.getId()).put("waitFrom", "booking")
          .put("total", total.figures()).put("series", series).put("groups", rows);
    });
  }

  private static void addSlots(Map<String, Set<String>> slots, String dim, List<String> periods, String slot) {
    for (String p : periods) {
      for (String kind : KINDS) {
        slots.computeIfAbsent(StatsRecorder.PREFIX + kind + ":" + dim + ":" + p, k -> new LinkedHashSet<>())
            .add(kind + "|" + slot);
      }
    }
  }

  /** The script's reply as slot → field → sum. */
  @SuppressWarnings("unchecked")
  private static Map<String, Map<String, String>> sums(List<Object> reply) {
    Map<String, Map<String, String>> out = new HashMap<>();
    for (int i = 0; i + 1 < reply.size(); i += 2) {
      List<Object> flat = (List<Object>) reply.get(i + 1);
      Map<String, String> fields = new HashMap<>(flat.size());
      for (int j = 0; j + 1 < flat.size(); j += 2) {
        fields.put(String.valueOf(flat.get(j)), String.valueOf(flat.get(j + 1)));
      }
      out.put(String.valueOf(reply.get(i)), fields);
    }
    return out;
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

  private static Tally total(Map<String, Map<String, String>> read, String slot) {
    Tally t = new Tally();
    read.getOrDefault("n|" + slot, Map.of()).forEach((metric, n) -> t.count(metric, Long.parseLong(n)));
    read.getOrDefault("duration|" + slot, Map.of()).forEach((b, n) -> t.duration(Integer.parseInt(b), Long.parseLong(n)));
    read.getOrDefault("wait|" + slot, Map.of()).forEach((b, n) -> t.wait(Integer.parseInt(b), Long.parseLong(n)));
    return t;
  }

  /** One tally per inspector or matter; the hash fields are {@code <key>|<metric or bucket>}. */
  private static Map<String, Tally> grouped(Map<String, Map<String, String>> read) {
    Map<String, Tally> out = new TreeMap<>();
    for (String kind : KINDS) {
      read.getOrDefault(kind + "|groups", Map.of()).forEach((field, n) -> {
        int bar = field.lastIndexOf('|');
        Tally t = out.computeIfAbsent(field.substring(0, bar), k -> new Tally());
        String rest = field.substring(bar + 1);
        long count = Long.parseLong(n);
        switch (kind) {
          case "n" -> t.count(rest, count);
          case "duration" -> t.duration(Integer.parseInt(rest), count);
          default -> t.wait(Integer.parseInt(rest), count);
        }
      });
    }
    return out;
  }
}
