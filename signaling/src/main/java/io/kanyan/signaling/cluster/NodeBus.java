package io.kanyan.signaling.cluster;

import io.kanyan.recorder.redis.RedisPubSub;
import io.kanyan.recorder.redis.RedisStore;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Messages between Kanyan nodes over Redis pub/sub: one channel per node ({@code kanyan:node:<name>}), JSON
 * messages with a type {@code t}, delivered in the order one node published them. A node is alive for the others
 * while its subscriber connection is (Redis drops a dead process's connection at once), so {@link #send} answering
 * 0 receivers means the node is gone. Used on the server verticle's context.
 */
public final class NodeBus implements io.kanyan.signaling.ws.BridgeBus, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(NodeBus.class);
  private static final String REPLY = "reply";

  private final Vertx vertx;
  private final RedisStore redis;
  private final String self;
  private final Map<String, Handler<JsonObject>> handlers = new HashMap<>();
  private final Map<String, Promise<JsonObject>> waiting = new HashMap<>();
  private RedisPubSub pubSub;

  public NodeBus(Vertx vertx, RedisStore redis, String self) {
    this.vertx = vertx;
    this.redis = redis;
    this.self = self;
    handlers.put(REPLY, this::reply);
  }

  public static String channel(String node) {
    return "kanyan:node:" + node;
  }

  /** The channel every node listens to. */
  static final String ALL = "kanyan:nodes";

  @Override
  public String self() {
    return self;
  }

  /**
   * Subscribes to this node's channel, on the store's one subscriber connection ({@link RedisStore#subscriber()},
   * shared with the desks' events); call on the context that handles the messages. Fails when a live node already
   * listens under this name: two nodes with one name would take each other's messages and leases.
   */
  public Future<Void> start() {
    return redis.subscriber().compose(p -> {
      pubSub = p;
      return p.subscribers(channel(self)).compose(n -> n > 0
          ? Future.failedFuture(new IllegalStateException("another running node is already called '" + self
              + "': give each node its own KANYAN_NODE_NAME"))
          : p.subscribe(channel(self), this::received).compose(x -> p.subscribe(ALL, this::received)));
    });
  }

  /** Handles messages of type {@code t}. A handler that answers a {@link #request} calls {@link #answer}. */
  @Override
  public void on(String t, Handler<JsonObject> handler) {
    handlers.put(t, handler);
  }

  /** Sends {@code message} (with its {@code t}) to {@code node}; completes with false when the node is not there. */
  @Override
  public Future<Boolean> send(String node, JsonObject message) {
    if (pubSub == null) {
      return Future.failedFuture(new IllegalStateException("the node bus is not started"));
    }
    return pubSub.publish(channel(node), message.put("from", self).encode()).map(n -> n > 0);
  }

  /** Sends {@code message} to every other node. */
  public Future<Void> broadcast(JsonObject message) {
    if (pubSub == null) {
      return Future.failedFuture(new IllegalStateException("the node bus is not started"));
    }
    return pubSub.publish(ALL, message.put("from", self).encode()).mapEmpty();
  }

  /** Sends and waits for the answer ({@link #answer}); fails when the node is gone or does not answer in time. */
  @Override
  public Future<JsonObject> request(String node, JsonObject message, Duration timeout) {
    String rid = UUID.randomUUID().toString();
    Promise<JsonObject> answer = Promise.promise();
    waiting.put(rid, answer);
    long timer = vertx.setTimer(timeout.toMillis(), t -> {
      if (waiting.remove(rid) != null) {
        answer.tryFail("node " + node + " did not answer within " + timeout.toMillis() + " ms");
      }
    });
    send(node, message.put("rid", rid)).onComplete(sent -> {
      if (sent.failed() || !sent.result()) {
        waiting.remove(rid);
        vertx.cancelTimer(timer);
        answer.tryFail(sent.failed() ? sent.cause().getMessage() : "node " + node + " is gone");
      }
    });
    return answer.future().andThen(x -> vertx.cancelTimer(timer));
  }

  /** Answers a {@link #request} message. */
  @Override
  public void answer(JsonObject request, JsonObject answer) {
    send(request.getString("from"), answer.put("t", REPLY).put("rid", request.getString("rid")))
        .onFailure(err -> log.warn("node bus: answer to {} not sent: {}", request.getString("from"), err.getMessage()));
  }

  /** True while {@code node} is subscribed to its channel (alive and connected to Redis). */
  @Override
  public Future<Boolean> alive(String node) {
    return pubSub.subscribers(channel(node)).map(n -> n > 0);
  }

  private void reply(JsonObject message) {
    Promise<JsonObject> p = waiting.remove(message.getString("rid", ""));
    if (p != null) {
      p.tryComplete(message);
    }
  }

  private void received(String text) {
    JsonObject message;
    try {
      message = new JsonObject(text);
    } catch (RuntimeException e) {
      log.warn("node bus: unreadable message ignored");
      return;
    }
    if (self.equals(message.getString("from"))) {
      return;
    }
    Handler<JsonObject> handler = handlers.get(message.getString("t", ""));
    if (handler == null) {
      log.warn("node bus: message of unknown type '{}' from {} ignored", message.getString("t"),
          message.getString("from"));
      return;
    }
    try {
      handler.handle(message);
    } catch (RuntimeException e) {
      log.error("node bus: handling '{}' from {} failed", message.getString("t"), message.getString("from"), e);
    }
  }

  /** Unsubscribes (the shared connection stays open for its other subscriptions; the store closes it). */
  @Override
  public void close() {
    if (pubSub != null) {
      pubSub.unsubscribe(channel(self));
      pubSub.unsubscribe(ALL);
    }
  }
}
