package io.kanyan.signaling.shard;

import io.kanyan.recorder.trail.Trail;
import io.kanyan.signaling.Config;
import io.kanyan.signaling.auth.Accounts;
import io.kanyan.signaling.auth.Invites;
import io.kanyan.signaling.auth.Revocations;
import io.kanyan.signaling.desk.DeskStore;
import io.kanyan.signaling.inspection.CallOwners;
import io.kanyan.signaling.inspection.Inspections;
import io.kanyan.signaling.media.Media;
import io.kanyan.signaling.ws.BridgeBus;
import io.kanyan.signaling.ws.RelayTimer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.BiFunction;

/**
 * The live calls and the connections of one node spread over several event loops (README, "Event loops";
 * {@code KANYAN_CALL_LOOPS}): N {@link CallShard} verticles, each on an event loop of its own, each running the calls
 * whose inspection id hashes to it and taking connections on the node's ports beside the server loop
 * ({@link #listen}). The server loop's {@code Calls} owns no call and routes by hash ({@link #owners()}); every loop's
 * signaling endpoint bridges a socket whose call runs on another loop to it ({@link #bus()}), exactly as a socket is
 * bridged to another node, only in memory. Made on the server verticle's context.
 */
public final class CallShards {

  /** What every call loop shares with the server loop: services that keep no state of their own in memory. */
  public record Services(Config config, Accounts accounts, Invites invites, Inspections inspections,
      Revocations revocations, Media media, Trail trail, DeskStore deskStore, RelayTimer relays, Clock clock,
      BiFunction<String, Instant, Future<Void>> onConnected) {
  }

  private static final String SERVER = "server";

  private final List<CallShard> loops = new ArrayList<>();
  private final ShardBus bus;
  private final ShardRouting routing;

  private final ShardBus.Shared shared;
  private final Vertx vertx;

  /**
   * The routing to {@code count} call loops, not deployed yet ({@link #deploy}). Make it on the server verticle's
   * context: the server's member of the bus between the loops answers there.
   */
  public CallShards(Vertx vertx, int count) {
    this.vertx = vertx;
    String prefix = "kanyan.calls." + UUID.randomUUID() + ".";
    List<String> names = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      names.add("loop-" + i);
    }
    Set<String> members = new HashSet<>(names);
    members.add(SERVER);
    this.shared = new ShardBus.Shared(prefix, members, prefix + "hand-over");
    vertx.eventBus().registerCodec(new ShardBus.HandOver(shared.codec));
    this.bus = new ShardBus(vertx, shared, SERVER);
    this.routing = new ShardRouting(bus, names);
  }

  /** Deploys the call loops, each a verticle on an event loop of its own; call before the endpoint mounts. */
  public Future<Void> deploy(Vertx vertx, Services services) {
    Future<?> all = Future.succeededFuture();
    for (String name : routing.loops()) {
      CallShard loop = new CallShard(services, shared, name, routing.loops());
      loops.add(loop);
      all = all.compose(x -> vertx.deployVerticle(loop));
    }
    return all.mapEmpty();
  }

  /**
   * Makes every call loop take connections too: {@code listen} runs on each loop's context and starts its servers
   * there (on the ports the server loop bound), so Vert.x hands each new connection to one of the loops and its
   * socket's I/O is done there. Call after the server loop listens.
   */
  public <T> Future<List<T>> listen(java.util.function.Supplier<Future<T>> listen) {
    List<Future<T>> all = new ArrayList<>();
    for (CallShard loop : loops) {
      all.add(loop.onLoop(listen));
    }
    return Future.all(all).map(done -> done.<T>list());
  }

  /**
   * The sockets open on each loop that takes connections, by loop name ({@code server} and the call loops), each
   * counted on its own loop; {@code server} is the server loop's endpoint's count, given by the caller.
   */
  public Future<java.util.Map<String, Integer>> socketsPerLoop(int onServerLoop) {
    List<Future<Integer>> counts = new ArrayList<>();
    for (CallShard loop : loops) {
      counts.add(loop.sockets());
    }
    return Future.all(counts).map(all -> {
      java.util.Map<String, Integer> by = new java.util.TreeMap<>();
      by.put(SERVER, onServerLoop);
      for (int i = 0; i < loops.size(); i++) {
        by.put(loops.get(i).name(), counts.get(i).result());
      }
      return by;
    });
  }

  /** The key under which each loop's signaling endpoint takes the handshakes of its connections. */
  public String endpointKey() {
    return shared.prefix + "endpoint";
  }

  /** The server loop's calls are owned so: by the loop their id hashes to. */
  public CallOwners owners() {
    return routing;
  }

  /** The server loop's member of the bus between the loops, for its signaling endpoint's bridge. */
  public BridgeBus bus() {
    return bus;
  }

  /** How many call loops there are. */
  public int count() {
    return loops.size();
  }

  /** Live calls on all loops (for the metrics; each loop's count read as it is at the moment). */
  public int live() {
    int n = 0;
    for (CallShard loop : loops) {
      n += loop.size();
    }
    return n;
  }

  /** The call loop that runs (or would run) the call of an inspection. */
  public String loopOf(String inspectionId) {
    return routing.loopOf(inspectionId);
  }

  /** True when a loop runs a live call of the inspection. */
  public Future<Boolean> runs(String inspectionId) {
    String name = routing.loopOf(inspectionId);
    return loops.stream().filter(l -> l.name().equals(name)).findFirst().orElseThrow().runs(inspectionId);
  }

  /** The inspector's queue may have moved: each loop tells its waiting applicants (desk/WaitingRoom). */
  public void deskChanged(String inspector) {
    loops.forEach(l -> l.deskChanged(inspector));
  }

  /** Desk changes may have been missed: each loop reads its waiting applicants' queues again. */
  public void deskResync() {
    loops.forEach(CallShard::deskResync);
  }

  /** Stops the loops: their servers, calls' timers and buses go with their verticles. */
  public Future<Void> close() {
    List<Future<Void>> undeployed = new ArrayList<>();
    for (CallShard loop : loops) {
      if (loop.deploymentID() != null && vertx.deploymentIDs().contains(loop.deploymentID())) {
        undeployed.add(vertx.undeploy(loop.deploymentID()));
      }
    }
    return Future.join(undeployed).otherwiseEmpty().compose(x -> bus.close())
        .andThen(x -> vertx.eventBus().unregisterCodec(shared.codec));
  }
}
