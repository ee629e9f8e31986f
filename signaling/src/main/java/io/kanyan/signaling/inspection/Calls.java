package io.kanyan.signaling.inspection;

import io.kanyan.recorder.trail.Trail;
import io.kanyan.signaling.media.Media;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * The live calls of this node, by inspection id. Used only from the server verticle's event loop, so a
 * plain map is enough: every call's state belongs to that one context.
 */
public final class Calls {

  private final Vertx vertx;
  private final Media media;
  private final Trail trail;
  private final Duration grace;
  private final Clock clock;
  private final Map<String, Call> live = new HashMap<>();
  private BiFunction<String, java.time.Instant, Future<Void>> onConnected = (id, t) -> Future.succeededFuture();

  public Calls(Vertx vertx, Media media, Trail trail, Duration grace, Clock clock) {
    this.vertx = vertx;
    this.media = media;
    this.trail = trail;
    this.grace = grace;
    this.clock = clock;
  }

  /** What to do the first time both participants of an inspection are connected (mark it started). */
  public void onConnected(BiFunction<String, java.time.Instant, Future<Void>> action) {
    this.onConnected = action;
  }

  /** The live call of an inspection, created on first use. */
  public Call open(String inspectionId) {
    return live.computeIfAbsent(inspectionId,
        id -> new Call(id, vertx, media, trail, grace, clock, onConnected, () -> live.remove(id)));
  }

  public Call get(String inspectionId) {
    return live.get(inspectionId);
  }

  /** Ends an inspection's live call, if it has one: tells both sides, releases media. */
  public Future<Void> end(String inspectionId, String reason, String conclusion) {
    Call call = live.get(inspectionId);
    return call == null ? Future.succeededFuture() : call.end(reason, conclusion);
  }

  /** Sends a message to one seat of an inspection's live call; nothing when there is no call or no one there. */
  public void sendTo(String inspectionId, Role role, io.vertx.core.json.JsonObject message) {
    Call call = live.get(inspectionId);
    if (call != null) {
      call.send(role, message);
    }
  }

  public int size() {
    return live.size();
  }

  public Media media() {
    return media;
  }
}
