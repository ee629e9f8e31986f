package io.kanyan.signaling.media.kurento;

import io.kanyan.signaling.inspection.Role;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.EnumSet;
import java.util.Set;
import org.kurento.client.IceCandidate;
import org.kurento.client.MediaFlowState;
import org.kurento.client.MediaType;
import org.kurento.client.RecorderEndpoint;
import org.kurento.client.WebRtcEndpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One participant in a {@link CallPipeline}: their WebRtcEndpoint and the RecorderEndpoint of one recording
 * segment. Lives on the call's context.
 *
 * <p>Recording starts only once the participant's media flows (on KMS 7.3 that is MediaFlowOutStateChanged
 * FLOWING on their WebRtcEndpoint) for every negotiated media type, or {@link #FLOW_FALLBACK_MS} after the first
 * one flows (a camera that never sends must not cost the audio); it stops with {@code stopAndWait()}.
 */
final class Leg {

  private static final Logger log = LoggerFactory.getLogger(Leg.class);

  /** Start recording this long after the first media type flows, even if another never does. */
  static final long FLOW_FALLBACK_MS = 3000;

  final Role role;
  /** Taken once the offer negotiated media (a failed offer takes no segment number). */
  int segment;
  private final CallPipeline pipeline;
  private final Set<MediaType> flowing = EnumSet.noneOf(MediaType.class);

  RecordingFile file;
  WebRtcEndpoint endpoint;
  RecorderEndpoint recorder;
  Negotiated negotiated;
  boolean offerProcessed;
  boolean recording;
  boolean stopped;
  /** Taken over from a lost owner node's pipeline, recording (see {@link Adoption}). */
  boolean adopted;
  /**
   * The adopted leg whose recorder this leg takes over once its own media flows (a participant's first re-offer after
   * a takeover): the recording goes on in the same segment and file instead of a new one.
   */
  Leg inheritFrom;
  /** The adopted recorder is being connected to this leg's endpoint. */
  boolean moving;
  private long fallbackTimer = -1;

  Leg(CallPipeline pipeline, Role role) {
    this.pipeline = pipeline;
    this.role = role;
  }

  /**
   * This leg was adopted from a lost owner: its media already flows and its recorder records, so neither the flow
   * events nor the recording start again here.
   */
  void adoptedRecording() {
    adopted = true;
    offerProcessed = true;
    recording = true;
    flowing.addAll(negotiated.mediaTypes());
    fallbackTimer = -3;
  }

  /** This leg's endpoint now feeds {@code from}'s recorder, which records on in the same file. */
  void takeRecorder(Leg from) {
    recorder = from.recorder;
    file = from.file;
    recording = from.recording;
    cancelFallback();
    from.recorder = null;
    from.recording = false;
    inheritFrom = null;
  }

  /** A media server event on the endpoint, already on the call's context. */
  void mediaFlowOut(MediaType type, MediaFlowState state) {
    if (stopped || negotiated == null || state != MediaFlowState.FLOWING || !flowing.add(type)) {
      return;
    }
    pipeline.flowing(this);
    pipeline.owner().event("media.flowing", new JsonObject().put("role", role.wire()).put("mediaType", type.name())
        .put("segment", segment));
    if (fallbackTimer < 0) {
      // Set on the call's context, so it fires there.
      fallbackTimer = pipeline.owner().vertx().setTimer(FLOW_FALLBACK_MS, id -> flowFallback());
    }
    maybeStartRecording();
  }

  private void flowFallback() {
    fallbackTimer = -2;
    maybeStartRecording();
  }

  /** The media types still waited for (after a resumed session, their events may have been lost). */
  java.util.Set<MediaType> notYetFlowing() {
    Set<MediaType> missing = EnumSet.of(MediaType.AUDIO, MediaType.VIDEO);
    missing.removeAll(flowing);
    return stopped || endpoint == null ? Set.of() : missing;
  }

  /** Sends a media server ICE candidate to the participant's browser. */
  void candidateFound(IceCandidate candidate) {
    // A leg being replaced (or one whose offer failed) must not send candidates to the browser's new connection.
    if (stopped || !pipeline.current(this)) {
      return;
    }
    pipeline.owner().send(role, new JsonObject().put("type", "ice").put("candidate", new JsonObject()
        .put("candidate", candidate.getCandidate())
        .put("sdpMid", candidate.getSdpMid())
        .put("sdpMLineIndex", candidate.getSdpMLineIndex())));
  }

  /** Starts the recorder if it exists and the participant's media flows (see the class comment). */
  void maybeStartRecording() {
    if (stopped || recording || recorder == null || negotiated == null || flowing.isEmpty()) {
      return;
    }
    boolean allFlowing = flowing.containsAll(negotiated.mediaTypes());
    if (!allFlowing && fallbackTimer != -2) {
      return;
    }
    recording = true;
    cancelFallback();
    pipeline.<Void>call("record " + file.relative(), recorder::record)
        .onSuccess(v -> pipeline.owner().recordingStarted(this))
        .onFailure(e -> {
          recording = false;
          log.error("inspection {}: {} recorder did not start: {}", pipeline.inspectionId(), role.wire(), e.getMessage());
          pipeline.owner().event("recording.interrupted", details().put("reason", e.getMessage()));
        });
  }

  /**
   * Stops the recording with {@code stopAndWait()} (so the file is complete) and hands the file over to be
   * finalised. Does not release the elements.
   */
  Future<Void> stopRecording() {
    stopped = true;
    cancelFallback();
    if (!recording) {
      return Future.succeededFuture();
    }
    recording = false;
    return pipeline.<Void>call("stopAndWait " + file.relative(), recorder::stopAndWait)
        .onSuccess(v -> {
          pipeline.owner().event("recording.stopped", details());
          pipeline.owner().finalise(file, false);
        })
        .onFailure(e -> {
          pipeline.owner().event("recording.interrupted", details().put("reason", e.getMessage()));
          pipeline.owner().finalise(file, true);
        });
  }

  /** The media server is gone: the recording ends where the media server stopped writing. */
  void interrupted(String reason) {
    boolean wasRecording = recording;
    stopped = true;
    recording = false;
    cancelFallback();
    if (wasRecording) {
      pipeline.owner().event("recording.interrupted", details().put("reason", reason));
      pipeline.owner().finalise(file, true);
    }
  }

  /** Releases the endpoint and recorder (the pipeline stays). */
  Future<Void> releaseElements() {
    Future<Void> recorderGone = recorder == null ? Future.succeededFuture()
        : pipeline.<Void>call("release recorder", recorder::release);
    Future<Void> endpointGone = endpoint == null ? Future.succeededFuture()
        : pipeline.<Void>call("release endpoint", endpoint::release);
    return Future.join(recorderGone, endpointGone).mapEmpty();
  }

  boolean wasRecording() {
    return recording;
  }

  JsonObject details() {
    JsonObject details = new JsonObject().put("role", role.wire()).put("segment", segment);
    return file == null ? details : details.put("path", file.relative());
  }

  private void cancelFallback() {
    if (fallbackTimer >= 0) {
      pipeline.owner().vertx().cancelTimer(fallbackTimer);
    }
    fallbackTimer = -3;
  }
}
