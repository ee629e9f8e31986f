package io.kanyan.signaling.shard;

import io.kanyan.signaling.desk.WaitingRoom;
import io.kanyan.signaling.inspection.Calls;
import io.kanyan.signaling.ws.SignalingEndpoint;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.time.Duration;
import java.util.Set;

/**
 * One call loop: a verticle on an event loop of its own that runs the live calls the server loop routes to it
 * ({@link ShardRouting}). Everything of those calls (seats, grace timers, media, the waiting room's notices) lives
 * here and is touched only from here, so a call needs no locks however many loops there are. The sockets stay on
 * the server loop, which does their I/O and passes each message on unparsed, through the same bridge as between
 * nodes ({@code ws.Bridge}): this loop parses, handles and answers.
 */
final class CallShard extends VerticleBase {

  private final CallShards.Services services;
  private final String prefix;
  private final String name;
  private final Set<String> members;
  private final java.util.Map<String, io.kanyan.signaling.ws.Wire> lent;
  private final String codec;
  private ShardBus bus;
  private Calls calls;
  private WaitingRoom waitingRoom;
  private Context home;

  CallShard(CallShards.Services services, String prefix, String name, Set<String> members,
      java.util.Map<String, io.kanyan.signaling.ws.Wire> lent, String codec) {
    this.lent = lent;
    this.codec = codec;
    this.services = services;
    this.prefix = prefix;
    this.name = name;
    this.members = members;
  }

  @Override
  public Future<?> start() {
    home = context;
    bus = new ShardBus(vertx, prefix, name, members, lent, codec);
    calls = new Calls(vertx, services.media(), services.trail(), services.config().gracePeriod(), services.clock(),
        new ShardOwnership(bus));
    calls.onConnected(services.onConnected());
    calls.locationTrail(services.config().locationTrail());
    SignalingEndpoint endpoint = new SignalingEndpoint(vertx, services.config(), services.accounts(),
        services.invites(), services.inspections(), calls, services.revocations(), services.clock());
    endpoint.timeRelays(services.relays());
    // The bridge's join window: a call loop never changes, so a join that failed to reach it is not retried long.
    endpoint.bridge(bus, Duration.ofSeconds(1));
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

  /** Live calls on this loop (read from elsewhere for the metrics: a plain read, possibly a moment old). */
  int size() {
    return calls == null ? 0 : calls.size();
  }

  /** True when this loop runs a live call of the inspection; asked on the loop's own context. */
  Future<Boolean> runs(String inspectionId) {
    io.vertx.core.Promise<Boolean> answer = io.vertx.core.Promise.promise();
    home.runOnContext(v -> answer.complete(calls.get(inspectionId) != null));
    return answer.future();
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
