package io.kanyan.recorder.trail;

import io.kanyan.recorder.redis.RedisStore;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which node is the checkpoint writer, as this node sees it (recorder/TRAIL.md 5.7): every lease period the writer
 * renews its {@link WriterLease} (a refusal makes it a follower) and serves the checkpoints other nodes asked for;
 * every other node tries to take the lease, and makes a checkpoint at once when it did. What this node believes is
 * only a belief: every publication is fenced in Redis anyway.
 */
final class WriterElection {

  private static final Logger log = LoggerFactory.getLogger(WriterElection.class);

  /** A counter other nodes increment to ask the writer for a checkpoint now (an export on them). */
  static final String REQUESTED_KEY = "kanyan:checkpoint:requested";
  /** The highest request the writer has served with a checkpoint. */
  static final String SERVED_KEY = "kanyan:checkpoint:served";

  private final Vertx vertx;
  private final RedisStore redis;
  private final WriterLease lease;
  private final Duration period;
  /** The lease while this instance holds it. */
  private volatile WriterLease.Held held;
  /** Once it held the lease, this instance never takes it over from another instance of its node. */
  private volatile boolean everHeld;
  private volatile boolean busy;
  private volatile long timerId = -1;

  WriterElection(Vertx vertx, RedisStore redis, Checkpoints.Settings settings) {
    this.vertx = vertx;
    this.redis = redis;
    this.lease = new WriterLease(redis, settings.node(), settings.leaseTime());
    this.period = settings.leasePeriod();
  }

  /**
   * Tries to take the lease now, then every lease period: {@code checkpoint} is made when this node takes it over,
   * and for the requests of other nodes while it holds it.
   */
  Future<Boolean> start(Supplier<Future<?>> checkpoint) {
    timerId = vertx.setPeriodic(period.toMillis(), id -> tick(checkpoint));
    return held != null ? Future.succeededFuture(true) : becomeWriter();
  }

  /** Stops the ticks and gives the lease up when this instance holds it. */
  Future<Void> stop() {
    vertx.cancelTimer(timerId);
    WriterLease.Held mine = held;
    if (mine == null) {
      return Future.succeededFuture();
    }
    held = null;
    return lease.release(mine)
        .onSuccess(released -> log.info("checkpoints: node {} gave the writer's lease up", lease.node()))
        .<Void>mapEmpty().otherwiseEmpty();
  }

  private void tick(Supplier<Future<?>> checkpoint) {
    if (busy) {
      return;
    }
    busy = true;
    WriterLease.Held mine = held;
    Future<?> tick = mine != null
        ? lease.renew(mine).compose(renewed -> {
          if (!renewed) {
            stepDown(mine, "its lease expired or was taken");
            return Future.succeededFuture();
          }
          return serveRequests(checkpoint);
        })
        : becomeWriter().compose(won -> won ? checkpoint.get() : Future.succeededFuture());
    tick.onComplete(done -> {
      busy = false;
      if (done.failed()) {
        log.warn("checkpoints: the writer's lease: {}", done.cause().toString());
      }
    });
  }

  /** The lease while this instance holds it, as far as it knows. */
  Optional<WriterLease.Held> held() {
    return Optional.ofNullable(held);
  }

  /** Tries to take the writer's lease: true when this instance holds it now. */
  Future<Boolean> becomeWriter() {
    if (held != null) {
      return Future.succeededFuture(true);
    }
    return lease.acquire(!everHeld).map(attempt -> {
      attempt.held().ifPresent(h -> {
        held = h;
        everHeld = true;
        log.info("checkpoints: node {} is the checkpoint writer now (fencing token {})", lease.node(), h.token());
      });
      return attempt.held().isPresent();
    });
  }

  /** This node is not the writer any more (when {@code mine} is still what it believed it held). */
  void stepDown(WriterLease.Held mine, String why) {
    if (mine != null && held == mine) {
      held = null;
      log.warn("checkpoints: node {} is no longer the checkpoint writer (fencing token {}): {}; it follows "
          + "Redis's copy of the log from now on", lease.node(), mine.token(), why);
    }
  }

  /** Whether this instance still holds the lease in Redis (checked before talking to witnesses or a TSA). */
  Future<Boolean> stillWriter() {
    WriterLease.Held mine = held;
    if (mine == null) {
      return Future.succeededFuture(false);
    }
    return lease.isCurrent(mine).map(current -> {
      if (!current) {
        stepDown(mine, "its fencing token is stale");
      }
      return current;
    });
  }

  /** Makes a checkpoint for every request other nodes made since the last one served. */
  private Future<Void> serveRequests(Supplier<Future<?>> checkpoint) {
    return Future.all(redis.call(c -> c.get(REQUESTED_KEY)), redis.call(c -> c.get(SERVED_KEY))).compose(both -> {
      long requested = count(both.resultAt(0));
      if (requested <= count(both.resultAt(1))) {
        return Future.succeededFuture();
      }
      return checkpoint.get().compose(x -> redis.call(c -> c.set(SERVED_KEY, Long.toString(requested)))).mapEmpty();
    });
  }

  /**
   * Asks the writer for a checkpoint ({@value #REQUESTED_KEY}) and waits until it was served, this node became the
   * writer itself, or {@code wait} passed. Never fails for a writer that does not answer: the caller goes on with the
   * latest tree head.
   */
  Future<Void> requestCheckpoint(Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    return redis.call(c -> c.incr(REQUESTED_KEY)).compose(request -> served(request, deadline));
  }

  private Future<Void> served(long request, long deadline) {
    return redis.call(c -> c.get(SERVED_KEY)).compose(value -> {
      if (count(value) >= request || held != null) {
        return Future.succeededFuture();
      }
      if (System.nanoTime() > deadline) {
        log.warn("checkpoints: no checkpoint writer answered within two intervals; using the latest tree head");
        return Future.succeededFuture();
      }
      Promise<Void> later = Promise.promise();
      vertx.setTimer(100, id -> served(request, deadline).onComplete(later));
      return later.future();
    });
  }

  private static long count(Object value) {
    return value == null ? 0 : Long.parseLong(value.toString());
  }

  WriterLease lease() {
    return lease;
  }
}
