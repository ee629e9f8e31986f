package io.kanyan.recorder.redis;

import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Redis pub/sub for Vert.x: one subscriber connection (opened through {@link RedisStore#pubSub()}, so it
 * goes where the store goes) whose messages are delivered on the context that subscribed, and publishing through
 * the store's ordinary connection. Lettuce subscribes again by itself after a reconnect. A message published
 * while this node is not subscribed is lost (pub/sub keeps nothing): use it for live signals only.
 *
 * <p>A process needs one: {@link RedisStore#subscriber()} is the store's, shared by everything that subscribes
 * (the node bus, the desks' events), each to its own channels or patterns.
 */
public final class RedisPubSub implements AutoCloseable {

  /** What a pattern subscription hears: the channel a message came on, and the message. */
  public interface PatternHandler {
    void message(String channel, String message);
  }

  private final RedisStore store;
  private final StatefulRedisPubSubConnection<String, String> connection;
  private final Map<String, Delivery> handlers = new ConcurrentHashMap<>();
  private final Map<String, PatternDelivery> patterns = new ConcurrentHashMap<>();

  private record Delivery(Context context, Handler<String> handler) {
  }

  private record PatternDelivery(Context context, PatternHandler handler, Runnable subscribed) {
  }

  private RedisPubSub(RedisStore store, StatefulRedisPubSubConnection<String, String> connection) {
    this.store = store;
    this.connection = connection;
    connection.addListener(new RedisPubSubAdapter<>() {
      @Override
      public void message(String channel, String message) {
        Delivery d = handlers.get(channel);
        if (d != null) {
          d.context().runOnContext(v -> d.handler().handle(message));
        }
      }

      @Override
      public void message(String pattern, String channel, String message) {
        PatternDelivery d = patterns.get(pattern);
        if (d != null) {
          d.context().runOnContext(v -> d.handler().message(channel, message));
        }
      }

      @Override
      public void psubscribed(String pattern, long count) {
        PatternDelivery d = patterns.get(pattern);
        if (d != null) {
          d.context().runOnContext(v -> d.subscribed().run());
        }
      }
    });
  }

  /** Opens a subscriber connection of {@code store} of its own (most callers want {@link RedisStore#subscriber()}). */
  public static Future<RedisPubSub> open(RedisStore store) {
    return store.pubSub().map(c -> new RedisPubSub(store, c));
  }

  /** Delivers every message on {@code channel} to {@code handler}, on the caller's context. One handler a channel. */
  public Future<Void> subscribe(String channel, Handler<String> handler) {
    handlers.put(channel, new Delivery(store.vertx().getOrCreateContext(), handler));
    return Future.fromCompletionStage(connection.async().subscribe(channel), store.vertx().getOrCreateContext())
        .recover(err -> Future.failedFuture(RedisUnavailableException.wrap(err)));
  }

  /**
   * Delivers every message on a channel matching {@code pattern} to {@code handler}, on the caller's context. One
   * handler a pattern. {@code subscribed} runs there each time Redis confirms the subscription: now, and again
   * after each reconnect (messages published meanwhile were lost).
   */
  public Future<Void> psubscribe(String pattern, PatternHandler handler, Runnable subscribed) {
    patterns.put(pattern, new PatternDelivery(store.vertx().getOrCreateContext(), handler, subscribed));
    return Future.fromCompletionStage(connection.async().psubscribe(pattern), store.vertx().getOrCreateContext())
        .recover(err -> Future.failedFuture(RedisUnavailableException.wrap(err)));
  }

  /** Stops delivering {@code channel}'s messages (the connection stays for the other subscriptions). */
  public Future<Void> unsubscribe(String channel) {
    handlers.remove(channel);
    return Future.fromCompletionStage(connection.async().unsubscribe(channel), store.vertx().getOrCreateContext())
        .recover(err -> Future.failedFuture(RedisUnavailableException.wrap(err)));
  }

  /** Stops delivering the messages of {@code pattern}. */
  public Future<Void> punsubscribe(String pattern) {
    patterns.remove(pattern);
    return Future.fromCompletionStage(connection.async().punsubscribe(pattern), store.vertx().getOrCreateContext())
        .recover(err -> Future.failedFuture(RedisUnavailableException.wrap(err)));
  }

  /** Publishes; completes with the number of subscribers that received it (0: nobody listens on that channel). */
  public Future<Long> publish(String channel, String message) {
    return store.call(c -> c.publish(channel, message));
  }

  /** How many connections subscribe to {@code channel} now (PUBSUB NUMSUB): 0 when its node is gone. */
  public Future<Long> subscribers(String channel) {
    return store.call(c -> c.pubsubNumsub(channel)).map(m -> m.getOrDefault(channel, 0L));
  }

  @Override
  public void close() {
    connection.closeAsync();
  }
}
