package io.kanyan.signaling.shard;

import io.kanyan.signaling.ws.BridgeBus;
import io.kanyan.signaling.ws.Wire;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Messages between the event loops of one node that run calls: the server's own loop (which holds every socket)
 * and the call loops ({@link CallShard}). Each member has a local address on the Vert.x event bus; nothing leaves
 * the process. The event bus delivers one sender's messages in the order sent, on the receiver's context, so each
 * member's handlers run on its own event loop. Create a member on the context whose handlers it runs.
 *
 * <p>Two things make the hop cheap, as it is taken twice for every relayed message: messages are handed over, not
 * copied ({@link HandOver}; a sender never touches a message again), and a call loop writes to a bridged socket
 * itself, through the wire the server loop lent it ({@link #lend}), rather than sending each message back.
 */
public final class ShardBus implements BridgeBus {

  private static final Logger log = LoggerFactory.getLogger(ShardBus.class);

  private final Vertx vertx;
  private final String prefix;
  private final String self;
  private final Set<String> members;
  private final Map<String, Handler<JsonObject>> handlers = new ConcurrentHashMap<>();
  /** Requests this member received and has not answered yet, by request id. */
  private final Map<String, Message<JsonObject>> asked = new ConcurrentHashMap<>();
  private final MessageConsumer<JsonObject> consumer;
  /** Wires the members lent, by "member/connection id": shared by every member of one server. */
  private final Map<String, Wire> lent;
  private final DeliveryOptions delivery;

  /**
   * @param prefix  this server's address prefix (several servers may share one Vert.x in tests)
   * @param self    this member's name
   * @param members every member's name
   */
  ShardBus(Vertx vertx, String prefix, String self, Set<String> members, Map<String, Wire> lent, String codec) {
    this.vertx = vertx;
    this.prefix = prefix;
    this.self = self;
    this.members = Set.copyOf(members);
    this.lent = lent;
    this.delivery = new DeliveryOptions().setCodecName(codec);
    this.consumer = vertx.eventBus().localConsumer(address(self), this::received);
  }

  private String address(String member) {
    return prefix + member;
  }

  @Override
  public String self() {
    return self;
  }

  @Override
  public void on(String t, Handler<JsonObject> handler) {
    handlers.put(t, handler);
  }

  @Override
  public Future<Boolean> send(String member, JsonObject message) {
    if (!members.contains(member)) {
      return Future.succeededFuture(false);
    }
    vertx.eventBus().send(address(member), message.put("from", self), delivery);
    return Future.succeededFuture(true);
  }

  @Override
  public Future<JsonObject> request(String member, JsonObject message, Duration timeout) {
    if (!members.contains(member)) {
      return Future.failedFuture("no event loop called " + member);
    }
    return vertx.eventBus().<JsonObject>request(address(member), message.put("from", self),
        new DeliveryOptions(delivery).setSendTimeout(timeout.toMillis())).map(Message::body);
  }

  @Override
  public void answer(JsonObject request, JsonObject answer) {
    Message<JsonObject> m = asked.remove(request.getString("rid", ""));
    if (m == null) {
      log.warn("call loops: answer to {} for a request that is not waiting", request.getString("from"));
      return;
    }
    m.reply(answer);
  }

  @Override
  public void lend(String conn, Wire wire) {
    lent.put(self + "/" + conn, wire);
  }

  @Override
  public void unlend(String conn) {
    lent.remove(self + "/" + conn);
  }

  @Override
  public Wire borrow(String member, String conn) {
    return lent.get(member + "/" + conn);
  }

  @Override
  public Future<Boolean> alive(String member) {
    // The loops live and die with the process.
    return Future.succeededFuture(members.contains(member));
  }

  private void received(Message<JsonObject> m) {
    JsonObject message = m.body();
    if (m.replyAddress() != null) {
      String rid = UUID.randomUUID().toString();
      message.put("rid", rid);
      asked.put(rid, m);
    }
    Handler<JsonObject> handler = handlers.get(message.getString("t", ""));
    if (handler == null) {
      log.warn("call loops: message of unknown type '{}' from {} ignored", message.getString("t"),
          message.getString("from"));
      if (m.replyAddress() != null) {
        asked.remove(message.getString("rid"));
        m.fail(404, "unknown message type");
      }
      return;
    }
    try {
      handler.handle(message);
    } catch (RuntimeException e) {
      log.error("call loops: handling '{}' from {} failed", message.getString("t"), message.getString("from"), e);
      if (m.replyAddress() != null && asked.remove(message.getString("rid")) != null) {
        m.fail(500, "the call loop could not handle it");
      }
    }
  }

  /** Stops taking messages. */
  Future<Void> close() {
    return consumer.unregister();
  }

  /** The event bus codec that hands a JSON message over as it is, in this process only. */
  static final class HandOver implements io.vertx.core.eventbus.MessageCodec<JsonObject, JsonObject> {

    private final String name;

    HandOver(String name) {
      this.name = name;
    }

    @Override
    public void encodeToWire(io.vertx.core.buffer.Buffer buffer, JsonObject o) {
      throw new UnsupportedOperationException("call loop messages never leave the process");
    }

    @Override
    public JsonObject decodeFromWire(int pos, io.vertx.core.buffer.Buffer buffer) {
      throw new UnsupportedOperationException("call loop messages never leave the process");
    }

    @Override
    public JsonObject transform(JsonObject o) {
      return o;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public byte systemCodecID() {
      return -1;
    }
  }
}
