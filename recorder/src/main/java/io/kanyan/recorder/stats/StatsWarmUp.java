package io.kanyan.recorder.stats;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZonedDateTime;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the statistics page's usual views before the people who open it do: once at start and a few minutes after
 * each midnight in the bureau's zone. A read that finds nothing built takes the year's running sums ({@link Nodes})
 * from scratch (~240 ms per inspector on this build machine), a read that finds them ~7 ms (README, "Statistics"):
 * this way the first person of the day gets the second. A per-node job, on the context that starts it; each view is
 * read after the one before it, so it takes no more of Redis at a time than one person's read.
 */
public final class StatsWarmUp {

  private static final Logger log = LoggerFactory.getLogger(StatsWarmUp.class);
  /** After midnight: the day that settled is then yesterday for every view. */
  static final Duration AFTER_MIDNIGHT = Duration.ofMinutes(5);

  /** One view the page offers: the last {@code days} days up to today, by {@code unit}, grouped by {@code group}. */
  record View(int days, StatsQuery.Unit unit, StatsQuery.Group group) {
  }

  /** The page's first view and its groupings, and the year by month per group (its longest usual view). */
  static final List<View> VIEWS = List.of(
      new View(30, StatsQuery.Unit.DAY, StatsQuery.Group.NONE),
      new View(30, StatsQuery.Unit.DAY, StatsQuery.Group.INSPECTOR),
      new View(30, StatsQuery.Unit.DAY, StatsQuery.Group.MATTER),
      new View(365, StatsQuery.Unit.MONTH, StatsQuery.Group.INSPECTOR),
      new View(365, StatsQuery.Unit.MONTH, StatsQuery.Group.MATTER));

  private final Vertx vertx;
  private final StatsQuery query;
  private final Clock clock;
  private volatile long timer = -1;
  private volatile boolean stopped;

  public StatsWarmUp(Vertx vertx, StatsQuery query, Clock clock) {
    this.vertx = vertx;
    this.query = query;
    this.clock = clock;
  }

  /** Reads every view once, one after another; completes with how many were read (a failed one is logged). */
  public Future<Integer> runOnce() {
    LocalDate today = LocalDate.now(clock.withZone(query.zone()));
    Future<Integer> chain = Future.succeededFuture(0);
    for (View v : VIEWS) {
      chain = chain.compose(n -> query.figures(today.minusDays(v.days() - 1L), today, v.unit(), v.group())
          .map(x -> n + 1)
          .otherwise(err -> {
            log.warn("statistics: the view of {} days by {} per {} was not read ahead: {}", v.days(),
                v.unit().name().toLowerCase(), v.group().name().toLowerCase(), err.getMessage());
            return n;
          }));
    }
    return chain;
  }

  /** Reads the views now and after every midnight from now on. */
  public void start() {
    runOnce().onComplete(x -> scheduleNext());
  }

  private void scheduleNext() {
    if (stopped) {
      return;
    }
    timer = vertx.setTimer(untilNextRun().toMillis(), t -> runOnce().onComplete(x -> scheduleNext()));
  }

  /** How long from now until a few minutes after the next midnight in the bureau's zone. */
  Duration untilNextRun() {
    ZonedDateTime now = ZonedDateTime.now(clock.withZone(query.zone()));
    ZonedDateTime next = now.toLocalDate().plusDays(1).atStartOfDay(query.zone()).plus(AFTER_MIDNIGHT);
    return Duration.between(now, next);
  }

  public void stop() {
    stopped = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }
}
