package io.kanyan.signaling.shard;

import io.kanyan.signaling.inspection.CallOwners;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * A call loop's view: every call it is asked to run is its own (the server loop routes by hash, see
 * {@link ShardRouting}), and what the server loop asks of a call (send to a seat, end it) arrives over the
 * {@link ShardBus} and is answered there.
 */
final class ShardOwnership implements CallOwners {

  private final ShardBus bus;

  ShardOwnership(ShardBus bus) {
    this.bus = bus;
  }

  @Override
  public String self() {
    return bus.self();
  }

  @Override
  public boolean clustered() {
    return false;
  }

  @Override
  public void listen(Listener listener) {
    bus.on(ShardRouting.OP, m -> listener.forwarded(m.getString("id"), m.getJsonObject("op"))
        .onComplete(done -> bus.answer(m, new JsonObject().put("ok", done.succeeded())
            .put("error", done.failed() ? done.cause().getMessage() : null))));
  }

  @Override
  public Future<Claim> claim(String inspectionId) {
    return Future.succeededFuture(new Claim(bus.self(), 0, null));
  }

  @Override
  public Future<String> owner(String inspectionId) {
    return Future.succeededFuture(bus.self());
  }

  @Override
  public Future<Void> forward(String inspectionId, String owner, JsonObject op) {
    return Future.failedFuture("a call loop forwards nothing");
  }
}
