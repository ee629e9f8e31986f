package io.kanyan.signaling.shard;

import io.kanyan.signaling.inspection.CallOwners;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;

/**
 * Who runs each call, as every member of a node's {@link ShardBus} sees it (the server loop and each call loop):
 * always one of the call loops, chosen by the inspection id's hash, so a call has the same loop for its whole life
 * and no two loops ever hold it. A socket that came in on another loop is bridged to it; what an HTTP request asks
 * of a call (send to a seat, end it) is forwarded to it ({@link #forward}) and handled there ({@link #listen}).
 * Nothing is asked of Redis: unlike the leases between nodes, this ownership cannot be lost while the process lives.
 */
final class ShardRouting implements CallOwners {

  static final String OP = "call-op";

  private final ShardBus bus;
  private final List<String> loops;

  ShardRouting(ShardBus bus, List<String> loops) {
    this.bus = bus;
    this.loops = List.copyOf(loops);
  }

  List<String> loops() {
    return loops;
  }

  /** The loop that runs the call of {@code inspectionId}. */
  String loopOf(String inspectionId) {
    return loops.get(Math.floorMod(inspectionId.hashCode(), loops.size()));
  }

  @Override
  public String self() {
    return bus.self();
  }

  @Override
  public boolean clustered() {
    // A call is this loop's own only when its id hashes here: every other join and operation goes to its loop.
    return true;
  }

  @Override
  public void listen(Listener listener) {
    bus.on(OP, m -> listener.forwarded(m.getString("id"), m.getJsonObject("op"))
        .onComplete(done -> bus.answer(m, new JsonObject().put("ok", done.succeeded())
            .put("error", done.failed() ? done.cause().getMessage() : null))));
  }

  @Override
  public Future<Claim> claim(String inspectionId) {
    return Future.succeededFuture(new Claim(loopOf(inspectionId), 0, null));
  }

  @Override
  public Future<String> owner(String inspectionId) {
    return Future.succeededFuture(loopOf(inspectionId));
  }

  @Override
  public Future<Void> forward(String inspectionId, String owner, JsonObject op) {
    return bus.request(owner, new JsonObject().put("t", OP).put("id", inspectionId).put("op", op),
        Duration.ofSeconds(10)).compose(answer -> answer.getBoolean("ok", false) ? Future.succeededFuture()
            : Future.failedFuture(answer.getString("error", "refused")));
  }
}
