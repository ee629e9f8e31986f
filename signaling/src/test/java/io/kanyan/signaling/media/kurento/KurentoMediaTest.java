package io.kanyan.signaling.media.kurento;

import static io.kanyan.signaling.media.kurento.KurentoTestSupport.candidate;
import static io.kanyan.signaling.media.kurento.KurentoTestSupport.on;
import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.recording.Remux;
import io.kanyan.signaling.inspection.Role;
import io.kanyan.signaling.media.CallMedia;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Kurento mode against the JSON-RPC double: topology, recording, release, reconnects, leaks. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class KurentoMediaTest {

  @TempDir
  Path recordings;
  FakeKms kms;
  KurentoMedia media;
  Context context;

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    kms = new FakeKms(vertx, KurentoTestSupport.fixture()).start(0).await();
    media = KurentoTestSupport.startMedia(vertx, KurentoTestSupport.settings(List.of(kms.url()), recordings, "test"), 1);
    context = vertx.getOrCreateContext();
  }

  @AfterEach
  void stop() {
    media.close().await();
    kms.kill().await();
  }

  private record Call(String id, CallMedia media, RecordingListener listener) {
  }

  private Call open() {
    String id = UUID.randomUUID().toString();
    RecordingListener listener = new RecordingListener(context);
    CallMedia callMedia = on(context, () -> media.open(id, listener));
    return new Call(id, callMedia, listener);
  }

  private void offer(Call call, Role role) {
    on(context, () -> call.media.offer(role, FakeSdp.offer("VP8", "H264")));
  }

  /** The endpoint of {@code role}'s segment: the one feeding the recorder of that file. */
  private FakeKms.Obj endpointFor(Role role, int segment) {
    FakeKms.Obj recorder = kms.objects("RecorderEndpoint").stream()
        .filter(r -> r.uri.endsWith("/" + role.wire() + "-" + segment + ".kms.webm")).findFirst().orElseThrow();
    return kms.objects("WebRtcEndpoint").stream().filter(e -> e.sinks.contains(recorder.id)).findFirst().orElseThrow();
  }

  @Test
  void anInspectionIsOnePipelineWithTwoEndpointsConnectedBothWaysAndTwoRecorders(Vertx vertx) {
    Call call = open();
    offer(call, Role.INSPECTOR);
    offer(call, Role.APPLICANT);

    assertThat(kms.objects("MediaPipeline")).singleElement()
        .satisfies(p -> assertThat(p.name).isEqualTo("kanyan:test:" + call.id));
    List<FakeKms.Obj> endpoints = kms.objects("WebRtcEndpoint");
    assertThat(endpoints).hasSize(2);
    FakeKms.Obj a = endpoints.get(0);
    FakeKms.Obj b = endpoints.get(1);
    assertThat(a.sinks).contains(b.id);
    assertThat(b.sinks).contains(a.id);
    List<FakeKms.Obj> recorders = kms.objects("RecorderEndpoint");
    assertThat(recorders).extracting(r -> r.uri).containsExactlyInAnyOrder(
        "file://" + recordings.toAbsolutePath() + "/" + call.id + "/inspector-1.kms.webm",
        "file://" + recordings.toAbsolutePath() + "/" + call.id + "/applicant-1.kms.webm");
    assertThat(a.sinks.stream().filter(id -> id.endsWith("RecorderEndpoint"))).hasSize(1);
    assertThat(b.sinks.stream().filter(id -> id.endsWith("RecorderEndpoint"))).hasSize(1);
    assertThat(kms.requests()).filteredOn(r -> r.getJsonObject("params").getString("type", "").equals("RecorderEndpoint"))
        .allSatisfy(r -> assertThat(r.getJsonObject("params").getJsonObject("constructorParams")
            .getString("mediaProfile")).isEqualTo("WEBM"));
    // ICE: STUN address and an ephemeral TURN URL on each endpoint, never a static password.
    assertThat(endpoints).allSatisfy(e -> {
      assertThat(e.stunAddress).isEqualTo("192.0.2.10");
      assertThat(e.turnUrl).matches("\\d+:" + call.id + ":.+@192\\.0\\.2\\.10:3478\\?transport=udp");
    });
    // Each browser got its answer, then KMS's candidates (each twice: sdpMid 0 and 1).
    for (Role role : Role.values()) {
      assertThat(call.listener.messages(role, "answer")).singleElement()
          .satisfies(m -> assertThat(m.getString("sdp")).startsWith("v=0").contains("VP8"));
      KurentoTestSupport.eventually(vertx, java.time.Duration.ofSeconds(5), () -> call.listener.messages(role, "ice").size() == 4);
      // kurento-client dispatches events on a pool: their order is not kept, their content is.
      assertThat(call.listener.messages(role, "ice")).extracting(m -> m.getJsonObject("candidate").getString("sdpMid"))
          .containsExactlyInAnyOrder("0", "1", "0", "1");
    }
    assertThat(call.listener.events("kms.chosen")).singleElement()
        .satisfies(e -> assertThat(e.details().getString("kms")).isEqualTo(kms.url()));
    assertThat(call.listener.events("pipeline.created")).hasSize(1);
    assertThat(call.listener.wrongContext).as("every callback on the call's context").isFalse();
    on(context, call.media::release);
  }

  @Test
  void recordingStartsOnlyOnceMediaFlowsAndIsStoppedAndWaitedBeforeTheRelease() throws Exception {
    Call call = open();
    offer(call, Role.INSPECTOR);
    offer(call, Role.APPLICANT);
    FakeKms.Obj inspector = endpointFor(Role.INSPECTOR, 1);

    kms.flowOut(inspector.id, "AUDIO");
    call.listener.event("media.flowing", d -> d.getString("mediaType").equals("AUDIO")).await();
    assertThat(kms.requests()).as("no record() before all negotiated media flows")
        .noneMatch(r -> "record".equals(r.getJsonObject("params").getString("operation")));

    kms.flowOut(inspector.id, "VIDEO");
    RecordingListener.Event started = call.listener.event("recording.started", Role.INSPECTOR, 1).await();
    assertThat(started.details().getString("path")).isEqualTo(call.id + "/inspector-1.webm");
    assertThat(kms.objects("RecorderEndpoint")).filteredOn(r -> r.recording).hasSize(1);

    on(context, call.media::release);

    List<String> operations = kms.requests().stream()
        .map(r -> r.getString("method") + ":" + r.getJsonObject("params").getString("operation", "")).toList();
    assertThat(operations.indexOf("invoke:stopAndWait")).isPositive()
        .isLessThan(operations.indexOf("release:"));
    RecordingListener.Event file = call.listener.events("recording.file").get(0);
    Path finalised = recordings.resolve(call.id).resolve("inspector-1.webm");
    assertThat(file.details().getString("path")).isEqualTo(call.id + "/inspector-1.webm");
    assertThat(file.details().getString("sha256")).isEqualTo(Remux.sha256(finalised));
    // the verifier resolves "file" against the data dir (the recordings dir's parent)
    assertThat(recordings.toAbsolutePath().getParent().resolve(file.details().getString("file")))
        .isEqualTo(finalised.toAbsolutePath());
    assertThat(file.details().getLong("durationMillis")).isPositive();
    assertThat(recordings.resolve(call.id).resolve("inspector-1.kms.webm")).doesNotExist();
    assertThat(call.listener.events("recording.file")).as("the applicant's media never flowed: no file").hasSize(1);
    assertThat(kms.objectCount()).isZero();
  }

  @Test
  void candidatesBeforeTheEndpointExistsAreBufferedAndAddedAfterTheOffer() {
    Call call = open();
    on(context, () -> call.media.candidate(Role.APPLICANT, candidate("candidate:1 1 udp 2122260223 192.0.2.1 54321 typ host")));
    assertThat(kms.objects("WebRtcEndpoint")).isEmpty();

    offer(call, Role.APPLICANT);
    on(context, () -> call.media.candidate(Role.APPLICANT, candidate("candidate:2 1 udp 2122260223 192.0.2.1 54322 typ host")));

    assertThat(kms.objects("WebRtcEndpoint")).singleElement().satisfies(e -> assertThat(e.candidatesAdded).isEqualTo(2));
    List<String> operations = kms.requests().stream().map(r -> r.getJsonObject("params").getString("operation", "")).toList();
    assertThat(operations.indexOf("addIceCandidate")).isGreaterThan(operations.indexOf("processOffer"));
    on(context, call.media::release);
  }

  @Test
  void aReconnectingParticipantGetsANewEndpointAndANewSegmentAndTheGapIsReported() {
    Call call = open();
    offer(call, Role.INSPECTOR);
    offer(call, Role.APPLICANT);
    for (FakeKms.Obj endpoint : kms.objects("WebRtcEndpoint")) {
      kms.flowOut(endpoint.id, "AUDIO");
      kms.flowOut(endpoint.id, "VIDEO");
    }
    call.listener.event("recording.started", Role.APPLICANT, 1).await();
    String oldApplicant = endpointFor(Role.APPLICANT, 1).id;
    FakeKms.Obj inspector = endpointFor(Role.INSPECTOR, 1);

    on(context, () -> call.media.leave(Role.APPLICANT));
    call.listener.event("recording.file", Role.APPLICANT, 1).await();
    on(context, () -> call.media.offer(Role.APPLICANT, FakeSdp.offer("VP8")));

    List<FakeKms.Obj> endpoints = kms.objects("WebRtcEndpoint");
    assertThat(endpoints).hasSize(2).extracting(e -> e.id).doesNotContain(oldApplicant);
    FakeKms.Obj fresh = endpointFor(Role.APPLICANT, 2);
    kms.flowOut(fresh.id, "AUDIO");
    kms.flowOut(fresh.id, "VIDEO");
    RecordingListener.Event gap = call.listener.event("recording.gap", d -> true).await();
    assertThat(gap.details().getString("role")).isEqualTo("applicant");
    assertThat(gap.details().getInteger("previousSegment")).isEqualTo(1);
    assertThat(gap.details().getInteger("segment")).isEqualTo(2);
    assertThat(gap.details().getLong("gapMillis")).isNotNegative();
    assertThat(kms.objects("RecorderEndpoint")).extracting(r -> r.uri).anyMatch(u -> u.endsWith("/applicant-2.kms.webm"));
    // The inspector's endpoint now feeds the new applicant endpoint and back.
    assertThat(inspector.sinks).contains(fresh.id);
    assertThat(fresh.sinks).contains(inspector.id);
    on(context, call.media::release);
    assertThat(call.listener.events("recording.file")).extracting(e -> e.details().getString("path"))
        .contains(call.id + "/applicant-1.webm", call.id + "/applicant-2.webm", call.id + "/inspector-1.webm");
  }

  /** Issue 11, defect 1: the garbage offer that stopped a working recording and froze both videos. */
  static final String GARBAGE_OFFER = "v=0\r\nthis is garbage, not an SDP\r\nm=video garbage\r\n";

  @Test
  void aGarbageOfferInALiveCallFailsWithMediaFailedAndLeavesTheWorkingLegAlone() {
    Call call = open();
    offer(call, Role.INSPECTOR);
    offer(call, Role.APPLICANT);
    for (FakeKms.Obj endpoint : kms.objects("WebRtcEndpoint")) {
      kms.flowOut(endpoint.id, "AUDIO");
      kms.flowOut(endpoint.id, "VIDEO");
    }
    call.listener.event("recording.started", Role.APPLICANT, 1).await();
    FakeKms.Obj applicant = endpointFor(Role.APPLICANT, 1);
    FakeKms.Obj inspector = endpointFor(Role.INSPECTOR, 1);

    Throwable error = KurentoTestSupport.failureOf(on(context, () -> io.vertx.core.Future.succeededFuture(
        call.media.offer(Role.APPLICANT, GARBAGE_OFFER))));

    assertThat(error).isInstanceOf(io.kanyan.signaling.media.MediaException.class)
        .hasMessageContaining("no active audio or video");
    assertThat(call.listener.messages(Role.APPLICANT, "answer")).as("no inactive answer reaches the browser").hasSize(1);
    assertThat(call.listener.events("recording.stopped")).isEmpty();
    assertThat(kms.objects("RecorderEndpoint")).filteredOn(r -> r.recording).hasSize(2);
    assertThat(kms.objects("WebRtcEndpoint")).as("the garbage endpoint is released").extracting(e -> e.id)
        .containsExactlyInAnyOrder(applicant.id, inspector.id);
    assertThat(inspector.sinks).contains(applicant.id);
    // Candidates still reach the working endpoint.
    on(context, () -> call.media.candidate(Role.APPLICANT, candidate("candidate:3 1 udp 2122260223 192.0.2.1 54323 typ host")));
    assertThat(applicant.candidatesAdded).isEqualTo(1);

    // A real re-offer takes segment 2 (no number lost to the garbage) and the old leg records until the new one flows.
    offer(call, Role.APPLICANT);
    FakeKms.Obj fresh = endpointFor(Role.APPLICANT, 2);
    assertThat(kms.object(applicant.id)).as("old endpoint kept until the new one flows").isNotNull();
    assertThat(call.listener.events("recording.stopped")).isEmpty();
    kms.flowOut(fresh.id, "AUDIO");
    kms.flowOut(fresh.id, "VIDEO");
    call.listener.event("recording.file", Role.APPLICANT, 1).await();
    RecordingListener.Event gap = call.listener.event("recording.gap", d -> true).await();
    assertThat(gap.details().getInteger("previousSegment")).isEqualTo(1);
    assertThat(gap.details().getInteger("segment")).isEqualTo(2);
    KurentoTestSupport.eventually(context.owner(), java.time.Duration.ofSeconds(5), () -> kms.object(applicant.id) == null);
    assertThat(inspector.sinks).contains(fresh.id);
    on(context, call.media::release);
    assertThat(kms.objectCount()).isZero();
  }

  /**
   * Issue 11, defect 3: a re-offer overtaken by another (a retry timer firing after a re-offer succeeded) made an
   * extra renegotiation and a 0-byte segment. The working recording stays until media flows on the latest
   * endpoint, the overtaken endpoint goes without a file, and no segment number is lost.
   */
  @Test
  void aReofferOvertakenByAnotherCostsNoSegmentAndTheWorkingRecordingStaysUntilTheLatestFlows() {
    Call call = open();
    offer(call, Role.APPLICANT);
    FakeKms.Obj first = endpointFor(Role.APPLICANT, 1);
    kms.flowOut(first.id, "AUDIO");
    kms.flowOut(first.id, "VIDEO");
    call.listener.event("recording.started", Role.APPLICANT, 1).await();

    offer(call, Role.APPLICANT); // negotiated, its media never comes
    FakeKms.Obj overtaken = endpointFor(Role.APPLICANT, 2);
    offer(call, Role.APPLICANT); // the retry
    assertThat(kms.object(overtaken.id)).as("the overtaken endpoint is released").isNull();
    assertThat(kms.object(first.id)).as("the working endpoint stays").isNotNull();
    assertThat(call.listener.events("recording.stopped")).isEmpty();
    FakeKms.Obj latest = endpointFor(Role.APPLICANT, 2);
    assertThat(latest.id).as("the latest offer reuses segment 2").isNotEqualTo(overtaken.id);

    kms.flowOut(latest.id, "AUDIO");
    kms.flowOut(latest.id, "VIDEO");
    call.listener.event("recording.started", Role.APPLICANT, 2).await();
    call.listener.event("recording.file", Role.APPLICANT, 1).await();
    on(context, call.media::release);
    assertThat(call.listener.events("recording.file")).extracting(e -> e.details().getString("path"))
        .containsExactlyInAnyOrder(call.id + "/applicant-1.webm", call.id + "/applicant-2.webm");
    assertThat(call.listener.events("recording.file")).noneMatch(e -> e.details().containsKey("error"));
  }

  @Test
  void bothParticipantsGoneThenReleaseLeavesNothingOnTheMediaServer() {
    Call call = open();
    offer(call, Role.INSPECTOR);
    offer(call, Role.APPLICANT);
    on(context, () -> call.media.leave(Role.INSPECTOR));
    on(context, () -> call.media.leave(Role.APPLICANT));
    on(context, call.media::release);
    assertThat(kms.objectCount()).isZero();
    assertThat(kms.requests()).anyMatch(r -> r.getString("method").equals("release")
        && r.getJsonObject("params").getString("object").endsWith("_kurento.MediaPipeline"));
  }

  @Test
  void noObjectIsLeftAfterAHundredInspections() {
    for (int i = 0; i < 100; i++) {
      Call call = open();
      offer(call, Role.INSPECTOR);
      offer(call, Role.APPLICANT);
      if (i % 2 == 0) {
        on(context, () -> call.media.leave(Role.APPLICANT));
      }
      on(context, call.media::release);
    }
    assertThat(kms.objectCount()).isZero();
    assertThat(media.pool().members().get(0).load()).isZero();
  }

  @Test
  void anAnswerFromABrowserIsRefusedInKurentoMode() {
    Call call = open();
    Throwable error = KurentoTestSupport.failureOf(on(context, () -> io.vertx.core.Future.succeededFuture(
        call.media.answer(Role.INSPECTOR, "v=0"))));
    assertThat(error).isInstanceOf(KmsException.class).hasMessageContaining("send offers only");
  }

  @Test
  void aBadOfferFailsWithTheMediaServersReasonAndTheNextOfferWorks() {
    Call call = open();
    Throwable error = KurentoTestSupport.failureOf(on(context, () -> io.vertx.core.Future.succeededFuture(
        call.media.offer(Role.APPLICANT, "this is not an sdp"))));
    assertThat(error).isInstanceOf(io.kanyan.signaling.media.MediaException.class)
        .hasMessageContaining("processOffer").hasMessageContaining("40201");
    assertThat(((KmsException) error).code()).isEqualTo(40201);

    offer(call, Role.APPLICANT);
    assertThat(kms.objects("WebRtcEndpoint")).as("the failed endpoint was replaced").hasSize(1);
    assertThat(call.listener.messages(Role.APPLICANT, "answer")).hasSize(1);
    on(context, call.media::release);
    assertThat(kms.objectCount()).isZero();
  }

  @Test
  void aRecorderThatCannotBeCreatedIsReportedAndTheCallGoesOn(Vertx vertx) throws Exception {
    Path notADirectory = Files.writeString(recordings.resolve("a-file"), "x");
    KurentoMedia broken = KurentoTestSupport.startMedia(vertx, KurentoTestSupport.settings(List.of(kms.url()),
        notADirectory, "test"), 1);
    try {
      RecordingListener listener = new RecordingListener(context);
      CallMedia callMedia = on(context, () -> broken.open(UUID.randomUUID().toString(), listener));
      on(context, () -> callMedia.offer(Role.INSPECTOR, FakeSdp.offer("VP8")));

      assertThat(listener.messages(Role.INSPECTOR, "answer")).hasSize(1);
      assertThat(listener.events("recording.interrupted")).singleElement()
          .satisfies(e -> assertThat(e.details().getString("reason")).startsWith("recorder not created"));
      assertThat(kms.objects("RecorderEndpoint")).isEmpty();
      on(context, callMedia::release);
    } finally {
      broken.close().await();
    }
  }

  @Test
  void segmentNumbersContinueAfterTheFilesAlreadyOnDisk() throws Exception {
    String id = UUID.randomUUID().toString();
    Files.createDirectories(recordings.resolve(id));
    Files.writeString(recordings.resolve(id).resolve("inspector-3.webm"), "old");
    RecordingListener listener = new RecordingListener(context);
    CallMedia callMedia = on(context, () -> media.open(id, listener));
    on(context, () -> callMedia.offer(Role.INSPECTOR, FakeSdp.offer("VP8")));
    assertThat(kms.objects("RecorderEndpoint")).singleElement()
        .satisfies(r -> assertThat(r.uri).endsWith("/" + id + "/inspector-4.kms.webm"));
    on(context, callMedia::release);
  }
}
