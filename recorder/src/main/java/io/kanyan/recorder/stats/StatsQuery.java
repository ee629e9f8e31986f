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
 * in a cache that a late event can never leave stale. The groups' settled part is the difference of running sums
 * ({@link Nodes}), not their buckets, and a long series is read in several calls of at most
 * {@link #CHUNK_BUCKETS} buckets: no call holds Redis for long, whatever the period.
 */
public final class StatsQuery {

  /** The length of a series point. */
  public enum Unit { DAY, WEEK, MONTH }

  /** How the period's rows are grouped. */
  public enum Group { NONE, INSPECTOR, MATTER }

  /** The longest period for each unit, in days: a series of at most a few hundred points. */
  static final Map<Unit, Integer> MAX_DAYS = Map.of(Unit.DAY, 366, Unit.WEEK, 3 * 366, Unit.MONTH, 10 * 366);

  /** The layout of a cache entry (read.lua), named in its key. */
  static final String CACHE_LAYOUT = "reduced-2";

  /** How long a cached sum of settled buckets is kept after its last use. */
  static final Duration CACHE_KEEP = Duration.ofDays(2);

  private final RedisStore redis;
  private final ZoneId zone;
  private final Clock clock;
  private final LuaScript read;
  private final Nodes nodes;
  private final boolean composed;

  public StatsQuery(RedisStore redis, ZoneId zone) {
    this(redis, zone, Clock.systemUTC());
  }

  public StatsQuery(RedisStore redis, ZoneId zone, Clock clock) {
    this(redis, zone, clock, true);
  }

  /**
   * With {@code composed} false, nothing is cached and the groups are always summed from their buckets, never
   * from {@link Nodes}: the full computation in Redis, which the composed and cached one must agree with (tests).
   */
  StatsQuery(RedisStore redis, ZoneId zone, Clock clock, boolean composed) {
    this.redis = redis;
    this.zone = zone;
    this.clock = clock;
    this.read = new LuaScript(redis, StatsQuery.class, "read.lua");
    this.nodes = new Nodes(redis);
    this.composed = composed;
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
    String dim = group == Group.INSPECTOR ? "i" : group == Group.MATTER ? "m" : null;
    LocalDate today = LocalDate.now(clock.withZone(zone));
    Future<Map<String, String>> labels = dim == null ? Future.succeededFuture(Map.of())
        : redis.call(c -> c.hgetall(StatsRecorder.PREFIX + "labels:" + dim));
    List<Request> parts = new ArrayList<>();
    List<int[]> chunks = chunks(points);
    if (chunks.size() == 1) {
      parts.add(request(from, to, points, 0, points.size(), Part.WHOLE, dim, today, composed, composed));
    } else {
      chunks.forEach(c -> parts.add(request(from, to, points, c[0], c[1], Part.SERIES, dim, today, composed,
          composed)));
      parts.add(request(from, to, points, 0, 0, Part.REST, dim, today, composed, composed));
    }
    List<Future<JsonObject>> reads = parts.stream().map(r -> read(r, dim, 0)).toList();
    Future<JsonObject> reduced = Future.all(reads).map(all -> {
      JsonObject merged = new JsonObject();
      reads.forEach(f -> merged.mergeIn(f.result()));
      return merged;
    });
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

  /** How many times a read whose nodes went stale meanwhile (late events) builds them again before it sums buckets. */
  private static final int NODE_TRIES = 3;

  /**
   * Runs read.lua. When it needs nodes that are missing or not current, builds them (a short upto.lua call per
   * bucket, see {@link Nodes}) and asks again; should late events keep moving them, the groups are summed from
   * the buckets instead.
   */
  private Future<JsonObject> read(Request request, String dim, int tries) {
    return read.run(request.keys(), request.args()).compose(reply -> {
      if (!"stale".equals(reply.get(1))) {
        return Future.succeededFuture(new JsonObject((String) reply.get(0)));
      }
      if (tries >= NODE_TRIES) {
        return read(request.raw().get(), dim, tries);
      }
      // A node that could not be built is asked for again, and in the end the groups are summed from buckets.
      return nodes.build(dim, request.nodes()).transform(built -> read(request, dim, tries + 1));
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

  /**
   * The script's keys and arguments: the settled buckets first, cached under a key named for them; the nodes
   * ({@code +}/{@code -} per node date) that give the groups' settled part; and how to ask again without nodes.
   */
  private record Request(String[] keys, String[] args, Map<LocalDate, Boolean> nodes,
      java.util.function.Supplier<Request> raw) {}

  /** The most buckets (of each kind) one read of a long series sums; a longer series is read in several calls. */
  static final int CHUNK_BUCKETS = 62;

  /** Which part of a period's figures a read gives. */
  private enum Part {
    /** All of them: the series points (whose buckets are summed into the total too), the total and the groups. */
    WHOLE,
    /** Some of the series points only. */
    SERIES,
    /** The total (from the period's own buckets: months, weeks, days) and the groups. */
    REST
  }

  /**
   * The series points cut into runs of at most {@link #CHUNK_BUCKETS} buckets ([first, last) indices): one run for
   * most periods, several for a long series of days (a year by day is ~1,100 bucket hashes), each read by a
   * call of its own so that no call holds Redis long.
   */
  static List<int[]> chunks(List<LocalDate[]> points) {
    List<int[]> out = new ArrayList<>();
    int first = 0;
    int buckets = 0;
    for (int i = 0; i < points.size(); i++) {
      int n = cover(points.get(i)[0], points.get(i)[1]).size();
      if (i > first && buckets + n > CHUNK_BUCKETS) {
        out.add(new int[] {first, i});
        first = i;
        buckets = 0;
      }
      buckets += n;
    }
    out.add(new int[] {first, points.size()});
    return out;
  }

  /**
   * A read of (a part of) the period. Each bucket hash is read once, summed by the script into every slot it counts
   * towards and reduced there to the figures; read whole, the points cut the period into parts, so the period's
   * total is read from their buckets too. With {@code composed}, the groups' settled part is not read from its
   * buckets but taken as the difference of two nodes per calendar year (running sums from 1 January,
   * {@link Nodes}): two reads however long the period, rather than ~20,000 fields a month per inspector.
   */
  private static Request request(LocalDate from, LocalDate to, List<LocalDate[]> points, int first, int last,
      Part part, String dim, LocalDate today, boolean composed, boolean cached) {
    Map<String, Set<String>> slots = new LinkedHashMap<>();
    for (int i = first; i < last; i++) {
      if (part == Part.WHOLE) {
        addSlots(slots, "all", cover(points.get(i)[0], points.get(i)[1]), "p" + i, TOTAL);
      } else {
        addSlots(slots, "all", cover(points.get(i)[0], points.get(i)[1]), "p" + i);
      }
    }
    if (part == Part.REST) {
      addSlots(slots, "all", cover(from, to), TOTAL);
    }
    List<String> groupsSettled = new ArrayList<>();
    Map<LocalDate, Boolean> nodes = new TreeMap<>();
    if (dim != null && part != Part.SERIES) {
      List<String> cover = cover(from, to);
      int settledEnd = 0;
      while (composed && settledEnd < cover.size() && settledPeriod(cover.get(settledEnd), today)) {
        settledEnd++;
      }
      groupsSettled.addAll(cover.subList(0, settledEnd));
      addSlots(slots, dim, cover.subList(settledEnd, cover.size()), GROUPS);
      if (settledEnd > 0) {
        nodes = Nodes.difference(from, lastDay(cover.get(settledEnd - 1)));
      }
    }
    List<String> settled = new ArrayList<>();
    List<String> live = new ArrayList<>();
    slots.keySet().forEach(key -> (settled(key, today) ? settled : live).add(key));
    List<String> keys = new ArrayList<>(settled);
    keys.addAll(live);
    // The entry's layout is part of its name: an entry of an earlier layout is never read.
    StringBuilder spec = new StringBuilder(CACHE_LAYOUT).append('\n');
    for (String key : settled) {
      spec.append(key).append('=').append(String.join(",", slots.get(key))).append('\n');
    }
    Set<String> periods = new LinkedHashSet<>();
    settled.forEach(key -> periods.add(period(key)));
    if (!nodes.isEmpty()) {
      spec.append("groups:").append(dim).append(':').append(from).append("..")
          .append(lastDay(groupsSettled.get(groupsSettled.size() - 1))).append('\n');
      periods.addAll(groupsSettled);
    }
    List<String> args = new ArrayList<>();
    args.add(periods.isEmpty() || !cached ? "" : StatsRecorder.PREFIX + "cache:" + io.kanyan.recorder.recording.Sha256.of(spec.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    args.add(Integer.toString(settled.size()));
    args.add(Long.toString(CACHE_KEEP.toSeconds()));
    args.add(Integer.toString(nodes.size()));
    args.add(String.join(",", periods));
    keys.forEach(key -> args.add(String.join(",", slots.get(key))));
    Map<LocalDate, Boolean> signs = nodes;
    signs.forEach((day, plus) -> {
      keys.add(Nodes.key(dim, day));
      args.add(plus ? "+" : "-");
    });
    return new Request(keys.toArray(String[]::new), args.toArray(String[]::new), signs,
        () -> request(from, to, points, first, last, part, dim, today, false, cached));
  }

  /** The keys a read of the period gives read.lua (buckets, then nodes): what it may read, for the tests. */
  static List<String> keys(LocalDate from, LocalDate to, Unit by, Group group, LocalDate today) {
    String dim = group == Group.INSPECTOR ? "i" : group == Group.MATTER ? "m" : null;
    List<LocalDate[]> points = points(from, to, by);
    return List.of(request(from, to, points, 0, points.size(), Part.WHOLE, dim, today, true, true).keys());
  }

  /** The period of a bucket's key ({@code d:…}, {@code w:…} or {@code m:…}). */
  static String period(String key) {
    return key.substring(key.indexOf(':', key.indexOf(':', StatsRecorder.PREFIX.length()) + 1) + 1);
  }

  /** True when a bucket's period ended before {@code today}: it changes only if an event arrives late. */
  static boolean settled(String key, LocalDate today) {
    return settledPeriod(period(key), today);
  }

  static boolean settledPeriod(String period, LocalDate today) {
    return lastDay(period).isBefore(today);
  }

  /** The last day a period ({@code d:…}, {@code w:…}, {@code m:…}) counts. */
  static LocalDate lastDay(String period) {
    String at = period.substring(2);
    return switch (period.charAt(0)) {
      case 'd' -> LocalDate.parse(at);
      case 'w' -> LocalDate.parse(at).plusDays(6);
      default -> java.time.YearMonth.parse(at).atEndOfMonth();
    };
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
