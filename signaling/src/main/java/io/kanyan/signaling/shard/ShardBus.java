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
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import io.vertx.core.Context;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Messages between the event loops of one node that run calls and take connections: the server's own loop and the
 * call loops ({@link CallShard}). Nothing leaves the process. Plain messages ({@link #send}) go through the
 * receiver's {@link Mailbox}: handed over as they are (a sender never touches a message again), run on the
 * receiver's event loop in the order each sender sent them, many in one task, so a busy relay does not pay a task
 * and a wake-up of the other loop per message. Requests, which are few (a socket's attach, an HTTP request's
 * operation on a call), go over the Vert.x event bus for its reply and timeout. Create a member on the context whose
 * handlers it runs.
 *
 * <p>A member that runs a call writes to a bridged socket of another member itself, through the wire that member
 * lent ({@link #lend}); the write is posted to the lender's mailbox, so the socket is written on its own loop, again
 * many writes in one task.
 */
public final class ShardBus implements BridgeBus {

  private static final Logger log = LoggerFactory.getLogger(ShardBus.class);

  /** What every member of one server's bus shares. */
  static final class Shared {
    final String prefix;
    final Set<String> members;
    final String codec;
    /** Each member, by name, registered as it is made. */
    final Map<String, ShardBus> buses = new ConcurrentHashMap<>();
    /** Wires the members lent, by "member/connection id". */
    final Map<String, Wire> lent = new ConcurrentHashMap<>();

    /**
     * @param prefix  this server's address prefix (several servers may share one Vert.x in tests)
     * @param members every member's name
     * @param codec   the name the {@link HandOver} codec is registered under
     */
    Shared(String prefix, Set<String> members, String codec) {
      this.prefix = prefix;
      this.members = Set.copyOf(members);
      this.codec = codec;
    }
  }

  /**
   * Work handed to one member's event loop from any thread: run there in the order it was posted, as many items as
   * are waiting in one task.
   */
  static final class Mailbox {

    private static final int MOST_PER_TASK = 4096;

    private final Context context;
    private final Queue<Runnable> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();

    Mailbox(Context context) {
      this.context = context;
    }

    void post(Runnable work) {
      queue.add(work);
      if (scheduled.compareAndSet(false, true)) {
        context.runOnContext(v -> drain());
      }
    }

    private void drain() {
      // Cleared first: work posted from now on either is run below or schedules a task of its own.
      scheduled.set(false);
      for (int n = 0; n < MOST_PER_TASK; n++) {
        Runnable work = queue.poll();
        if (work == null) {
          return;
        }
        try {
          work.run();
        } catch (RuntimeException e) {
          log.error("call loops: a message could not be handled", e);
        }
      }
      // More is waiting: the rest in another task, so that this loop's sockets are served meanwhile.
      if (!queue.isEmpty() && scheduled.compareAndSet(false, true)) {
        context.runOnContext(v -> drain());
      }
    }
  }

  private final Vertx vertx;
  private final Shared shared;
  private final String self;
  private final Mailbox mailbox;
  private final Map<String, Handler<JsonObject>> handlers = new ConcurrentHashMap<>();
  /** Requests this member received and has not answered yet, by request id. */
  private final Map<String, Message<JsonObject>> asked = new ConcurrentHashMap<>();
  private final MessageConsumer<JsonObject> consumer;
  private final DeliveryOptions delivery;

  /** A member called {@code self}, whose handlers run on the context this is made on. */
  ShardBus(Vertx vertx, Shared shared, String self) {
    this.vertx = vertx;
    this.shared = shared;
    this.self = self;
    this.delivery = new DeliveryOptions().setCodecName(shared.codec);
    this.mailbox = new Mailbox(vertx.getOrCreateContext());
    this.consumer = vertx.eventBus().localConsumer(address(self), m -> received(m, m.body()));
    shared.buses.put(self, this);
  }

  private String address(String member) {
    return shared.prefix + member;
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
    ShardBus to = shared.buses.get(member);
    if (to == null) {
      return Future.succeededFuture(false);
    }
    message.put("from", self);
    to.mailbox.post(() -> to.received(null, message));
    return Future.succeededFuture(true);
  }

  @Override
  public Future<JsonObject> request(String member, JsonObject message, Duration timeout) {
    if (!shared.members.contains(member)) {
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
    // Whoever writes to it from another loop posts the write here, to the socket's own loop.
    shared.lent.put(self + "/" + conn, new Wire() {
      @Override
      public void write(String text) {
        mailbox.post(() -> wire.write(text));
      }

      @Override
      public void close(short code, String reason) {
        mailbox.post(() -> wire.close(code, reason));
      }
    });
  }

  @Override
  public void unlend(String conn) {
    shared.lent.remove(self + "/" + conn);
  }

  @Override
  public Wire borrow(String member, String conn) {
    return shared.lent.get(member + "/" + conn);
  }

  @Override
  public Future<Boolean> alive(String member) {
    // The loops live and die with the process.
    return Future.succeededFuture(shared.members.contains(member));
  }

  /** A message for this member, on its loop: {@code request} is the event bus message to answer, if any. */
  private void received(Message<JsonObject> request, JsonObject message) {
    if (request != null && request.replyAddress() != null) {
      String rid = UUID.randomUUID().toString();
      message.put("rid", rid);
      asked.put(rid, request);
    } else {
      request = null;
    }
    Handler<JsonObject> handler = handlers.get(message.getString("t", ""));
    if (handler == null) {
      log.warn("call loops: message of unknown type '{}' from {} ignored", message.getString("t"),
          message.getString("from"));
      if (request != null) {
        asked.remove(message.getString("rid"));
        request.fail(404, "unknown message type");
      }
      return;
    }
    try {
      handler.handle(message);
    } catch (RuntimeException e) {
      log.error("call loops: handling '{}' from {} failed", message.getString("t"), message.getString("from"), e);
      if (request != null && asked.remove(message.getString("rid")) != null) {
        request.fail(500, "the call loop could not handle it");
      }
    }
  }

  /** Stops taking messages. */
  Future<Void> close() {
    shared.buses.remove(self, this);
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
