package io.kanyan.recorder.trail;

import io.kanyan.recorder.redis.LuaScript;
import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.redis.RedisUnavailableException;
import io.lettuce.core.Range;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.StreamMessage;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one entry point that appends to and reads an inspection's hash-chained trail in Redis.
 *
 * <p>Appends are idempotent (the event id is checked inside the Lua script, so a command Lettuce replays
 * after a reconnect is not stored twice) and linear (the script appends only if the caller's previous
 * hash is still the head, so two server nodes cannot fork a chain). Within this node, appends to one
 * inspection are queued so they keep their call order. The data model is in {@code recorder/TRAIL.md}.
 */
public final class Trail {

  private static final Logger log = LoggerFactory.getLogger(Trail.class);

  /** A chain head: the hash and seq of an inspection's last event. */
  public record Head(String hash, long seq) {
  }

  /**
   * A fence for an append: the event is stored only while the Redis string {@code key} holds {@code value} (a
   * lease with its fencing token), checked in the same script as the append. A writer that lost its lease (paused
   * or partitioned past it, while another took over) has its appends refused with a {@link FencedException}.
   */
  public record Fence(String key, String value) {
  }

  /** An append refused by its {@link Fence}: the writer no longer holds the lease. Never retried. */
  public static final class FencedException extends RuntimeException {
    public FencedException(String inspectionId, Fence fence, String current) {
      super("inspection " + inspectionId + ": append refused by the fence " + fence.key() + " (held "
          + fence.value() + ", now " + (current.isEmpty() ? "nobody" : current) + ")");
    }
  }

  static final int MAX_ATTEMPTS = 50;
  /** Connection failures are retried (the script is idempotent) this many times, 250 ms apart. */
  static final int MAX_UNAVAILABLE_RETRIES = 40;
  private static final long RETRY_DELAY_MS = 250;
  /** ... and for at most this long, however long each try waited (a replica acknowledgement waits its timeout). */
  static final long RETRY_WINDOW_MS = MAX_UNAVAILABLE_RETRIES * RETRY_DELAY_MS;

  private final RedisStore redis;
  private final Clock clock;
  private final LuaScript script;
  private final List<java.util.function.Consumer<TrailEvent>> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final Map<String, Head> heads = new ConcurrentHashMap<>();
  private final Map<String, Future<TrailEvent>> queues = new ConcurrentHashMap<>();
  private volatile AppendTimer timer = (nanos, failed) -> { };

  public Trail(RedisStore redis, Clock clock) {
    this.redis = redis;
    this.clock = clock;
    this.script = new LuaScript(redis, Trail.class, "append.lua");
  }

  /**
   * Calls {@code listener} with each event an append stores, after it is stored, and with the stored one when an
   * append finds its event already there (a resend after a lost reply): listeners must be idempotent. A
   * listener's failure is its own (logged and skipped): the append has succeeded. Listeners must not block. The
   * statistics and the outbound webhooks (whose idempotency key is the event id) are fed this way.
   */
  public void onAppended(java.util.function.Consumer<TrailEvent> listener) {
    listeners.add(listener);
  }

  /**
   * Hears how long each append took as its caller saw it (queueing behind the inspection's earlier appends and
   * Redis retries included) and whether it failed: the server's metrics. Must not block.
   */
  public interface AppendTimer {
    void appended(long nanos, boolean failed);
  }

  /** Sets the {@link AppendTimer} (one; the last set wins). */
  public void timeAppends(AppendTimer timer) {
    this.timer = timer;
  }

  public static String streamKey(String inspectionId) {
    return "kanyan:trail:{" + inspectionId + "}";
  }

  public static String idsKey(String inspectionId) {
    return streamKey(inspectionId) + ":ids";
  }

  /**
   * The hash of every chain head: field = inspection id, value = {@code <seq>:<hash>}. It is also the
   * index of every inspection that has a trail; checkpoints scan it.
   */
  public static final String HEADS_KEY = "kanyan:trail:heads";

  /** Parses a value of {@link #HEADS_KEY}: {@code <seq>:<hash>}. */
  public static Head parseHead(String value) {
    int sep = value.indexOf(':');
    return new Head(value.substring(sep + 1), Long.parseLong(value.substring(0, sep)));
  }

  /** Appends an event with a fresh id. */
  public Future<TrailEvent> append(String inspectionId, EventType type, String actor, JsonObject payload) {
    return append(UUID.randomUUID().toString(), inspectionId, type, actor, payload);
  }

  /**
   * Appends an event with a caller-chosen id: calling again with the same id returns the stored event
   * and stores nothing new.
   */
  public Future<TrailEvent> append(String eventId, String inspectionId, EventType type, String actor,
      JsonObject payload) {
    return append(eventId, inspectionId, type, actor, payload, null);
  }

  /**
   * {@link #append(String, String, EventType, String, JsonObject)} behind a {@link Fence} (null: none): refused with
   * a {@link FencedException} once the fence's key no longer holds its value. A resend of an event already stored
   * still answers the stored event.
   */
  public Future<TrailEvent> append(String eventId, String inspectionId, EventType type, String actor,
      JsonObject payload, Fence fence) {
    if (!validId(inspectionId) || !validId(eventId)) {
      return Future.failedFuture(new IllegalArgumentException("trail ids must be 1-200 characters without "
          + "whitespace or control characters: inspection '" + inspectionId + "', event '" + eventId + "'"));
    }
    String json = (payload == null ? new JsonObject() : payload).encode();
    Instant time = clock.instant().truncatedTo(ChronoUnit.MILLIS);
    long started = System.nanoTime();
    Context caller = Vertx.currentContext();
    Future<TrailEvent>[] slot = newSlot();
    queues.compute(inspectionId, (id, previous) -> {
      Future<TrailEvent> run = previous == null
          ? attempt(eventId, inspectionId, type, actor, time, json, fence, 1)
          : previous.transform(ignored -> attempt(eventId, inspectionId, type, actor, time, json, fence, 1));
      slot[0] = run;
      return run;
    });
    Future<TrailEvent> mine = slot[0];
    return onCallers(caller, mine.andThen(done -> queues.remove(inspectionId, mine))
        .andThen(done -> timer.appended(System.nanoTime() - started, done.failed())));
  }

  /**
   * The append completes on the context that asked for it. Appends of one inspection run one after the other, and
   * the one before may have been asked for on another event loop (the server's HTTP loop and a call loop both append
   * to a live call's trail): without this, the caller's callbacks could run on that other loop's thread.
   */
  private static <T> Future<T> onCallers(Context caller, Future<T> done) {
    if (caller == null) {
      return done;
    }
    Promise<T> answer = Promise.promise();
    done.onComplete(result -> {
      if (Vertx.currentContext() == caller) {
        answer.handle(result);
      } else {
        caller.runOnContext(v -> answer.handle(result));
      }
    });
    return answer.future();
  }

  private static boolean validId(String id) {
    return id != null && !id.isEmpty() && id.length() <= 200
        && id.codePoints().noneMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c));
  }

  @SuppressWarnings("unchecked")
  private static Future<TrailEvent>[] newSlot() {
    return (Future<TrailEvent>[]) new Future[1];
  }

  private Future<TrailEvent> attempt(String eventId, String inspectionId, EventType type, String actor,
      Instant time, String payload, Fence fence, int attempt) {
    Head head = heads.getOrDefault(inspectionId, new Head(Chain.GENESIS, 0));
    long seq = head.seq() + 1;
    String hash = Chain.hash(eventId, inspectionId, seq, type, actor, time, payload, head.hash());
    TrailEvent event = new TrailEvent(eventId, inspectionId, seq, type, actor, time, payload, head.hash(), hash);
    return retrying(event, () -> runScript(event, fence), 0).compose(reply -> {
      String outcome = String.valueOf(reply.get(0));
      switch (outcome) {
        case "ok":
          heads.put(inspectionId, new Head(hash, seq));
          tell(event);
          return Future.succeededFuture(event);
        case "dup":
          return retrying(event, () -> readEntry(inspectionId, String.valueOf(reply.get(1))), 0)
              .onSuccess(stored -> tell((TrailEvent) stored));
        case "early":
          // Times never go backwards within a chain: the event takes its predecessor's time instead.
          if (attempt >= MAX_ATTEMPTS) {
            return Future.failedFuture(new IllegalStateException("inspection " + inspectionId
                + ": trail append kept finding a later chain head; try again"));
          }
          Instant last = Instant.parse(String.valueOf(reply.get(1)));
          log.warn("inspection {}: event time {} is earlier than the chain's last event ({}): appended at {}",
              inspectionId, Chain.formatTime(time), last, Chain.formatTime(last));
          return attempt(eventId, inspectionId, type, actor, last, payload, fence, attempt + 1);
        case "stale":
          if (attempt >= MAX_ATTEMPTS) {
            return Future.failedFuture(new IllegalStateException("inspection " + inspectionId
                + ": trail append kept losing the race for the chain head; try again"));
          }
          heads.put(inspectionId, new Head(String.valueOf(reply.get(1)), Long.parseLong(String.valueOf(reply.get(2)))));
          return attempt(eventId, inspectionId, type, actor, time, payload, fence, attempt + 1);
        case "fenced":
          return Future.failedFuture(new FencedException(inspectionId, fence, String.valueOf(reply.get(1))));
        default:
          return Future.failedFuture(new IllegalStateException("unexpected reply from append script: " + reply));
      }
    });
  }

  /**
   * Runs a step of an append, again while Redis is unreachable, failing over, or short of replica
   * acknowledgements, for at most {@link #MAX_UNAVAILABLE_RETRIES} resends and {@link #RETRY_WINDOW_MS}. The script
   * is idempotent by event id, so a resend after a lost connection, a timeout or a failover cannot store the event
   * twice: it answers 'dup' if the first one went through (and so does a command Lettuce itself replays after
   * reconnecting).
   */
  private <T> Future<T> retrying(TrailEvent event, Supplier<Future<T>> step, int unavailable) {
    return retrying(event, step, unavailable, System.nanoTime() + RETRY_WINDOW_MS * 1_000_000L);
  }

  private <T> Future<T> retrying(TrailEvent event, Supplier<Future<T>> step, int unavailable, long deadline) {
    return step.get().recover(err -> {
      if (!(err instanceof RedisUnavailableException) || unavailable >= MAX_UNAVAILABLE_RETRIES
          || System.nanoTime() > deadline) {
        return Future.failedFuture(err);
      }
      log.warn("inspection {}: trail append {} failed ({}); resending", event.inspectionId(), event.id(),
          err.getMessage());
      return redis.vertx().timer(RETRY_DELAY_MS).compose(t -> retrying(event, step, unavailable + 1, deadline));
    });
  }

  /**
   * Runs the append script through {@link RedisStore#acknowledged}: with {@code KANYAN_REDIS_REPLICA_ACKS} above
   * zero it answers only once that many replicas hold the event (or its earlier copy, for 'dup'), and fails with a
   * {@link io.kanyan.recorder.redis.NotReplicatedException} otherwise, which is retried like an unreachable Redis.
   * With a {@code fence} (a live call's lease, signaling/CLUSTER.md) the script stores the event only while the
   * lease key holds exactly that value.
   */
  private Future<List<Object>> runScript(TrailEvent event, Fence fence) {
    String[] keys = fence == null ? new String[] {streamKey(event.inspectionId()), idsKey(event.inspectionId()), HEADS_KEY}
        : new String[] {streamKey(event.inspectionId()), idsKey(event.inspectionId()), HEADS_KEY, fence.key()};
    String[] values = fence == null ? new String[] {event.id(), event.prevHash(), Long.toString(event.seq()),
        event.hash(), event.inspectionId(), event.type().code(), event.actor(), Chain.formatTime(event.time()),
        event.payload()} : new String[] {event.id(), event.prevHash(), Long.toString(event.seq()), event.hash(),
        event.inspectionId(), event.type().code(), event.actor(), Chain.formatTime(event.time()), event.payload(),
        fence.value()};
    return script.runAcknowledged(ScriptOutputType.MULTI, keys, values);
  }

  private Future<TrailEvent> readEntry(String inspectionId, String entryId) {
    return redis.call(c -> c.xrange(streamKey(inspectionId), Range.create(entryId, entryId)))
        .map(entries -> {
          if (entries.isEmpty()) {
            throw new IllegalStateException("inspection " + inspectionId + ": trail entry " + entryId + " vanished");
          }
          return TrailEvent.fromFields(entries.get(0).getBody());
        });
  }

  private void tell(TrailEvent event) {
    for (java.util.function.Consumer<TrailEvent> l : listeners) {
      try {
        l.accept(event);
      } catch (RuntimeException e) {
        log.error("inspection {}: a trail listener failed on {}: {}", event.inspectionId(), event.type().code(),
            e.toString());
      }
    }
  }

  /**
   * True for a chain that is not an inspection's: {@code kanyan-alarms}, {@code kanyan-integrations}. Their
   * heads are committed like any other; they have no case record (the sweep checks none for a chain that does not
   * begin with {@code inspection.created}).
   */
  public static boolean isSystemChain(String id) {
    return id.startsWith("kanyan-");
  }

  /** Every event of an inspection, in chain order. */
  public Future<List<TrailEvent>> read(String inspectionId) {
    return redis.call(c -> c.xrange(streamKey(inspectionId), Range.create("-", "+")))
        .map(Trail::toEvents);
  }

  /** The stream entry ids beside their events, for callers that need Redis positions (export, tests). */
  public Future<List<StreamMessage<String, String>>> readRaw(String inspectionId) {
    return redis.call(c -> c.xrange(streamKey(inspectionId), Range.create("-", "+")));
  }

  /**
   * The stream entries from {@code entryId} (inclusive) to the head: what was appended since a reader last saw
   * {@code entryId}, preceded by that entry itself (or not, when it is gone), so the reader can check it still
   * holds what it read.
   */
  public Future<List<StreamMessage<String, String>>> readFrom(String inspectionId, String entryId) {
    return redis.call(c -> c.xrange(streamKey(inspectionId), Range.create(entryId, "+")));
  }

  /**
   * The latest event of a type on an inspection's trail, if any: read backwards from the head in pages,
   * so a recent one costs one round trip.
   */
  public Future<java.util.Optional<TrailEvent>> latest(String inspectionId, EventType type) {
    return latestBefore(inspectionId, type, Range.Boundary.unbounded());
  }

  private Future<java.util.Optional<TrailEvent>> latestBefore(String inspectionId, EventType type,
      Range.Boundary<String> upper) {
    int page = 200;
    return redis.call(c -> c.xrevrange(streamKey(inspectionId), Range.from(Range.Boundary.unbounded(), upper),
            io.lettuce.core.Limit.from(page)))
        .compose(entries -> {
          for (StreamMessage<String, String> entry : entries) {
            if (type.code().equals(entry.getBody().get("type"))) {
              return Future.succeededFuture(java.util.Optional.of(TrailEvent.fromFields(entry.getBody())));
            }
          }
          return entries.size() < page ? Future.succeededFuture(java.util.Optional.<TrailEvent>empty())
              : latestBefore(inspectionId, type, Range.Boundary.excluding(entries.get(entries.size() - 1).getId()));
        });
  }

  /** Drops this node's cached head of a finished inspection; the next append re-learns it from Redis. */
  public void forget(String inspectionId) {
    heads.remove(inspectionId);
  }

  private static List<TrailEvent> toEvents(List<StreamMessage<String, String>> entries) {
    List<TrailEvent> events = new ArrayList<>(entries.size());
    for (StreamMessage<String, String> entry : entries) {
      events.add(TrailEvent.fromFields(entry.getBody()));
    }
    return events;
  }

}
