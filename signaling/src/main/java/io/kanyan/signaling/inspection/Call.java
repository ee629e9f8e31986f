package io.kanyan.signaling.inspection;

import io.kanyan.recorder.audit.CaseBinding;
import io.kanyan.recorder.redis.RedisUnavailableException;
import io.kanyan.recorder.trail.EventType;
import io.kanyan.recorder.trail.LocationFixes;
import io.kanyan.recorder.trail.Trail;
import io.kanyan.recorder.trail.TrailEvent;
import io.kanyan.signaling.Problem;
import io.kanyan.signaling.auth.Tokens;
import io.kanyan.signaling.media.CallMedia;
import io.kanyan.signaling.media.Media;
import io.kanyan.signaling.media.MediaListener;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live pairing of one inspector and one applicant for one inspection: the two seats, the grace period
 * of a dropped participant, the call's media, and the trail of every state change.
 *
 * <p>All state belongs to the context that created the call (the server verticle's event loop); media
 * callbacks are delivered there too, so there are no locks.
 */
public final class Call implements MediaListener {

  private static final Logger log = LoggerFactory.getLogger(Call.class);
  private static final Duration MAX_TRAIL_RETRY = Duration.ofMinutes(15);
  /** A device clock further than this from the server's is flagged on its location fixes. */
  public static final Duration CLOCK_SKEW_LIMIT = Duration.ofMinutes(2);

  /** One seat: who holds it now, the key to resume it, and the grace timer while they are away. */
  private static final class Seat {
    Link link;
    /** The seat key's digest: the key itself is only told to its holder. */
    String keyDigest;
    String actor;
    long graceTimer = -1;
  }

  private final String inspectionId;
  private final Vertx vertx;
  private final Context context;
  private final Media media;
  private final Trail trail;
  private final Duration grace;
  private final Clock clock;
  private final BiFunction<String, Instant, Future<Void>> onConnected;
  private final Runnable onGone;
  private final CallOwners owners;
  private final Map<Role, Seat> seats = new EnumMap<>(Role.class);
  /**
   * The server-side recording of each role going on now (role → segment), from the media's events; saved. After a
   * takeover, the segment the lost owner was recording, until the role's next segment starts.
   */
  private final Map<Role, Integer> recording = new EnumMap<>(Role.class);
  /** What the media reported another node needs to adopt it (MediaListener#handover); saved. */
  private JsonObject mediaHandover;
  private Future<CallMedia> callMedia;
  private Future<?> trailTail = Future.succeededFuture();
  private boolean connectedOnce;
  private boolean ended;
  /** This node lost the call to another (its lease is gone): it no longer acts or writes for it. */
  private boolean dropped;
  private JsonObject lastLocation;
  /** Which of the applicant's fixes go on the trail (all are shown to the inspector). */
  private final LocationFixes locationFixes;

  Call(String inspectionId, Vertx vertx, Media media, Trail trail, Duration grace, Clock clock,
      BiFunction<String, Instant, Future<Void>> onConnected, CallOwners owners, Runnable onGone,
      LocationFixes.Settings locationTrail) {
    this.inspectionId = inspectionId;
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.media = media;
    this.trail = trail;
    this.grace = grace;
    this.clock = clock;
    this.onConnected = onConnected;
    this.onGone = onGone;
    this.owners = owners;
    this.locationFixes = new LocationFixes(locationTrail);
  }

  public String inspectionId() {
    return inspectionId;
  }

  /**
   * Seats a participant. A seat held by a live connection is taken over only with its seat key; a seat
   * that is empty or in its grace period is given to the authenticated participant.
   *
   * @return the {@code joined} message to send back
   */
  public Future<JsonObject> join(Role role, Link link, String actor, String resumeKey) {
    if (ended) {
      return Future.failedFuture(Problem.conflict("inspection_closed", "this inspection has ended"));
    }
    if (dropped) {
      return Future.failedFuture(Problem.conflict("moved", "this call moved to another server; reconnect"));
    }
    Seat seat = seats.get(role);
    boolean resumed = false;
    if (seat != null && seat.link != null) {
      if (resumeKey == null || !Tokens.digest(resumeKey).equals(seat.keyDigest)) {
        return Future.failedFuture(Problem.conflict("seat_taken", "the " + role.wire()
            + " of this inspection is already connected from another device or tab; close it there first"));
      }
      Link stale = seat.link;
      seat.link = null;
      stale.close((short) 4000, "replaced by a newer connection");
      resumed = true;
    } else if (seat != null) {
      resumed = true;
    }
    if (seat == null) {
      seat = new Seat();
      seats.put(role, seat);
    }
    cancelGrace(seat);
    seat.link = link;
    seat.actor = actor;
    String seatKey = Tokens.random();
    seat.keyDigest = Tokens.digest(seatKey);
    boolean reconnect = resumed;
    save();
    record(reconnect ? EventType.PARTICIPANT_RECONNECTED : EventType.PARTICIPANT_JOINED, actor, new JsonObject()
        .put("role", role.wire()).put("address", link.remoteAddress()).put("userAgent", link.userAgent()));
    log.info("inspection {}: {} {}", inspectionId, role.wire(), reconnect ? "reconnected" : "joined");
    // The seat is all that `joined` waits for. The trail event above is queued in call order (record() keeps
    // appends ordered and retries them; the reply does not wait for Redis's fsync, see PROTOCOL.md), and the media
    // opens and hears of the join behind the reply: an offer waits for it anyway.
    media().compose(m -> m.join(role, reconnect)).onFailure(err -> log.warn("inspection {}: media join of {} failed: {}",
        inspectionId, role.wire(), err.getMessage()));
    Seat other = seats.get(role.other());
    boolean peerPresent = other != null && other.link != null;
    JsonObject joined = new JsonObject()
        .put("type", "joined")
        .put("inspectionId", inspectionId)
        .put("role", role.wire())
        .put("seatKey", seatKey)
        .put("mode", media.mode())
        .put("iceServers", media.iceServersFor(inspectionId))
        .put("peerPresent", peerPresent)
        .put("resumed", reconnect);
    if (peerPresent) {
      // Sent after "joined" by the caller's ordering: the joiner learns of its peer from both.
      vertx.runOnContext(v -> bothPresent(role, reconnect));
    }
    return Future.succeededFuture(joined);
  }

  private void bothPresent(Role joiner, boolean resumed) {
    Seat a = seats.get(joiner);
    Seat b = seats.get(joiner.other());
    if (ended || a == null || b == null || a.link == null || b.link == null) {
      return;
    }
    b.link.send(new JsonObject().put("type", "peer-joined").put("role", joiner.wire()).put("resumed", resumed));
    a.link.send(new JsonObject().put("type", "peer-joined").put("role", joiner.other().wire()).put("resumed", false));
    if (!connectedOnce) {
      connectedOnce = true;
      save();
      // One call.connected per inspection (a fixed event id, so a restarted server does not add a second);
      // the case record's start time is that event's time, so the two agree.
      append(CaseBinding.CONNECTED_ID, EventType.CALL_CONNECTED, "system", new JsonObject())
          .compose(event -> onConnected.apply(inspectionId, event.time()))
          .onFailure(err -> log.warn("inspection {}: could not mark as started: {}", inspectionId, err.getMessage()));
    }
  }

  /** The connection of a seat closed (network drop, tab closed); the seat is held for the grace period. */
  public void disconnected(Role role, Link link, int closeCode) {
    Seat seat = seats.get(role);
    if (seat == null || seat.link != link || ended) {
      return;
    }
    seat.link = null;
    record(EventType.PARTICIPANT_DISCONNECTED, seat.actor, new JsonObject().put("role", role.wire()).put("code", closeCode));
    save();
    log.info("inspection {}: {} disconnected ({}), holding the seat for {}s", inspectionId, role.wire(), closeCode,
        grace.toSeconds());
    media().compose(m -> m.leave(role)).onFailure(err -> log.warn("inspection {}: media leave failed: {}",
        inspectionId, err.getMessage()));
    sendTo(role.other(), new JsonObject().put("type", "peer-reconnecting").put("role", role.wire())
        .put("graceSeconds", grace.toSeconds()));
    holdSeat(role, seat);
  }

  private void holdSeat(Role role, Seat seat) {
    cancelGrace(seat);
    seat.graceTimer = vertx.setTimer(Math.max(1, grace.toMillis()), t -> {
      seat.graceTimer = -1;
      gone(role, "timeout");
    });
  }

  /**
   * This node takes the call over from {@code claim.previous()}, which lost it (died, or was paused or cut off past
   * its lease), with the seats it saved: the owner change goes on the trail, then a {@code participant.disconnected}
   * for each seat that was connected there (its socket went with that node), and each seat is held for a full grace
   * period from now, for its participant to come back with their seat key.
   */
  void takeOver(JsonObject state, CallOwners.Claim claim) {
    connectedOnce = state.getBoolean("connected", false);
    JsonObject saved = state.getJsonObject("seats", new JsonObject());
    record(EventType.CALL_OWNER_CHANGED, "system", new JsonObject().put("from", claim.previous())
        .put("to", claim.owner()).put("fence", claim.token()).put("reason", "lease_expired"));
    log.info("inspection {}: taken over from node {} (fencing token {})", inspectionId, claim.previous(), claim.token());
    for (Role role : Role.values()) {
      JsonObject s = saved.getJsonObject(role.wire());
      if (s == null) {
        continue;
      }
      Seat seat = new Seat();
      seat.keyDigest = s.getString("key");
      seat.actor = s.getString("actor");
      seats.put(role, seat);
      if (s.getBoolean("live", false)) {
        record(EventType.PARTICIPANT_DISCONNECTED, seat.actor, new JsonObject().put("role", role.wire())
            .put("code", 1006).put("reason", "node_lost").put("node", claim.previous()));
      }
      holdSeat(role, seat);
    }
    JsonObject wasRecording = state.getJsonObject("recording", new JsonObject());
    for (Role role : Role.values()) {
      // Kept (and saved) until the role's next segment starts, so that a node taking the call over from this one
      // before then still knows where the recording was cut.
      if (wasRecording.getValue(role.wire()) instanceof Number segment) {
        recording.put(role, segment.intValue());
      }
    }
    // The lost owner's media as it last reported it, kept (and saved) until this node's media reports its own.
    mediaHandover = state.getJsonObject("media");
    save();
    adoptMedia(recording, mediaHandover, claim);
  }

  /**
   * Asks the media whether it can go on with what the lost owner was recording, and says what happened: where it
   * cannot, each of those recordings ended with that node, and the role's next segment puts a
   * {@code recording.gap} with reason {@code owner_changed} on the trail (written here, fenced by this lease).
   */
  private void adoptMedia(Map<Role, Integer> wasRecording, JsonObject handover, CallOwners.Claim claim) {
    Map<Role, Integer> lost = new EnumMap<>(wasRecording);
    if (lost.isEmpty()) {
      return;
    }
    JsonObject cause = new JsonObject().put("reason", "owner_changed").put("from", claim.previous())
        .put("to", claim.owner());
    media().compose(m -> m.adopt(lost, handover, cause)).onComplete(ar -> {
      if (ar.succeeded() && ar.result()) {
        log.info("inspection {}: media of node {} adopted, recordings {} go on", inspectionId, claim.previous(), lost);
      } else {
        log.warn("inspection {}: recordings {} of node {} not adopted ({}); they go on in new segments", inspectionId,
            lost, claim.previous(), ar.failed() ? ar.cause().getMessage() : "the media cannot reattach them");
      }
    });
  }

  /**
   * This node lost the call (another owns it now): its participants here are told to reconnect (1012, the
   * balancer sends them to a node that has the call), and nothing more is written for it from here.
   */
  void drop() {
    if (dropped) {
      return;
    }
    dropped = true;
    for (Seat seat : seats.values()) {
      cancelGrace(seat);
      if (seat.link != null) {
        Link link = seat.link;
        seat.link = null;
        link.close((short) 1012, "the call moved to another server; reconnect");
      }
    }
    seats.clear();
    if (callMedia != null) {
      releaseMedia();
    }
  }

  /** Saves the seats for a node that may take the call over (a single node keeps nothing). */
  private void save() {
    if (!owners.clustered() || dropped) {
      return;
    }
    JsonObject saved = new JsonObject();
    seats.forEach((role, seat) -> saved.put(role.wire(), new JsonObject().put("key", seat.keyDigest)
        .put("actor", seat.actor).put("live", seat.link != null)));
    JsonObject recordings = new JsonObject();
    recording.forEach((role, segment) -> recordings.put(role.wire(), segment));
    JsonObject state = new JsonObject().put("connected", connectedOnce).put("seats", saved).put("recording", recordings);
    if (mediaHandover != null && !mediaHandover.isEmpty()) {
      state.put("media", mediaHandover);
    }
    owners.save(inspectionId, state)
        .onFailure(err -> log.warn("inspection {}: call state not saved: {}", inspectionId, err.getMessage()));
  }

  /** A participant leaves on purpose. */
  public void leave(Role role, Link link) {
    remove(role, link, "left", (short) 1000);
  }

  /**
   * A participant is gone for good without a grace period: they left, or the credential they joined with was
   * revoked ({@code reason} is then its error code, e.g. {@code invite_revoked}). Their link is closed with
   * {@code closeCode}.
   */
  public void remove(Role role, Link link, String reason, short closeCode) {
    Seat seat = seats.get(role);
    if (seat == null || seat.link != link) {
      link.close(closeCode, reason);
      return;
    }
    seat.link = null;
    media().compose(m -> m.leave(role));
    gone(role, reason);
    link.close(closeCode, reason);
  }

  private void gone(Role role, String reason) {
    Seat seat = seats.remove(role);
    if (seat == null || ended) {
      return;
    }
    cancelGrace(seat);
    record(EventType.PARTICIPANT_LEFT, seat.actor, new JsonObject().put("role", role.wire()).put("reason", reason));
    save();
    log.info("inspection {}: {} left ({})", inspectionId, role.wire(), reason);
    sendTo(role.other(), new JsonObject().put("type", "peer-left").put("role", role.wire()).put("reason", reason));
    if (seats.isEmpty()) {
      releaseMedia().onComplete(x -> onGone.run());
    }
  }

  /** Ends the call for good: tells both sides, closes their sockets, releases media. */
  public Future<Void> end(String reason, String conclusion) {
    if (ended || dropped) {
      return Future.succeededFuture();
    }
    ended = true;
    JsonObject msg = new JsonObject().put("type", "ended").put("reason", reason).put("conclusion", conclusion);
    for (Seat seat : seats.values()) {
      cancelGrace(seat);
      if (seat.link != null) {
        seat.link.send(msg);
        seat.link.close((short) 1000, "inspection ended");
        seat.link = null;
      }
    }
    seats.clear();
    return releaseMedia().compose(x -> trailTail.<Void>transform(t -> Future.succeededFuture()))
        .onComplete(x -> onGone.run());
  }

  private Future<Void> releaseMedia() {
    if (callMedia == null) {
      return Future.succeededFuture();
    }
    Future<CallMedia> opened = callMedia;
    callMedia = null;
    return opened.compose(CallMedia::release).recover(err -> {
      log.warn("inspection {}: releasing media failed: {}", inspectionId, err.getMessage());
      return Future.succeededFuture();
    });
  }

  public Future<Void> offer(Role from, String sdp) {
    return media().compose(m -> m.offer(from, sdp));
  }

  public Future<Void> answer(Role from, String sdp) {
    return media().compose(m -> m.answer(from, sdp));
  }

  public Future<Void> candidate(Role from, JsonObject candidate) {
    return media().compose(m -> m.candidate(from, candidate));
  }

  /**
   * A Geolocation fix from the applicant; kept as the latest and shown to the inspector at once; put on the trail
   * only when it says something new ({@link LocationFixes}: the first, a move, a better accuracy, or the configured
   * interval since the last on the trail; never two within 2 s). When the device reports its time, the difference
   * from the server's is recorded ({@code clockSkewMillis}, device minus server) and flagged
   * ({@code clockSkewFlagged}) beyond {@link #CLOCK_SKEW_LIMIT}: a fix from a device whose clock is far off deserves
   * an auditor's doubt.
   */
  public void location(double lat, double lng, Double accuracy, Long deviceTime) {
    long now = clock.millis();
    JsonObject fix = new JsonObject().put("lat", lat).put("lng", lng).put("accuracy", accuracy)
        .put("deviceTime", deviceTime).put("serverTime", Instant.ofEpochMilli(now).toString());
    if (deviceTime != null) {
      long skew = deviceTime - now;
      fix.put("clockSkewMillis", skew).put("clockSkewFlagged", Math.abs(skew) > CLOCK_SKEW_LIMIT.toMillis());
    }
    lastLocation = fix;
    sendTo(Role.INSPECTOR, new JsonObject().put("type", "location").put("lat", lat).put("lng", lng)
        .put("accuracy", accuracy).put("time", fix.getString("serverTime")));
    if (locationFixes.offer(lat, lng, accuracy, fix.getBoolean("clockSkewFlagged", false), now)
        != LocationFixes.Reason.SKIPPED) {
      Seat seat = seats.get(Role.APPLICANT);
      record(EventType.LOCATION_FIX, seat == null ? "applicant" : seat.actor, fix.copy());
    }
  }

  /** The applicant's latest location fix, or null when none came in yet. */
  public JsonObject lastLocation() {
    return lastLocation == null ? null : lastLocation.copy();
  }

  /** True while {@code role}'s seat has a live connection (not empty, not in its grace period). */
  public boolean present(Role role) {
    Seat seat = seats.get(role);
    return !ended && seat != null && seat.link != null;
  }

  /** A finding noted by the inspector. */
  public Future<Void> note(String actor, String text) {
    return record(EventType.NOTE_ADDED, actor, new JsonObject().put("text", text));
  }

  // --- MediaListener: called on this call's context ---

  @Override
  public void send(Role role, JsonObject message) {
    sendTo(role, message);
  }

  @Override
  public void event(String kind, JsonObject details) {
    EventType type = "recording.file".equals(kind) ? EventType.RECORDING_FINALISED
        : "recording.gap".equals(kind) ? EventType.RECORDING_GAP : EventType.MEDIA_EVENT;
    record(type, "system", details.copy().put("kind", kind));
    noteRecording(kind, details);
  }

  /** Follows which segment of each role is recording, for a node that may take the call over (clustered). */
  private void noteRecording(String kind, JsonObject details) {
    String wire = details.getString("role");
    Integer segment = details.getValue("segment") instanceof Number n ? n.intValue() : null;
    if (segment == null || !(Role.INSPECTOR.wire().equals(wire) || Role.APPLICANT.wire().equals(wire))) {
      return;
    }
    Role role = Role.fromWire(wire);
    boolean changed = false;
    if ("recording.started".equals(kind)) {
      changed = !segment.equals(recording.put(role, segment));
    } else if (("recording.stopped".equals(kind) || "recording.interrupted".equals(kind)
        || "recording.file".equals(kind)) && segment.equals(recording.get(role))) {
      recording.remove(role);
      changed = true;
    }
    if (changed) {
      save();
    }
  }

  @Override
  public void handover(JsonObject state) {
    if (!state.equals(mediaHandover)) {
      mediaHandover = state.copy();
      save();
    }
  }

  @Override
  public void failed(String reason) {
    log.warn("inspection {}: media interrupted: {}", inspectionId, reason);
    record(EventType.MEDIA_EVENT, "system", new JsonObject().put("kind", "media.interrupted").put("reason", reason));
    JsonObject msg = new JsonObject().put("type", "media-interrupted").put("reason", reason);
    sendTo(Role.INSPECTOR, msg);
    sendTo(Role.APPLICANT, msg);
    // The broken media is dropped; the next offer opens it again (possibly on another media server).
    callMedia = null;
  }

  private void sendTo(Role role, JsonObject message) {
    Seat seat = seats.get(role);
    if (seat != null && seat.link != null) {
      seat.link.send(message);
    }
  }

  private Future<CallMedia> media() {
    if (callMedia == null) {
      callMedia = media.open(inspectionId, this);
      Future<CallMedia> opening = callMedia;
      opening.onFailure(err -> {
        if (callMedia == opening) {
          callMedia = null;
        }
      });
    }
    return callMedia;
  }

  private void cancelGrace(Seat seat) {
    if (seat.graceTimer >= 0) {
      vertx.cancelTimer(seat.graceTimer);
      seat.graceTimer = -1;
    }
  }

  /**
   * Puts an event on the trail in call order. When Redis is unreachable the same event (same id, so it
   * cannot be stored twice) is retried every 2 s for up to 15 minutes, and later events wait behind it.
   */
  private Future<Void> record(EventType type, String actor, JsonObject payload) {
    return append(UUID.randomUUID().toString(), type, actor, payload).mapEmpty();
  }

  /** Appends in call order after every earlier event of this call; answers the stored event. */
  private Future<TrailEvent> append(String eventId, EventType type, String actor, JsonObject payload) {
    if (dropped) {
      return Future.failedFuture(new IllegalStateException("inspection " + inspectionId + ": the call moved to another"
          + " node; " + type.code() + " not written from here"));
    }
    long deadline = clock.millis() + MAX_TRAIL_RETRY.toMillis();
    Future<TrailEvent> next = trailTail.transform(prev -> appendWithRetry(eventId, type, actor, payload, deadline));
    trailTail = next;
    return next;
  }

  private Future<TrailEvent> appendWithRetry(String eventId, EventType type, String actor, JsonObject payload,
      long deadline) {
    return trail.append(eventId, inspectionId, type, actor, payload, owners.fence(inspectionId)).recover(err -> {
      if (err instanceof Trail.FencedException) {
        log.warn("inspection {}: {} ({}) refused: {}", inspectionId, eventId, type.code(), err.getMessage());
        owners.refused(inspectionId);
        return Future.failedFuture(err);
      }
      if (!(err instanceof RedisUnavailableException) || clock.millis() > deadline) {
        log.error("inspection {}: trail event {} ({}) could not be stored: {}", inspectionId, eventId, type.code(),
            err.getMessage());
        return Future.failedFuture(err);
      }
      log.warn("inspection {}: trail store unavailable, retrying {} in 2s", inspectionId, type.code());
      Promise<TrailEvent> retry = Promise.promise();
      context.owner().setTimer(2000, t -> appendWithRetry(eventId, type, actor, payload, deadline).onComplete(retry));
      return retry.future();
    });
  }
}
