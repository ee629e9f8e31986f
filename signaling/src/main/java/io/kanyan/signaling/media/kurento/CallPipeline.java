package io.kanyan.signaling.media.kurento;

import io.kanyan.signaling.inspection.Role;
import io.kanyan.signaling.media.IceServers;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.kurento.client.Continuation;
import org.kurento.client.ErrorEvent;
import org.kurento.client.EventListener;
import org.kurento.client.IceCandidateFoundEvent;
import org.kurento.client.MediaFlowOutStateChangedEvent;
import org.kurento.client.IceCandidate;
import org.kurento.client.ListenerSubscription;
import org.kurento.client.MediaPipeline;
import org.kurento.client.RecorderEndpoint;
import org.kurento.client.WebRtcEndpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One inspection's media topology on one media server: a MediaPipeline named {@code kanyan:<serverId>:<id>},
 * one WebRtcEndpoint per participant connected to the other's both ways, and one RecorderEndpoint per
 * participant fed by their own endpoint. Lives on the call's context; {@link #release()} stops every recording
 * with {@code stopAndWait()} before the pipeline is released.
 */
final class CallPipeline {

  private static final Logger log = LoggerFactory.getLogger(CallPipeline.class);

  private final KurentoCallMedia owner;
  private final KmsMember member;
  private final Map<Role, Leg> legs = new EnumMap<>(Role.class);
  /** A participant's previous leg, kept (recording) until their current leg's media flows. */
  private final Map<Role, Leg> outgoing = new EnumMap<>(Role.class);
  private volatile String pipelineId;
  private MediaPipeline pipeline;
  private Future<Void> created;
  private boolean failed;
  private boolean released;

  private CallPipeline(KurentoCallMedia owner, KmsMember member) {
    this.owner = owner;
    this.member = member;
  }

  /** Creates the pipeline on {@code member} and names it; the returned object is usable at once. */
  static CallPipeline open(KurentoCallMedia owner, KmsMember member) {
    CallPipeline call = new CallPipeline(owner, member);
    member.register(call, owner.context());
    call.created = call.create();
    return call;
  }

  private Future<Void> create() {
    String name = owner.settings().pipelineName(owner.inspectionId());
    Future<MediaPipeline> made = call("create pipeline", c -> member.client().createMediaPipeline(c));
    return made.compose(p -> {
      pipeline = p;
      pipelineId = p.getId();
      return call("name pipeline", (Continuation<Void> c) -> p.setName(name, c));
    }).onSuccess(v -> {
      log.info("inspection {}: pipeline {} created on {}", owner.inspectionId(), pipelineId, member.url());
      owner.event("pipeline.created", new JsonObject().put("pipelineId", pipelineId).put("kms", member.url()));
    });
  }

  /**
   * A pipeline a lost owner node left on {@code member}, taken over by this node ({@link Adoption}): registered with
   * the member at once (its load, and its clean-up keeps it), usable once {@link #adopted} has its legs.
   */
  static CallPipeline adopting(KurentoCallMedia owner, KmsMember member, MediaPipeline existing) {
    CallPipeline call = new CallPipeline(owner, member);
    call.pipeline = existing;
    call.pipelineId = existing.getId();
    call.created = Future.succeededFuture();
    member.register(call, owner.context());
    return call;
  }

  MediaPipeline pipeline() {
    return pipeline;
  }

  /** The adopted participants' legs, recording on (see {@link Leg#adoptedRecording()}). */
  void adopted(List<Leg> adoptedLegs) {
    for (Leg leg : adoptedLegs) {
      leg.adoptedRecording();
      legs.put(leg.role, leg);
    }
  }

  /**
   * What another node needs to adopt this pipeline if this node is lost (MediaListener#handover): the media server,
   * the pipeline, and for each participant whose recording runs, their endpoint and recorder, the segment and what was
   * negotiated. Empty when nothing records.
   */
  JsonObject handover() {
    JsonObject recording = new JsonObject();
    for (Leg leg : allLegs()) {
      if (leg.wasRecording() && leg.endpoint != null && leg.recorder != null && leg.file != null) {
        recording.put(leg.role.wire(), new JsonObject().put("endpoint", leg.endpoint.getId())
            .put("recorder", leg.recorder.getId()).put("segment", leg.segment).put("extension", leg.file.extension())
            .put("audio", leg.negotiated.audio()).put("video", leg.negotiated.video())
            .put("videoCodec", leg.negotiated.videoCodec()));
      }
    }
    if (recording.isEmpty() || pipelineId == null || failed || released) {
      return new JsonObject();
    }
    return new JsonObject().put("kms", member.url()).put("pipelineId", pipelineId).put("legs", recording);
  }

  Future<Void> created() {
    return created;
  }

  String pipelineId() {
    return pipelineId;
  }

  String inspectionId() {
    return owner.inspectionId();
  }

  KurentoCallMedia owner() {
    return owner;
  }

  KmsMember member() {
    return member;
  }

  boolean failed() {
    return failed;
  }

  /** Whether the participant's current endpoint has processed an offer (candidates can go straight in). */
  boolean negotiated(Role role) {
    Leg leg = legs.get(role);
    return leg != null && leg.offerProcessed && !leg.stopped;
  }

  /** Issues a request on this pipeline's media server; fails at once if the pipeline failed. */
  <T> Future<T> call(String what, Consumer<Continuation<T>> operation) {
    if (failed) {
      return Future.failedFuture(new KmsException("inspection " + owner.inspectionId() + ": " + what
          + " skipped: the media server of this call was lost"));
    }
    return member.call(owner.context(), what, operation);
  }

  /**
   * Handles a participant's offer on a fresh endpoint. The participant's working leg (if any) is not touched until
   * the new endpoint has negotiated active media: an answer without any (KMS answers even garbage that starts with
   * {@code v=0}, with {@code m=video 0} and {@code a=inactive}) fails this offer and the call goes on as it was.
   * Once negotiated, the new leg is connected to the other participant both ways and takes a new recording
   * segment; the previous leg keeps recording until the new leg's media flows ({@link #flowing(Leg)}), so a
   * renegotiation that never brings media costs no recording. Returns the SDP answer, already sent to the browser.
   */
  Future<String> offer(Role role, String sdp, List<JsonObject> buffered, long receivedAt) {
    Leg leg = new Leg(this, role);
    return created
        .compose(v -> createEndpoint(leg))
        .compose(v -> call("processOffer for " + role.wire(), (Continuation<String> c) -> leg.endpoint.processOffer(sdp, c)))
        .compose(answer -> {
          Negotiated negotiated = Negotiated.fromAnswer(answer);
          if (negotiated.mediaTypes().isEmpty()) {
            return Future.failedFuture(new KmsException("processOffer for " + role.wire() + ": the media server's "
                + "answer has no active audio or video (the offer is not a usable SDP); the call goes on as it was"));
          }
          leg.negotiated = negotiated;
          return takeOver(leg).map(answer);
        })
        .compose(answer -> {
          leg.offerProcessed = true;
          owner.send(role, new JsonObject().put("type", "answer").put("sdp", answer));
          log.info("inspection {}: {}'s offer answered in {} ms", owner.inspectionId(), role.wire(),
              java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - receivedAt));
          return Future.join(buffered.stream().map(c -> addCandidate(leg, c)).toList())
              .compose(all -> this.<Void>call("gatherCandidates for " + role.wire(), leg.endpoint::gatherCandidates))
              .compose(g -> leg.inheritFrom != null ? Future.<Void>succeededFuture()
                  : createRecorder(leg).recover(e -> recorderFailed(leg, e)))
              .map(answer);
        })
        .recover(e -> legs.get(role) == leg ? Future.failedFuture(e)
            : discard(leg).transform(ar -> Future.failedFuture(e)));
  }

  /** The negotiated leg becomes the participant's current one; the one it replaces retires once it flows. */
  private Future<Void> takeOver(Leg leg) {
    Leg previous = legs.remove(leg.role);
    if (previous != null && outgoing.containsKey(leg.role)) {
      // The replaced leg never flowed (else the outgoing one would be gone): it goes, and its segment number is
      // reused (it never recorded, so there is no file of it); the leg that had media stays until this one flows.
      retire(previous);
      if (previous.inheritFrom == null) {
        owner.returnSegment(leg.role, previous.segment);
      }
    } else if (previous != null) {
      outgoing.put(leg.role, previous);
    }
    Leg recording = outgoing.get(leg.role);
    if (recording != null && recording.adopted && recording.wasRecording()
        && recording.negotiated.profile() == leg.negotiated.profile()) {
      // The first re-offer after a takeover: this endpoint will feed the adopted recorder, same segment, same file.
      leg.inheritFrom = recording;
      leg.segment = recording.segment;
    } else {
      leg.segment = owner.takeSegment(leg.role);
    }
    legs.put(leg.role, leg);
    return connectToOther(leg);
  }

  /** A leg whose offer failed: its endpoint goes, nothing else changes. */
  private Future<Void> discard(Leg leg) {
    leg.stopped = true;
    if (failed || leg.endpoint == null) {
      return Future.succeededFuture();
    }
    return leg.releaseElements().onFailure(e -> log.warn("inspection {}: releasing a failed {} endpoint failed: {}",
        owner.inspectionId(), leg.role.wire(), e.getMessage()));
  }

  /** The participant's current leg has media flowing: the leg it replaced is retired now. */
  void flowing(Leg leg) {
    if (legs.get(leg.role) != leg) {
      return;
    }
    if (leg.inheritFrom != null && outgoing.get(leg.role) == leg.inheritFrom && leg.inheritFrom.wasRecording()) {
      // The adopted leg stays outgoing (recording, stopped by a release meanwhile) until its recorder has moved.
      moveRecorder(leg.inheritFrom, leg);
      return;
    }
    Leg previous = outgoing.remove(leg.role);
    if (leg.inheritFrom != null) {
      // The adopted recording ended meanwhile (a recorder error): this leg records a segment of its own.
      inheritanceFailed(leg, previous);
    } else if (previous != null) {
      log.info("inspection {}: {}'s new endpoint flows; retiring segment {}", owner.inspectionId(), leg.role.wire(),
          previous.segment);
      retire(previous);
    }
  }

  /**
   * The participant's new endpoint flows: it becomes the source of the recorder {@code from} (the adopted leg) fed.
   * KMS's {@code connect} replaces a sink's previous source of each media type (MediaElementImpl::connect), so the
   * recorder is never without one and records on in the same file; then the old endpoint goes.
   */
  private void moveRecorder(Leg from, Leg to) {
    if (to.moving) {
      return;
    }
    to.moving = true;
    RecorderEndpoint recorder = from.recorder;
    call("connect " + to.role.wire() + "'s new endpoint to its recorder",
        (Continuation<Void> c) -> to.endpoint.connect(recorder, c))
        .onSuccess(v -> {
          if (to.stopped || from.stopped || from.recorder != recorder) {
            return;
          }
          outgoing.remove(to.role, from);
          to.takeRecorder(from);
          log.info("inspection {}: {}'s new endpoint feeds the adopted recorder; segment {} records on",
              owner.inspectionId(), to.role.wire(), to.segment);
          retire(from);
          owner.handoverChanged();
        })
        .onFailure(e -> {
          log.warn("inspection {}: cannot move {}'s adopted recorder to the new endpoint: {}", owner.inspectionId(),
              to.role.wire(), e.getMessage());
          if (!from.stopped && outgoing.remove(to.role, from)) {
            inheritanceFailed(to, from);
          }
        });
  }

  /** {@code leg} could not take the adopted recording over: it records a new segment, as after any re-offer. */
  private void inheritanceFailed(Leg leg, Leg adopted) {
    leg.inheritFrom = null;
    if (adopted != null) {
      retire(adopted);
    }
    if (leg.stopped || failed) {
      return;
    }
    leg.segment = owner.takeSegment(leg.role);
    createRecorder(leg).recover(e -> recorderFailed(leg, e));
  }

  /** A media server Error on an adopted recorder: reported for whichever leg holds that recorder now. */
  void recorderError(RecorderEndpoint recorder, ErrorEvent e) {
    for (Leg leg : allLegs()) {
      if (leg.recorder == recorder) {
        owner.event("recording.interrupted", leg.details().put("reason", e.getType() + ": " + e.getDescription()));
        return;
      }
    }
  }

  /** Whether {@code leg} is its participant's current leg (only that one talks to the browser). */
  boolean current(Leg leg) {
    return legs.get(leg.role) == leg;
  }

  private Future<Void> createEndpoint(Leg leg) {
    Future<WebRtcEndpoint> made = call("create endpoint for " + leg.role.wire(),
        c -> new WebRtcEndpoint.Builder(pipeline).buildAsync(c));
    return made.compose(endpoint -> {
      leg.endpoint = endpoint;
      return subscribe(leg).compose(all -> configureIce(endpoint));
    });
  }

  /** Subscribes to the events of the leg's endpoint: its ICE candidates, its media flow, its errors (logged). */
  Future<Void> subscribe(Leg leg) {
    WebRtcEndpoint endpoint = leg.endpoint;
    EventListener<IceCandidateFoundEvent> candidates = owner.onContext(e -> leg.candidateFound(e.getCandidate()));
    EventListener<MediaFlowOutStateChangedEvent> flows = owner.onContext(e -> leg.mediaFlowOut(e.getMediaType(), e.getState()));
    EventListener<ErrorEvent> errorLog = e -> log.warn("inspection {}: {} endpoint error {} {}: {}",
        owner.inspectionId(), leg.role.wire(), e.getErrorCode(), e.getType(), e.getDescription());
    Future<ListenerSubscription> ice = call("subscribe IceCandidateFound",
        c -> endpoint.addIceCandidateFoundListener(candidates, c));
    Future<ListenerSubscription> flow = call("subscribe MediaFlowOutStateChanged",
        c -> endpoint.addMediaFlowOutStateChangedListener(flows, c));
    Future<ListenerSubscription> errors = call("subscribe Error", c -> endpoint.addErrorListener(errorLog, c));
    return Future.all(ice, flow, errors).mapEmpty();
  }

  private Future<Void> configureIce(WebRtcEndpoint endpoint) {
    IceServers.KmsIce ice = owner.iceServers().forKms(owner.inspectionId());
    List<Future<Void>> settings = new ArrayList<>();
    ice.stunAddress().ifPresent(address -> {
      settings.add(call("set STUN address", (Continuation<Void> c) -> endpoint.setStunServerAddress(address, c)));
      settings.add(call("set STUN port", (Continuation<Void> c) -> endpoint.setStunServerPort(ice.stunPort(), c)));
    });
    ice.turnUrl().ifPresent(url -> settings.add(call("set TURN URL", (Continuation<Void> c) -> endpoint.setTurnUrl(url, c))));
    return Future.all(settings).mapEmpty();
  }

  private Future<Void> connectToOther(Leg leg) {
    Leg other = legs.get(leg.role.other());
    if (other == null || other.stopped || other.endpoint == null) {
      return Future.succeededFuture();
    }
    Future<Void> there = call("connect " + leg.role.wire() + " to " + other.role.wire(),
        c -> leg.endpoint.connect(other.endpoint, c));
    Future<Void> back = call("connect " + other.role.wire() + " to " + leg.role.wire(),
        c -> other.endpoint.connect(leg.endpoint, c));
    return Future.all(there, back).mapEmpty();
  }

  private Future<Void> createRecorder(Leg leg) {
    RecordingFile file = owner.recordingFile(leg.role, leg.segment, leg.negotiated.extension());
    leg.file = file;
    Future<Void> dir = owner.vertx().fileSystem().mkdirs(file.raw().getParent().toString());
    return dir.compose(v -> call("create recorder " + file.relative(),
            (Continuation<RecorderEndpoint> c) -> new RecorderEndpoint.Builder(pipeline, file.kmsUri())
                .withMediaProfile(leg.negotiated.profile()).buildAsync(c)))
        .compose(recorder -> {
          EventListener<ErrorEvent> recorderErrors = owner.onContext(e -> owner.event("recording.interrupted",
              leg.details().put("reason", e.getType() + ": " + e.getDescription())));
          Future<ListenerSubscription> errors = call("subscribe recorder Error",
              c -> recorder.addErrorListener(recorderErrors, c));
          return errors.compose(s -> call("connect " + leg.role.wire() + " to its recorder",
              (Continuation<Void> c) -> leg.endpoint.connect(recorder, c))).map(recorder);
        })
        .onSuccess(recorder -> {
          leg.recorder = recorder;
          leg.maybeStartRecording();
        })
        .mapEmpty();
  }

  /**
   * The media works but this segment cannot be recorded: that goes on the trail and in the log; the call goes on
   * (the browser already has its answer). A media server loss is reported by {@link #kmsLost} instead.
   */
  private Future<Void> recorderFailed(Leg leg, Throwable cause) {
    if (!failed) {
      log.error("inspection {}: {} will not be recorded: {}", owner.inspectionId(), leg.role.wire(), cause.getMessage());
      owner.event("recording.interrupted", leg.details().put("reason", "recorder not created: " + cause.getMessage()));
    }
    return Future.succeededFuture();
  }

  /** Adds a browser's trickled candidate to the participant's endpoint. */
  Future<Void> candidate(Role role, JsonObject candidate) {
    Leg leg = legs.get(role);
    if (leg == null || leg.endpoint == null) {
      return Future.failedFuture(new KmsException(role.wire() + " has no media endpoint yet"));
    }
    return addCandidate(leg, candidate);
  }

  private Future<Void> addCandidate(Leg leg, JsonObject candidate) {
    IceCandidate ice = new IceCandidate(candidate.getString("candidate", ""), candidate.getString("sdpMid", "0"),
        candidate.getInteger("sdpMLineIndex", 0));
    return call("addIceCandidate for " + leg.role.wire(), c -> leg.endpoint.addIceCandidate(ice, c));
  }

  /** The participant left (for now or for good): their recording ends and their endpoint goes. */
  Future<Void> leave(Role role) {
    Leg leg = legs.get(role);
    Leg previous = outgoing.remove(role);
    Future<Void> old = previous == null ? Future.succeededFuture() : retire(previous);
    return leg == null ? old : Future.join(old, retire(leg)).mapEmpty();
  }

  private Future<Void> retire(Leg leg) {
    if (legs.get(leg.role) == leg) {
      legs.remove(leg.role);
    }
    boolean wasRecording = leg.wasRecording();
    Future<Void> stopped = leg.stopRecording();
    if (wasRecording) {
      owner.gapStarted(leg.role);
      owner.handoverChanged();
    }
    return stopped.transform(ar -> failed ? Future.succeededFuture() : leg.releaseElements())
        .recover(e -> {
          log.warn("inspection {}: releasing {}'s elements failed: {}", owner.inspectionId(), leg.role.wire(), e.getMessage());
          return Future.succeededFuture();
        });
  }

  /** Stops every recording (stopAndWait), then releases the pipeline and everything in it. */
  Future<Void> release() {
    if (released) {
      return Future.succeededFuture();
    }
    released = true;
    List<Future<Void>> stops = allLegs().stream().map(Leg::stopRecording).toList();
    legs.clear();
    outgoing.clear();
    return Future.join(stops)
        .transform(ar -> created.transform(c -> releasePipeline()))
        .eventually(() -> {
          member.unregister(this);
          return Future.succeededFuture();
        });
  }

  private Future<Void> releasePipeline() {
    if (pipeline == null || failed) {
      return Future.succeededFuture();
    }
    return this.<Void>call("release pipeline " + pipelineId, pipeline::release)
        .onSuccess(v -> log.info("inspection {}: pipeline {} released", owner.inspectionId(), pipelineId))
        .recover(e -> {
          log.warn("inspection {}: releasing pipeline {} failed: {}", owner.inspectionId(), pipelineId, e.getMessage());
          return Future.succeededFuture();
        });
  }

  /**
   * The socket to the media server dropped and the same session resumed: nothing was lost but the events sent
   * meanwhile. Asks each endpoint whether the media it was waiting for flows now.
   */
  void sessionResumed() {
    for (Leg leg : List.copyOf(legs.values())) {
      for (org.kurento.client.MediaType type : leg.notYetFlowing()) {
        Future<Boolean> flowing = call("isMediaFlowingOut " + type + " for " + leg.role.wire(),
            c -> leg.endpoint.isMediaFlowingOut(type, c));
        flowing.onSuccess(yes -> {
          if (yes) {
            leg.mediaFlowOut(type, org.kurento.client.MediaFlowState.FLOWING);
          }
        });
      }
    }
  }

  private List<Leg> allLegs() {
    List<Leg> all = new ArrayList<>(outgoing.values());
    all.addAll(legs.values());
    return all;
  }

  /** Called on the call's context when the media server is declared lost. */
  void kmsLost(String reason) {
    kmsLost(reason, 0);
  }

  /**
   * As {@link #kmsLost(String)}; the loss began {@code lostForMillis} ago (the socket closed before the loss grace
   * ran out), which is when the recordings were really cut.
   */
  void kmsLost(String reason, long lostForMillis) {
    if (failed || released) {
      return;
    }
    failed = true;
    for (Leg leg : allLegs()) {
      if (leg.wasRecording()) {
        owner.gapStarted(leg.role, lostForMillis);
      }
      leg.interrupted(reason);
    }
    legs.clear();
    outgoing.clear();
    owner.pipelineLost(this, reason);
  }
}
