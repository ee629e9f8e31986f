package io.kanyan.signaling.desk;

import io.kanyan.recorder.redis.RedisPubSub;
import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.signaling.auth.Revocations;
import io.kanyan.signaling.auth.Tokens;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers desk status changes to the desks connected to this node, whichever node appended the event: every
 * node subscribes (pattern {@code kanyan:desk:*}, on the store's one subscriber connection,
 * {@link RedisStore#subscriber()}, which the node bus shares) to what {@link DeskStore}
 * publishes, and hands each change only to the desks of the inspector it belongs to (an inspector sees only their
 * own desk). A desk is closed when the login it was opened with ends (logout, disabled account; {@link Revocations}).
 *
 * <p>The subscription and the revocations are heard on the context that called {@link #start} (the server
 * verticle's); desks connect from the contexts of their requests, which may be any of the server's event loops. The
 * desks are therefore kept in concurrent maps (a key's set is changed only inside {@code compute}, so a set emptied
 * by one loop is never dropped while another adds to it), and each desk is called on the context it connected from,
 * so a desk's own state (its stream, timers, "closed") stays on that one loop.
 */
public final class DeskEvents {

  private static final Logger log = LoggerFactory.getLogger(DeskEvents.class);

  /** One connected desk (an event stream). */
  public interface Desk {
    /** A status change of one of the inspector's inspections ({@link DeskStatus#toJson}). */
    void status(JsonObject state);

    /** The login this desk was opened with ended: {@code code} is {@code session_ended} or {@code account_disabled}. */
    void revoked(String code);

    /** Changes may have been missed (the pub/sub connection to Redis was lost and is back): read the day again. */
    void resync();
  }

  /** A connected desk and the context it connected from, where it is called. */
  private record Entry(String inspector, List<String> keys, Desk desk, Context context) {

    void tell(Consumer<Desk> what) {
      if (context == null || Vertx.currentContext() == context) {
        what.accept(desk);
      } else {
        context.runOnContext(v -> what.accept(desk));
      }
    }
  }

  private final RedisStore redis;
  private final Revocations revocations;
  private final Map<String, Set<Entry>> byInspector = new ConcurrentHashMap<>();
  private final Map<String, Set<Entry>> byCredential = new ConcurrentHashMap<>();
  private volatile Consumer<String> onChange = inspector -> { };
  private volatile Runnable onResync = () -> { };
  private volatile RedisPubSub pubSub;
  /** Touched on the start context only. */
  private boolean subscribedOnce;

  public DeskEvents(RedisStore redis, Revocations revocations) {
    this.redis = redis;
    this.revocations = revocations;
  }

  /** Also called (on this node) with the inspector of every change published by any node: their queue may move. */
  public void onChange(Consumer<String> action) {
    this.onChange = action;
  }

  /** Also called when changes may have been missed (the pub/sub connection came back). */
  public void onResync(Runnable action) {
    this.onResync = action;
  }

  /** Subscribes; call on the server verticle's context (where the changes are then delivered). */
  public Future<Void> start() {
    revocations.subscribe(this::revoked);
    // Lettuce subscribes again after a reconnect: what was published meanwhile is lost, so desks read afresh.
    return redis.subscriber().compose(p -> {
      pubSub = p;
      return p.psubscribe(DeskStore.CHANNEL + "*", this::delivered, this::resubscribed);
    });
  }

  /** Unsubscribes; completes once Redis answered (or could not), so the store may be closed after it. */
  public Future<Void> stop() {
    if (pubSub == null) {
      return Future.succeededFuture();
    }
    return pubSub.punsubscribe(DeskStore.CHANNEL + "*").otherwiseEmpty();
  }

  /**
   * Connects a desk of {@code inspector}, opened with the session {@code sessionToken}. The desk is called on the
   * caller's context from then on, whichever context hears the change.
   *
   * @return what disconnects it
   */
  public Runnable connect(String inspector, String sessionToken, Desk desk) {
    Entry entry = new Entry(inspector, List.of("session:" + Tokens.digest(sessionToken), "user:" + inspector), desk,
        Vertx.currentContext());
    add(byInspector, inspector, entry);
    for (String key : entry.keys()) {
      add(byCredential, key, entry);
    }
    return () -> {
      remove(byInspector, inspector, entry);
      entry.keys().forEach(key -> remove(byCredential, key, entry));
    };
  }

  /** Desks connected to this node (tests and operators). */
  public int connected() {
    return byInspector.values().stream().mapToInt(Set::size).sum();
  }

  private static void add(Map<String, Set<Entry>> map, String key, Entry entry) {
    map.compute(key, (k, set) -> {
      Set<Entry> desks = set != null ? set : ConcurrentHashMap.newKeySet();
      desks.add(entry);
      return desks;
    });
  }

  private static void remove(Map<String, Set<Entry>> map, String key, Entry entry) {
    map.computeIfPresent(key, (k, set) -> {
      set.remove(entry);
      return set.isEmpty() ? null : set;
    });
  }

  private void resubscribed() {
    if (!subscribedOnce) {
      subscribedOnce = true;
      return;
    }
    log.info("desk: subscribed again after a lost Redis connection; {} desk(s) here read their day again", connected());
    for (Set<Entry> desks : byInspector.values()) {
      for (Entry e : desks) {
        e.tell(Desk::resync);
      }
    }
    onResync.run();
  }

  private void delivered(String channel, String message) {
    String inspector = channel.substring(DeskStore.CHANNEL.length());
    JsonObject change;
    try {
      change = new JsonObject(message);
    } catch (RuntimeException e) {
      log.warn("desk {}: unreadable change on {}: {}", inspector, channel, e.getMessage());
      return;
    }
    Set<Entry> desks = byInspector.get(inspector);
    if (desks != null) {
      JsonObject state = change.getJsonObject("state");
      for (Entry e : desks) {
        // Each desk gets its own copy: a JsonObject is not safe to share between threads.
        JsonObject copy = state == null ? null : state.copy();
        e.tell(d -> d.status(copy));
      }
    }
    onChange.accept(inspector);
  }

  private void revoked(Revocations.Revoked r) {
    String key = switch (r.kind()) {
      case SESSION -> "session:" + r.key();
      case USER -> "user:" + r.key();
      case INVITE -> null;
    };
    Set<Entry> affected = key == null ? null : byCredential.get(key);
    if (affected != null) {
      for (Entry e : affected) {
        e.tell(d -> d.revoked(r.code()));
      }
    }
  }
}
