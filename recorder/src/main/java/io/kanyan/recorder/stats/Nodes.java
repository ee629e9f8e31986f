package io.kanyan.recorder.stats;

import io.kanyan.recorder.redis.LuaScript;
import io.kanyan.recorder.redis.RedisStore;
import io.lettuce.core.ScriptOutputType;
import io.vertx.core.Future;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Running sums of the statistics per group (inspector or matter type), kept in Redis by {@code upto.lua}: the node
 * of a day is the sum of that year's buckets from 1 January up to and including the day. The groups of any
 * period are then the difference of two nodes per calendar year it touches, whatever its length: a year per
 * inspector reads two nodes instead of the ~280,000 fields of its twelve months' buckets.
 *
 * <p>A node is built from its base and a month, a week or a run of days within a week (see {@link #chain}: the
 * buckets {@link StatsQuery#cover} gives from 1 January to its day). Building a node whose base is missing builds
 * the base first, so a year's last node costs one short call per step (11 months and up to six weeks and day
 * runs), never one long one; nodes are shared by
 * every period that starts or ends on their day, and by the nodes built on them. Each node carries the
 * generations of its buckets' periods (see {@code record.lua}), and is rebuilt (or refused by read.lua) once an
 * event arrives late for one of them: a node is never read stale. Nodes are kept {@link StatsQuery#CACHE_KEEP}
 * after their last use, those of a month's end {@link #MONTH_END_KEEP}.
 */
final class Nodes {

  /**
   * How long the node of a month's end is kept after its last use: every later node of its year is built on it, so
   * after a few quiet days the first read builds only the nodes of the current month, not the year's.
   */
  static final Duration MONTH_END_KEEP = Duration.ofDays(40);

  private final LuaScript upto;

  Nodes(RedisStore redis) {
    this.upto = new LuaScript(redis, Nodes.class, "upto.lua");
  }

  static String key(String dim, LocalDate day) {
    return StatsRecorder.PREFIX + "upto:" + dim + ":" + day;
  }

  /**
   * The nodes whose difference is the groups' sum from {@code from} to {@code to}: per calendar year, the node of
   * its last day in the period added ({@code true}), and, when the period starts after 1 January, the node of the
   * day before it taken away ({@code false}).
   */
  static Map<LocalDate, Boolean> difference(LocalDate from, LocalDate to) {
    Map<LocalDate, Boolean> out = new TreeMap<>();
    for (int year = from.getYear(); year <= to.getYear(); year++) {
      LocalDate first = LocalDate.of(year, 1, 1);
      LocalDate last = LocalDate.of(year, 12, 31);
      out.put(to.isBefore(last) ? to : last, true);
      if (from.isAfter(first)) {
        out.put(from.minusDays(1), false);
      }
    }
    return out;
  }

  /** A node: the day of its base (null when it has none) and the buckets' periods it adds to the base. */
  record Node(LocalDate base, List<String> periods) {}

  /**
   * The nodes from 1 January up to {@code day}, each with its base and buckets, in order of their days: the
   * buckets {@link StatsQuery#cover} gives from 1 January to the day, a node after each month, after each week and
   * after each run of days (at most six: a run ends before a Monday, and seven days would be a week).
   * A node's base and buckets depend on its day alone, so every chain through a day agrees on its node.
   */
  static Map<LocalDate, Node> chain(LocalDate day) {
    Map<LocalDate, Node> out = new TreeMap<>();
    LocalDate base = null;
    List<String> run = new ArrayList<>();
    List<String> cover = StatsQuery.cover(LocalDate.of(day.getYear(), 1, 1), day);
    for (int i = 0; i < cover.size(); i++) {
      String period = cover.get(i);
      run.add(period);
      String next = i + 1 < cover.size() ? cover.get(i + 1) : null;
      if (period.charAt(0) != 'd' || next == null || next.charAt(0) != 'd'
          || StatsQuery.lastDay(next).getDayOfWeek() == java.time.DayOfWeek.MONDAY) {
        LocalDate end = StatsQuery.lastDay(period);
        out.put(end, new Node(base, List.copyOf(run)));
        run.clear();
        base = end;
      }
    }
    return out;
  }

  /**
   * Makes the nodes current, with every node they are built on: one upto.lua call per node, in order of their
   * days (a node already current answers at once). The calls go to Redis together, then once more one after
   * another when one found its base not yet built (a script Redis had to load first, or an event that arrived
   * late meanwhile).
   */
  Future<Void> build(String dim, Map<LocalDate, Boolean> nodes) {
    Map<LocalDate, Node> all = new TreeMap<>();
    nodes.keySet().forEach(day -> all.putAll(chain(day)));
    List<Future<String>> sent = new ArrayList<>();
    all.forEach((day, node) -> sent.add(ensure(dim, day, node)));
    return Future.join(sent).transform(done -> {
      boolean stale = sent.stream().anyMatch(f -> f.failed() || "stale".equals(f.result()));
      if (!stale) {
        return Future.<Void>succeededFuture();
      }
      Future<String> chain = Future.succeededFuture();
      for (Map.Entry<LocalDate, Node> e : all.entrySet()) {
        chain = chain.compose(x -> ensure(dim, e.getKey(), e.getValue()));
      }
      return chain.mapEmpty();
    });
  }

  private Future<String> ensure(String dim, LocalDate day, Node node) {
    List<String> keys = new ArrayList<>();
    keys.add(key(dim, day));
    keys.add(node.base() == null ? key(dim, day) : key(dim, node.base()));
    for (String bucket : node.periods()) {
      for (String kind : List.of("n", "duration", "wait")) {
        keys.add(StatsRecorder.PREFIX + kind + ":" + dim + ":" + bucket);
      }
    }
    Duration keep = node.periods().get(0).startsWith("m:") ? MONTH_END_KEEP : StatsQuery.CACHE_KEEP;
    String[] args = {String.join(",", node.periods()), Long.toString(keep.toSeconds()),
        node.base() == null ? "0" : "1"};
    return upto.run(ScriptOutputType.VALUE, keys.toArray(String[]::new), args);
  }
}
