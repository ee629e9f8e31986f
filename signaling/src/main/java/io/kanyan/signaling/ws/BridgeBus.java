package io.kanyan.signaling.ws;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import java.time.Duration;

/**
 * How a {@link Bridge} reaches the other members that run calls: other nodes over Redis pub/sub
 * ({@code cluster.NodeBus}, signaling/CLUSTER.md), or the other event loops of this node over the Vert.x event bus
 * ({@code shard.ShardBus}). Messages are JSON objects with a type {@code t}; one member's messages to another arrive
 * in the order it sent them, and the receiver's handlers run on the receiver's context.
 */
public interface BridgeBus {

  /** This member's name. */
  String self();

  /** Handles messages of type {@code t}. A handler that answers a {@link #request} calls {@link #answer}. */
  void on(String t, Handler<JsonObject> handler);

  /** Sends {@code message} (with its {@code t}) to {@code member}; completes with false when it is not there. */
  Future<Boolean> send(String member, JsonObject message);

  /** Sends and waits for the answer ({@link #answer}); fails when the member is gone or does not answer in time. */
  Future<JsonObject> request(String member, JsonObject message, Duration timeout);

  /** Answers a {@link #request} message. */
  void answer(JsonObject request, JsonObject answer);

  /** True while {@code member} is there to take messages. */
  Future<Boolean> alive(String member);

  /**
   * Lends the wire of a bridged socket of this member's, under the connection id it is bridged with: a member in the
   * same process may then write to the socket itself ({@link #borrow}) rather than send each message back over the
   * bus. Between nodes nothing is lent.
   */
  default void lend(String conn, Wire wire) {
  }

  /** The socket is gone: its wire is no longer lent. */
  default void unlend(String conn) {
  }

  /** The wire {@code member} lent for {@code conn}, or null: then the owner writes over the bus. */
  default Wire borrow(String member, String conn) {
    return null;
  }
}
