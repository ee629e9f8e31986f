package io.kanyan.signaling.inspection;

import io.kanyan.recorder.trail.Trail;
import io.kanyan.signaling.media.Media;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live calls of one event loop, by inspection id: the server verticle's, or one call loop's
 * ({@code shard.CallShard}). Used only from that loop, so a plain map is enough: every call's state belongs to that
 * one context. Which node runs a call is decided by
 * {@link CallOwners}: on a single node, always this one.
 */
public final class Calls implements CallOwners.Listener {

  private static final Logger log = LoggerFactory.getLogger(Calls.class);

  /** Where a call runs: here ({@code call} set) or on another node ({@code node}). */
  public record Placement(Call call, String node) {

    public boolean here() {
      return call != null;
    }
  }

  private final Vertx vertx;
  private final Media media;
  private final Trail trail;
  private final Duration grace;
  private final Clock clock;
  private final CallOwners owners;
  private final Map<String, Call> live = new HashMap<>();
  private final Map<String, Future<Placement>> claiming = new HashMap<>();
  private BiFunction<String, java.time.Instant, Future<Void>> onConnected = (id, t) -> Future.succeededFuture();
  private io.kanyan.recorder.trail.LocationFixes.Settings locationTrail =
      io.kanyan.recorder.trail.LocationFixes.Settings.DEFAULT;

  public Calls(Vertx vertx, Media media, Trail trail, Duration grace, Clock clock) {
    this(vertx, media, trail, grace, clock, CallOwners.single("local"));
  }

  public Calls(Vertx vertx, Media media, Trail trail, Duration grace, Clock clock, CallOwners owners) {
    this.vertx = vertx;
    this.media = media;
    this.trail = trail;
    this.grace = grace;
    this.clock = clock;
    this.owners = owners;
    owners.listen(this);
  }

  /** What to do the first time both participants of an inspection are connected (mark it started). */
  public void onConnected(BiFunction<String, java.time.Instant, Future<Void>> action) {
    this.onConnected = action;
  }

  /** Which of the applicant's location fixes the calls opened from now on put on the trail. */
  public void locationTrail(io.kanyan.recorder.trail.LocationFixes.Settings settings) {
    this.locationTrail = settings;
  }

  public CallOwners owners() {
    return owners;
  }

  /** The live call of an inspection on this node, created on first use (a single node: no claim needed). */
  public Call open(String inspectionId) {
    return live.computeIfAbsent(inspectionId, id -> newCall(id));
  }

  private Call newCall(String id) {
    return new Call(id, vertx, media, trail, grace, clock, onConnected, owners, () -> gone(id), locationTrail);
  }

  private void gone(String id) {
    live.remove(id);
    owners.release(id).onFailure(err -> log.warn("inspection {}: call lease not released: {}", id, err.getMessage()));
  }

  /**
   * Finds where an inspection's call runs, taking it here when no node holds it. A call whose previous owner is
   * gone is taken over with its seats (saved in Redis), and the owner change goes on the trail.
   */
  public Future<Placement> place(String inspectionId) {
    Call here = live.get(inspectionId);
    if (here != null || !owners.clustered()) {
      return Future.succeededFuture(new Placement(here != null ? here : open(inspectionId), owners.self()));
    }
    Future<Placement> pending = claiming.get(inspectionId);
    if (pending != null) {
      return pending;
    }
    Future<Placement> placed = owners.claim(inspectionId).compose(claim -> {
      Call existing = live.get(inspectionId);
      if (!claim.owner().equals(owners.self())) {
        return Future.succeededFuture(new Placement(null, claim.owner()));
      }
      if (existing != null) {
        return Future.succeededFuture(new Placement(existing, owners.self()));
      }
      return owners.state(inspectionId).map(state -> {
        Call call = live.computeIfAbsent(inspectionId, this::newCall);
        if (state != null) {
          call.takeOver(state, claim);
        }
        return new Placement(call, owners.self());
      });
    });
    claiming.put(inspectionId, placed);
    return placed.andThen(x -> claiming.remove(inspectionId));
  }

  public Call get(String inspectionId) {
    return live.get(inspectionId);
  }

  /** Ends an inspection's live call, wherever it runs: tells both sides, releases media. */
  public Future<Void> end(String inspectionId, String reason, String conclusion) {
    Call call = live.get(inspectionId);
    if (call != null) {
      return call.end(reason, conclusion);
    }
    return elsewhere(inspectionId, new JsonObject().put("op", "end").put("reason", reason)
        .put("conclusion", conclusion));
  }

  /** Sends a message to one seat of an inspection's live call, wherever it runs; nothing when there is none. */
  public void sendTo(String inspectionId, Role role, JsonObject message) {
    Call call = live.get(inspectionId);
    if (call != null) {
      call.send(role, message);
      return;
    }
    elsewhere(inspectionId, new JsonObject().put("op", "send").put("role", role.wire()).put("message", message))
        .onFailure(err -> log.warn("inspection {}: message for the {} not forwarded: {}", inspectionId, role.wire(),
            err.getMessage()));
  }

  /** Forwards an operation to the node running the call, if another one does. */
  private Future<Void> elsewhere(String inspectionId, JsonObject op) {
    if (!owners.clustered()) {
      return Future.succeededFuture();
    }
    return owners.owner(inspectionId).compose(owner -> owner == null || owner.equals(owners.self())
        ? Future.succeededFuture() : owners.forward(inspectionId, owner, op));
  }

  // --- CallOwners.Listener ---

  @Override
  public void lost(String inspectionId) {
    Call call = live.remove(inspectionId);
    if (call != null) {
      log.warn("inspection {}: this node's lease on the call is gone; leaving the call to its new owner",
          inspectionId);
      call.drop();
    }
  }

  @Override
  public void orphaned(String inspectionId) {
    if (live.containsKey(inspectionId) || claiming.containsKey(inspectionId)) {
      return;
    }
    owners.state(inspectionId).compose(state -> {
      if (state != null && !state.getJsonObject("seats", new JsonObject()).isEmpty()) {
        return place(inspectionId).mapEmpty();
      }
      // Nobody was seated when its owner stopped: take the lease only to give it up, which clears the entry.
      return owners.claim(inspectionId).compose(claim -> claim.owner().equals(owners.self())
          && !live.containsKey(inspectionId) && !claiming.containsKey(inspectionId)
          ? owners.release(inspectionId) : Future.succeededFuture());
    }).onFailure(err -> log.warn("inspection {}: orphaned call not taken over: {}", inspectionId, err.getMessage()));
  }

  @Override
  public Future<Void> forwarded(String inspectionId, JsonObject op) {
    Call call = live.get(inspectionId);
    if (call == null) {
      return Future.succeededFuture();
    }
    return switch (op.getString("op", "")) {
      case "end" -> call.end(op.getString("reason"), op.getString("conclusion"));
      case "send" -> {
        call.send(Role.fromWire(op.getString("role")), op.getJsonObject("message"));
        yield Future.succeededFuture();
      }
      default -> Future.failedFuture(new IllegalArgumentException("unknown forwarded operation " + op.getString("op")));
    };
  }

  public int size() {
    return live.size();
  }

  public Media media() {
    return media;
  }
}
