package io.kanyan.signaling.shard;

import io.kanyan.signaling.desk.WaitingRoom;
import io.kanyan.signaling.inspection.Calls;
import io.kanyan.signaling.ws.SignalingEndpoint;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/**
 * One call loop: a verticle on an event loop of its own that runs the live calls whose inspection id hashes to it
 * ({@link ShardRouting}) and takes connections on the node's ports beside the server loop ({@link #onLoop}).
 * Everything of its calls (seats, grace timers, media, the waiting room's notices) lives here and is touched only
 * from here, so a call needs no locks however many loops there are. A socket that came in here for a call of
 * another loop is bridged to it over the {@link ShardBus}, as a socket is bridged to another node ({@code ws.Bridge}).
 */
final class CallShard extends VerticleBase {

  private final CallShards.Services services;
  private final ShardBus.Shared shared;
  private final String name;
  private final List<String> loops;
  private ShardBus bus;
  private Calls calls;
  private WaitingRoom waitingRoom;
  private SignalingEndpoint endpoint;
  private Context home;

  CallShard(CallShards.Services services, ShardBus.Shared shared, String name, List<String> loops) {
    this.services = services;
    this.shared = shared;
    this.name = name;
    this.loops = loops;
  }

  @Override
  public Future<?> start() {
    home = context;
    bus = new ShardBus(vertx, shared, name);
    calls = new Calls(vertx, services.media(), services.trail(), services.config().gracePeriod(), services.clock(),
        new ShardRouting(bus, loops));
    calls.onConnected(services.onConnected());
    calls.locationTrail(services.config().locationTrail());
    endpoint = new SignalingEndpoint(vertx, services.config(), services.accounts(),
        services.invites(), services.inspections(), calls, services.revocations(), services.clock());
    endpoint.timeRelays(services.relays());
    // The bridge's join window: a call loop never changes, so a join that failed to reach it is not retried long.
    endpoint.bridge(bus, Duration.ofSeconds(1));
    // The handshakes that come in on this loop are this endpoint's.
    endpoint.serveHere(shared.prefix + "endpoint");
    waitingRoom = new WaitingRoom(services.deskStore(), calls);
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    return bus == null ? Future.succeededFuture() : bus.close();
  }

  String name() {
    return name;
  }

  /** Runs {@code work} on this loop's context (e.g. to listen on the node's ports from here). */
  <T> Future<T> onLoop(Supplier<Future<T>> work) {
    Promise<T> done = Promise.promise();
    home.runOnContext(v -> work.get().onComplete(done));
    return done.future();
  }

  /** Live calls on this loop (read from elsewhere for the metrics: a plain read, possibly a moment old). */
  int size() {
    return calls == null ? 0 : calls.size();
  }

  /** The sockets that came in on this loop and are open, counted on it. */
  Future<Integer> sockets() {
    return onLoop(() -> Future.succeededFuture(endpoint.openConnections()));
  }

  /** True when this loop runs a live call of the inspection; asked on the loop's own context. */
  Future<Boolean> runs(String inspectionId) {
    return onLoop(() -> Future.succeededFuture(calls.get(inspectionId) != null));
  }

  /** The inspector's queue may have moved (the desk's events): this loop tells its waiting applicants. */
  void deskChanged(String inspector) {
    home.runOnContext(v -> waitingRoom.changed(inspector));
  }

  /** Desk changes may have been missed: this loop reads the queues of its waiting applicants again. */
  void deskResync() {
    home.runOnContext(v -> waitingRoom.resync());
  }
}
