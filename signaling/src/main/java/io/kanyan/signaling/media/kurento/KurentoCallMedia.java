package io.kanyan.signaling.media.kurento;

import io.kanyan.recorder.recording.FinalisedFile;
import io.kanyan.recorder.recording.Remux;
import io.kanyan.signaling.inspection.Role;
import io.kanyan.signaling.media.CallMedia;
import io.kanyan.signaling.media.IceServers;
import io.kanyan.signaling.media.MediaListener;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The media of one inspection's call in Kurento mode. Every method runs on the call's context; operations are
 * queued so that an offer, the candidates after it and a leave happen in the order they arrived.
 *
 * <p>The first offer creates the {@link CallPipeline} on the least loaded live media server. When that media
 * server is lost the call is told ({@link MediaListener#failed}); the next offer creates a new pipeline on a live
 * media server, and every recording goes on as a new segment.
 */
final class KurentoCallMedia implements CallMedia {

  private static final Logger log = LoggerFactory.getLogger(KurentoCallMedia.class);
  /** A browser gathers a few dozen candidates at most; more before its offer is a broken or hostile client. */
  static final int MAX_BUFFERED_CANDIDATES = 100;

  private final KurentoMedia media;
  private final String inspectionId;
  private final MediaListener listener;
  private final Context context;
  private final Map<Role, Integer> segmentFloor = new EnumMap<>(Role.class);
  private final Map<Role, List<JsonObject>> pending = new EnumMap<>(Role.class);
  private final List<Future<Void>> finalising = new ArrayList<>();
  private CallPipeline pipeline;
  private Future<Void> queue = Future.succeededFuture();
  private boolean released;

  KurentoCallMedia(KurentoMedia media, String inspectionId, MediaListener listener, Context context,
      Map<Role, Integer> firstSegment) {
    this.media = media;
    this.inspectionId = inspectionId;
    this.listener = listener;
    this.context = context;
    this.segmentFloor.putAll(firstSegment);
  }

  @Override
  public Future<Void> join(Role role, boolean reconnect) {
    log.info("inspection {}: {} {} (kurento)", inspectionId, role.wire(), reconnect ? "rejoined" : "joined");
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> offer(Role from, String sdp) {
    long receivedAt = System.nanoTime();
    return serial(() -> currentPipeline()
        .compose(p -> p.offer(from, sdp, drainPending(from), receivedAt))
        // The browser makes a new peer connection for its next offer: candidates buffered for this one are
        // useless, and a browser re-offering while no media server is reachable must not pile them up.
        .onFailure(e -> pending.remove(from))
        .mapEmpty());
  }

  @Override
  public Future<Void> answer(Role from, String sdp) {
    return Future.failedFuture(new KmsException("in kurento mode the media server answers; browsers send offers only"));
  }

  @Override
  public Future<Void> candidate(Role from, JsonObject candidate) {
    return serial(() -> {
      if (pipeline != null && !pipeline.failed() && pipeline.negotiated(from)) {
        return pipeline.candidate(from, candidate);
      }
      List<JsonObject> buffered = pending.computeIfAbsent(from, r -> new ArrayList<>());
      if (buffered.size() >= MAX_BUFFERED_CANDIDATES) {
        return Future.failedFuture(new KmsException("too many ICE candidates before an offer from " + from.wire()
            + " (more than " + MAX_BUFFERED_CANDIDATES + "); send the offer first"));
      }
      buffered.add(candidate.copy());
      return Future.succeededFuture();
    });
  }

  @Override
  public Future<Void> leave(Role role) {
    return serial(() -> {
      pending.remove(role);
      return pipeline == null ? Future.succeededFuture() : pipeline.leave(role);
    });
  }

  /**
   * Takes over the pipeline the lost owner left on its media server ({@link Adoption}; KURENTO.md, "Another node takes
   * the call over"): its recorders record on, in the same segments, and {@code pipeline.adopted} goes on the trail.
   * Where that is impossible (the media server is not one of ours or not live, it restarted or collected the objects,
   * the handover is missing), each recording ends where that node left it; the next segment here is numbered after it
   * and reports the hole as {@code recording.gap} with {@code cause}.
   */
  @Override
  public Future<Boolean> adopt(Map<Role, Integer> recording, JsonObject handover, JsonObject cause) {
    // All of it inside the queue: the participants' offers (queued behind) must find the adopted pipeline.
    return serial(() -> {
      Future<CallPipeline> adopted = released || pipeline != null
          ? Future.failedFuture(new KmsException("the call's media moved on meanwhile"))
          : Adoption.adopt(this, media.pool(), handover, recording);
      return adopted.transform(ar -> adopted(ar, recording, cause));
    });
  }

  private Future<Boolean> adopted(io.vertx.core.AsyncResult<CallPipeline> ar, Map<Role, Integer> recording,
      JsonObject cause) {
    if (ar.succeeded()) {
      CallPipeline adopted = ar.result();
      pipeline = adopted;
      recording.forEach((role, segment) -> media.segments().adopted(inspectionId, role, segment));
      log.info("inspection {}: pipeline {} of node {} adopted on {}", inspectionId, adopted.pipelineId(),
          cause.getString("from"), adopted.member().url());
      event("pipeline.adopted", new JsonObject().put("pipelineId", adopted.pipelineId())
          .put("kms", adopted.member().url()).put("from", cause.getString("from")).put("to", cause.getString("to"))
          .put("recordings", segmentsOf(recording)));
      handoverChanged();
      return Future.succeededFuture(true);
    }
    log.warn("inspection {}: the media of node {} cannot be adopted: {}", inspectionId, cause.getString("from"),
        ar.cause().getMessage());
    recording.forEach((role, segment) -> media.segments().cutBy(inspectionId, role, segment, cause));
    // The lost owner's handover is of no use to a node taking the call over from this one either.
    handoverChanged();
    return Future.succeededFuture(false);
  }

  private static JsonObject segmentsOf(Map<Role, Integer> recording) {
    JsonObject segments = new JsonObject();
    recording.forEach((role, segment) -> segments.put(role.wire(), segment));
    return segments;
  }

  /** What a node taking this call over needs to adopt its media changed: the Call saves it (MediaListener#handover). */
  void handoverChanged() {
    CallPipeline current = pipeline;
    listener.handover(current == null || released ? new JsonObject() : current.handover());
  }

  @Override
  public Future<Void> release() {
    return serial(() -> {
      released = true;
      media.segments().forget(inspectionId);
      CallPipeline current = pipeline;
      pipeline = null;
      Future<Void> gone = current == null ? Future.succeededFuture() : current.release();
      // The Call writes RECORDING_FINALISED from the events; wait for every file so none is lost at shutdown.
      return gone.compose(v -> Future.join(new ArrayList<>(finalising))).mapEmpty();
    });
  }

  private <T> Future<T> serial(Supplier<Future<T>> operation) {
    Future<T> next = queue.transform(ar -> {
      try {
        return operation.get();
      } catch (RuntimeException e) {
        return Future.failedFuture(e);
      }
    });
    queue = next.<Void>mapEmpty().recover(e -> Future.succeededFuture());
    return next;
  }

  private Future<CallPipeline> currentPipeline() {
    if (released) {
      return Future.failedFuture(new KmsException("inspection " + inspectionId + ": the call's media is released"));
    }
    if (pipeline != null && !pipeline.failed()) {
      return pipeline.created().map(pipeline);
    }
    KmsMember member;
    try {
      member = media.pool().chooseOrFail();
    } catch (KmsException e) {
      return Future.failedFuture(e);
    }
    log.info("inspection {}: kms {} chosen ({} pipeline(s) of this server on it)", inspectionId, member.url(), member.load());
    event("kms.chosen", new JsonObject().put("kms", member.url()).put("pipelines", member.load()));
    CallPipeline created = CallPipeline.open(this, member);
    pipeline = created;
    return created.created().map(created).onFailure(e -> {
      if (pipeline == created) {
        pipeline = null;
      }
      created.release();
    });
  }

  /** A segment number taken by a leg that never recorded: the next leg of {@code role} may have it. */
  void returnSegment(Role role, int segment) {
    media.segments().giveBack(inspectionId, role, segment);
  }

  int takeSegment(Role role) {
    return media.segments().next(inspectionId, role, segmentFloor.getOrDefault(role, 1));
  }

  private List<JsonObject> drainPending(Role role) {
    List<JsonObject> buffered = pending.remove(role);
    return buffered == null ? List.of() : buffered;
  }

  // ---- called by CallPipeline and Leg, on the call's context ----

  String inspectionId() {
    return inspectionId;
  }

  Context context() {
    return context;
  }

  Vertx vertx() {
    return media.vertx();
  }

  KurentoSettings settings() {
    return media.settings();
  }

  IceServers iceServers() {
    return media.iceServers();
  }

  RecordingFile recordingFile(Role role, int segment, String extension) {
    return new RecordingFile(inspectionId, role, segment, extension, settings().recordingsDir(),
        settings().kmsRecordingsUri());
  }

  /** Wraps a media server event handler so it runs on the call's context (kurento-client calls it on its own threads). */
  <E extends org.kurento.client.Event> org.kurento.client.EventListener<E> onContext(java.util.function.Consumer<E> handler) {
    return event -> context.runOnContext(v -> handler.accept(event));
  }

  void send(Role role, JsonObject message) {
    listener.send(role, message);
  }

  void event(String kind, JsonObject details) {
    listener.event(kind, details);
  }

  void gapStarted(Role role) {
    gapStarted(role, 0);
  }

  /** The recording of {@code role} was cut {@code agoMillis} ago. */
  void gapStarted(Role role, long agoMillis) {
    media.segments().cut(inspectionId, role, agoMillis);
  }

  void recordingStarted(Leg leg) {
    log.info("inspection {}: recording {} started", inspectionId, leg.file.relative());
    handoverChanged();
    event("recording.started", leg.details().put("profile", leg.negotiated.profile().name()));
    media.segments().resumed(inspectionId, leg.role).filter(since -> leg.segment > 1).ifPresent(gap ->
        event("recording.gap", new JsonObject().put("role", leg.role.wire()).put("previousSegment", leg.segment - 1)
            .put("segment", leg.segment).mergeIn(gap)));
  }

  /** A path as the trail records files: relative to the data directory (the recordings dir's parent). */
  private String dataDirRelative(java.nio.file.Path path) {
    java.nio.file.Path dataDir = settings().recordingsDir().toAbsolutePath().getParent();
    return dataDir.relativize(path.toAbsolutePath()).toString();
  }

  /** Remuxes and hashes a stopped (or interrupted) segment off the event loop, then reports the file. */
  void finalise(RecordingFile file, boolean interrupted) {
    Future<FinalisedFile> done = Remux.finalise(vertx(), file.raw(), file.finalised());
    Future<Void> reported = done
        .compose(f -> vertx().fileSystem().delete(file.raw().toString()).map(f))
        .onSuccess(f -> event("recording.file", new JsonObject().put("role", file.role().wire())
            .put("segment", file.segment()).put("path", file.relative())
            // "file" (relative to the data dir) and "sha256" are what the trail verifier checks
            .put("file", dataDirRelative(f.path())).put("sha256", f.sha256())
            .put("sizeBytes", f.sizeBytes()).put("durationMillis", f.durationMillis()).put("interrupted", interrupted)))
        .onFailure(e -> {
          log.error("inspection {}: recording {} not finalised: {}", inspectionId, file.relative(), e.getMessage());
          event("recording.file", new JsonObject().put("role", file.role().wire()).put("segment", file.segment())
              .put("path", settings().recordingsDir().relativize(file.raw()).toString())
              .put("interrupted", interrupted).put("error", e.getMessage()));
        })
        .<Void>mapEmpty()
        .recover(e -> Future.succeededFuture());
    finalising.add(reported);
    reported.onComplete(ar -> finalising.remove(reported));
  }

  void pipelineLost(CallPipeline lost, String reason) {
    if (pipeline == lost) {
      pipeline = null;
      handoverChanged();
    }
    if (!released) {
      log.warn("inspection {}: media failed: {}", inspectionId, reason);
      listener.failed(reason);
    }
  }
}
