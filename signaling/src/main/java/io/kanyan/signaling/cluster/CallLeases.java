package io.kanyan.signaling.cluster;

import io.kanyan.recorder.redis.LuaScript;
import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.redis.RedisUnavailableException;
import io.kanyan.recorder.trail.Trail;
import io.kanyan.signaling.inspection.CallOwners;
import io.lettuce.core.ScriptOutputType;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Call ownership through one lease per call in Redis ({@code kanyan:call:{id}:lease = "<token>:<node>"}, with a
 * time to live), taken with a fencing token that grows with every taking. The owner renews its leases every third
 * of their life; a renewal that finds the lease gone or another's drops the call here. Every node looks for calls
 * whose lease expired (their owner died) on the same beat and takes them over. The owner's trail appends carry the
 * lease as their fence, so a stale owner (paused, cut off) cannot write for a call it lost. Used on the server
 * verticle's context. See signaling/CLUSTER.md.
 */
public final class CallLeases implements CallOwners {

  private static final Logger log = LoggerFactory.getLogger(CallLeases.class);
  static final String OWNERS_KEY = "kanyan:calls:owners";
  private static final String OP = "call-op";

  private final Vertx vertx;
  private final RedisStore redis;
  private final NodeBus bus;
  private final Duration ttl;
  private final LuaScript claim;
  private final LuaScript renew;
  private final LuaScript save;
  private final LuaScript release;
  private final LuaScript orphans;
  /** The lease value this node holds, by inspection id. */
  private final Map<String, String> owned = new HashMap<>();
  private Listener listener;
  private long timer = -1;

  public CallLeases(Vertx vertx, RedisStore redis, NodeBus bus, Duration ttl) {
    this.vertx = vertx;
    this.redis = redis;
    this.bus = bus;
    this.ttl = ttl;
    this.claim = new LuaScript(redis, CallLeases.class, "claim.lua");
    this.renew = new LuaScript(redis, CallLeases.class, "renew.lua");
    this.save = new LuaScript(redis, CallLeases.class, "save.lua");
    this.release = new LuaScript(redis, CallLeases.class, "release.lua");
    this.orphans = new LuaScript(redis, CallLeases.class, "orphans.lua");
    bus.on(OP, this::operation);
  }

  static String leaseKey(String id) {
    return "kanyan:call:{" + id + "}:lease";
  }

  private static String fenceKey(String id) {
    return "kanyan:call:{" + id + "}:fence";
  }

  private static String stateKey(String id) {
    return "kanyan:call:{" + id + "}:state";
  }

  /** Starts renewing and looking for orphaned calls; call on the server verticle's context. */
  public void start() {
    timer = vertx.setPeriodic(Math.max(200, ttl.toMillis() / 3), t -> beat());
  }

  public void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }

  @Override
  public String self() {
    return bus.self();
  }

  @Override
  public boolean clustered() {
    return true;
  }

  @Override
  public void listen(Listener listener) {
    this.listener = listener;
  }

  @Override
  public Future<Claim> claim(String inspectionId) {
    return claim.<List<Object>>run(ScriptOutputType.MULTI,
        new String[] {leaseKey(inspectionId), fenceKey(inspectionId), OWNERS_KEY},
        new String[] {self(), Long.toString(ttl.toMillis()), inspectionId}).map(reply -> {
          String outcome = String.valueOf(reply.get(0));
          if ("acquired".equals(outcome)) {
            long token = Long.parseLong(String.valueOf(reply.get(1)));
            String previous = String.valueOf(reply.get(2));
            owned.put(inspectionId, token + ":" + self());
            log.info("inspection {}: call lease taken (fencing token {}{})", inspectionId, token,
                previous.isEmpty() ? "" : ", from node " + previous);
            return new Claim(self(), token, previous.isEmpty() ? null : previous);
          }
          String value = String.valueOf(reply.get(1));
          int sep = value.indexOf(':');
          String owner = value.substring(sep + 1);
          if (owner.equals(self())) {
            // Held under this node's name: this process (or an earlier one of the same name) took it.
            owned.put(inspectionId, value);
          }
          return new Claim(owner, Long.parseLong(value.substring(0, sep)), null);
        });
  }

  @Override
  public Future<String> owner(String inspectionId) {
    return redis.call(c -> c.get(leaseKey(inspectionId)))
        .map(value -> value == null ? null : value.substring(value.indexOf(':') + 1));
  }

  @Override
  public Trail.Fence fence(String inspectionId) {
    String value = owned.get(inspectionId);
    // A call with no lease here (lost a moment ago) is fenced with a value no lease holds.
    return new Trail.Fence(leaseKey(inspectionId), value == null ? "none:" + self() : value);
  }

  @Override
  public Future<JsonObject> state(String inspectionId) {
    return redis.call(c -> c.get(stateKey(inspectionId))).map(s -> s == null ? null : new JsonObject(s));
  }

  @Override
  public Future<Void> save(String inspectionId, JsonObject state) {
    String value = owned.get(inspectionId);
    if (value == null) {
      return Future.succeededFuture();
    }
    return save.<Long>run(ScriptOutputType.INTEGER, new String[] {leaseKey(inspectionId), stateKey(inspectionId)},
        new String[] {value, state.encode()}).compose(n -> n == 1 ? Future.succeededFuture() : lostNow(inspectionId));
  }

  @Override
  public void refused(String inspectionId) {
    lostNow(inspectionId);
  }

  @Override
  public Future<Void> release(String inspectionId) {
    String value = owned.remove(inspectionId);
    if (value == null) {
      return Future.succeededFuture();
    }
    return release.<Long>run(ScriptOutputType.INTEGER, new String[] {leaseKey(inspectionId), stateKey(inspectionId),
        OWNERS_KEY, fenceKey(inspectionId)}, new String[] {value, inspectionId}).mapEmpty();
  }

  @Override
  public Future<Void> forward(String inspectionId, String owner, JsonObject op) {
    return bus.request(owner, new JsonObject().put("t", OP).put("id", inspectionId).put("op", op),
        Duration.ofSeconds(5)).compose(answer -> answer.getBoolean("ok", false) ? Future.succeededFuture()
            : Future.failedFuture(answer.getString("error", "refused")));
  }

  private void operation(JsonObject message) {
    listener.forwarded(message.getString("id"), message.getJsonObject("op"))
        .onComplete(done -> bus.answer(message, new JsonObject().put("ok", done.succeeded())
            .put("error", done.failed() ? done.cause().getMessage() : null)));
  }

  private Future<Void> lostNow(String inspectionId) {
    if (owned.remove(inspectionId) != null) {
      listener.lost(inspectionId);
    }
    return Future.succeededFuture();
  }

  /** Renews this node's leases and takes over calls whose owner stopped renewing. */
  private void beat() {
    for (Map.Entry<String, String> lease : List.copyOf(owned.entrySet())) {
      String id = lease.getKey();
      renew.<Long>run(ScriptOutputType.INTEGER, new String[] {leaseKey(id)},
          new String[] {lease.getValue(), Long.toString(ttl.toMillis())}).onComplete(done -> {
            if (done.succeeded() && done.result() == 0 && lease.getValue().equals(owned.get(id))) {
              log.warn("inspection {}: call lease {} is gone or another node's", id, lease.getValue());
              lostNow(id);
            } else if (done.failed() && !(done.cause() instanceof RedisUnavailableException)) {
              log.warn("inspection {}: call lease not renewed: {}", id, done.cause().getMessage());
            }
          });
    }
    orphans.<List<Object>>run(ScriptOutputType.MULTI, new String[] {OWNERS_KEY}, new String[0])
        .onSuccess(ids -> ids.forEach(id -> listener.orphaned(String.valueOf(id))))
        .onFailure(err -> log.debug("cluster: orphaned calls not looked for: {}", err.getMessage()));
  }
}
