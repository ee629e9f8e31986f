package io.kanyan.signaling.media.kurento;

import static io.kanyan.signaling.media.kurento.KurentoTestSupport.on;
import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.signaling.inspection.Role;
import io.kanyan.signaling.media.CallMedia;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node taking a call over adopts the pipeline the lost owner left on the media server (KURENTO.md, "Another node
 * takes the call over"), in one JVM: two Kurento medias with their own server ids ("a" lost the call, "b" took it
 * over) on one KMS double. The adopted recorders record on, a participant's re-offer moves its recorder to the new
 * endpoint (same segment, same file), and where adoption is impossible the recordings are cut with the takeover's gap.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class AdoptionTest {

  @TempDir
  Path recordings;
  FakeKms kms;
  KurentoMedia a;
  KurentoMedia b;
  Context context;
  final JsonObject cause = new JsonObject().put("reason", "owner_changed").put("from", "node-a").put("to", "node-b");

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    kms = new FakeKms(vertx, KurentoTestSupport.fixture()).start(0).await();
    a = KurentoTestSupport.startMedia(vertx, KurentoTestSupport.settings(List.of(kms.url()), recordings, "a"), 1);
    b = KurentoTestSupport.startMedia(vertx, KurentoTestSupport.settings(List.of(kms.url()), recordings, "b"), 1);
    context = vertx.getOrCreateContext();
  }

  @AfterEach
  void stop() {
    a.close().await();
    b.close().await();
    kms.kill().await();
  }

  private record Call(String id, CallMedia media, RecordingListener listener) {
  }

  private Call open(KurentoMedia media, String id) {
    RecordingListener listener = new RecordingListener(context);
    CallMedia callMedia = on(context, () -> media.open(id, listener));
    return new Call(id, callMedia, listener);
  }

  /** A call on node a whose two participants record segment 1 each. */
  private Call recordingOnA() {
    Call call = open(a, UUID.randomUUID().toString());
    for (Role role : Role.values()) {
      on(context, () -> call.media.offer(role, FakeSdp.offer("VP8")));
    }
    flowAll();
    call.listener.event("recording.started", Role.INSPECTOR, 1).await();
    call.listener.event("recording.started", Role.APPLICANT, 1).await();
    return call;
  }

  private void flowAll() {
    for (FakeKms.Obj endpoint : kms.objects("WebRtcEndpoint")) {
      kms.flowOut(endpoint.id, "AUDIO");
      kms.flowOut(endpoint.id, "VIDEO");
    }
  }

  private FakeKms.Obj sourceOf(String recorderId) {
    return kms.objects("WebRtcEndpoint").stream().filter(e -> e.sinks.contains(recorderId)).findFirst().orElse(null);
  }

  private boolean adopt(Call call, JsonObject handover) {
    return on(context, () -> call.media.adopt(Map.of(Role.INSPECTOR, 1, Role.APPLICANT, 1), handover, cause));
  }

  @Test
  void theNewOwnerAdoptsThePipelineAndAReOfferMovesTheRecorderToTheNewEndpoint(Vertx vertx) {
    Call onA = recordingOnA();
    JsonObject handover = onA.listener.handover;
    String pipelineId = kms.objects("MediaPipeline").get(0).id;
    assertThat(handover.getString("pipelineId")).isEqualTo(pipelineId);
    assertThat(handover.getString("kms")).isEqualTo(kms.url());
    String inspectorRecorder = handover.getJsonObject("legs").getJsonObject("inspector").getString("recorder");
    String lostEndpoint = handover.getJsonObject("legs").getJsonObject("inspector").getString("endpoint");

    Call onB = open(b, onA.id);
    assertThat(adopt(onB, handover)).isTrue();
    JsonObject adopted = onB.listener.events("pipeline.adopted").get(0).details();
    assertThat(adopted.getString("pipelineId")).isEqualTo(pipelineId);
    assertThat(adopted.getJsonObject("recordings")).isEqualTo(new JsonObject().put("inspector", 1).put("applicant", 1));
    assertThat(onB.listener.handover.getJsonObject("legs")).isEqualTo(handover.getJsonObject("legs"));
    assertThat(kms.object(pipelineId).name).isEqualTo("kanyan:b:" + onA.id);
    assertThat(b.pipelines()).isEqualTo(1);
    assertThat(on(context, () -> b.pool().members().get(0).releaseStale())).as("node b's clean-up keeps it").isZero();
    assertThat(kms.object(pipelineId)).isNotNull();
    // Node a is gone: its KMS session ends (closeSession releases what only it references), the pipeline stays.
    a.close().await();
    assertThat(kms.objects("RecorderEndpoint")).hasSize(2).allMatch(r -> r.recording);
    // The adopted objects' events reach node b (its own subscriptions): a recorder's error is reported.
    String applicantRecorder = handover.getJsonObject("legs").getJsonObject("applicant").getString("recorder");
    kms.fire(applicantRecorder, "Error", new JsonObject().put("description", "disk full").put("errorCode", 6)
        .put("type", "RESOURCE_ERROR_WRITE"));
    assertThat(onB.listener.event("recording.interrupted", Role.APPLICANT, 1).await().details().getString("reason"))
        .contains("disk full");

    on(context, () -> onB.media.offer(Role.INSPECTOR, FakeSdp.offer("VP8")));
    String applicantEndpoint = handover.getJsonObject("legs").getJsonObject("applicant").getString("endpoint");
    FakeKms.Obj fresh = kms.objects("WebRtcEndpoint").stream()
        .filter(e -> !e.id.equals(lostEndpoint) && !e.id.equals(applicantEndpoint)).findFirst().orElseThrow();
    assertThat(sourceOf(inspectorRecorder).id).as("the adopted leg records until the new one flows").isEqualTo(lostEndpoint);
    kms.flowOut(fresh.id, "AUDIO");
    kms.flowOut(fresh.id, "VIDEO");
    KurentoTestSupport.eventually(vertx, Duration.ofSeconds(5), () -> kms.object(lostEndpoint) == null);

    assertThat(sourceOf(inspectorRecorder).id).isEqualTo(fresh.id);
    assertThat(kms.objects("RecorderEndpoint")).as("same recorder, same file").hasSize(2).allMatch(r -> r.recording);
    assertThat(onB.listener.events("recording.started")).isEmpty();
    assertThat(onB.listener.events("recording.gap")).isEmpty();
    assertThat(onB.listener.handover.getJsonObject("legs").getJsonObject("inspector").getString("endpoint"))
        .isEqualTo(fresh.id);

    // A re-offer that negotiates another profile (H.264 → MP4) cannot feed the WebM recorder: a new segment.
    on(context, () -> onB.media.offer(Role.APPLICANT, FakeSdp.offer("H264")));
    flowAll();
    onB.listener.event("recording.file", Role.APPLICANT, 1).await();
    RecordingListener.Event started = onB.listener.event("recording.started", Role.APPLICANT, 2).await();
    assertThat(started.details().getString("profile")).isEqualTo("MP4");

    on(context, onB.media::release);
    RecordingListener.Event file = onB.listener.event("recording.file", Role.INSPECTOR, 1).await();
    assertThat(file.details().getString("sha256")).hasSize(64);
    assertThat(file.details().getBoolean("interrupted")).isFalse();
    assertThat(kms.objectCount()).isZero();
    assertThat(b.pipelines()).isZero();
  }

  @Test
  void whenTheMediaServerReleasedTheLostOwnersSessionTheRecordingsGoOnInNewSegmentsWithTheGap() {
    Call onA = recordingOnA();
    JsonObject handover = onA.listener.handover;
    a.close().await(); // closeSession: everything only node a's session referenced is released
    assertThat(kms.objectCount()).isZero();

    Call onB = open(b, onA.id);
    assertThat(adopt(onB, handover)).isFalse();
    assertThat(onB.listener.events("pipeline.adopted")).isEmpty();
    assertThat(b.pipelines()).isZero();

    on(context, () -> onB.media.offer(Role.INSPECTOR, FakeSdp.offer("VP8")));
    flowAll();
    RecordingListener.Event gap = onB.listener.event("recording.gap", d -> true).await();
    assertThat(gap.details().getInteger("previousSegment")).isEqualTo(1);
    assertThat(gap.details().getInteger("segment")).isEqualTo(2);
    assertThat(gap.details().getString("reason")).isEqualTo("owner_changed");
    assertThat(gap.details().getString("from")).isEqualTo("node-a");
    on(context, onB.media::release);
  }

  @Test
  void aHandoverThatDoesNotMatchWhatTheMediaServerHasIsNotAdoptedAndTheFoundPipelineIsReleased() {
    Call onA = recordingOnA();
    JsonObject handover = onA.listener.handover.copy();
    String pipelineId = handover.getString("pipelineId");
    handover.getJsonObject("legs").getJsonObject("applicant")
        .put("recorder", pipelineId + "/" + UUID.randomUUID() + "_kurento.RecorderEndpoint");

    Call onB = open(b, onA.id);
    assertThat(adopt(onB, handover)).isFalse();
    assertThat(onB.listener.events("pipeline.adopted")).isEmpty();
    assertThat(kms.objects("MediaPipeline")).as("not left recording for nobody").isEmpty();
    assertThat(b.pipelines()).isZero();

    Call other = open(b, UUID.randomUUID().toString());
    assertThat(adopt(other, null)).as("nothing saved").isFalse();
    assertThat(adopt(other, new JsonObject().put("kms", "ws://192.0.2.1:8888/kurento").put("pipelineId", pipelineId)
        .put("legs", handover.getJsonObject("legs")))).as("not one of this node's media servers").isFalse();
    on(context, onB.media::release);
    on(context, other.media::release);
  }
}
