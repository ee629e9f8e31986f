package io.kanyan.signaling.cluster;

import io.kanyan.signaling.auth.Revocations;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * Carries revocations (a logout, a disabled account, a re-issued invite; {@link Revocations}) to every node, so
 * that the sockets opened with a revoked credential close at once wherever they are. A revocation announced on this
 * node's event bus goes to the others over the {@link NodeBus}; one from another node is announced here, marked
 * with {@code via} so that it is not sent on again.
 */
public final class RevocationRelay {

  private RevocationRelay() {
  }

  /** Starts relaying; call on the server verticle's context once the bus is started. */
  public static void start(Vertx vertx, NodeBus bus) {
    vertx.eventBus().<JsonObject>consumer(Revocations.ADDRESS, m -> {
      if (m.body().getString("via") == null) {
        bus.broadcast(new JsonObject().put("t", "revoked").put("revoked", m.body().copy()));
      }
    });
    bus.on("revoked", m -> vertx.eventBus().publish(Revocations.ADDRESS,
        m.getJsonObject("revoked", new JsonObject()).copy().put("via", m.getString("from"))));
  }
}
