package io.kanyan.signaling.shard;

import io.kanyan.signaling.inspection.CallOwners;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;

/**
 * The server loop's view of who runs each call: always one of the call loops, chosen by the inspection id's hash,
 * so a call has the same loop for its whole life and no two loops ever hold it. Nothing is asked of Redis: unlike
 * the leases between nodes, this ownership cannot be lost while the process lives.
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
    // Calls are never this loop's own: every join and every operation goes to the call's loop.
    return true;
  }

  @Override
  public void listen(Listener listener) {
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
