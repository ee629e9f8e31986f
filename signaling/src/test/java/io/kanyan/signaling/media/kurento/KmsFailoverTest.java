package io.kanyan.signaling.media.kurento;

import static io.kanyan.signaling.media.kurento.KurentoTestSupport.eventually;
import static io.kanyan.signaling.media.kurento.KurentoTestSupport.on;
import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.signaling.inspection.Role;
import io.kanyan.signaling.media.CallMedia;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Media server loss, recovery, pool choice and start-up clean-up, against the JSON-RPC double. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class KmsFailoverTest {

  @TempDir
  Path recordings;
  final List<KurentoMedia> medias = new ArrayList<>();
  final List<FakeKms> doubles = new ArrayList<>();

  @AfterEach
  void stop() {
    medias.forEach(m -> m.close().await());
    doubles.forEach(k -> k.kill().await());
  }

  private FakeKms kms(Vertx vertx) throws Exception {
    FakeKms kms = new FakeKms(vertx, KurentoTestSupport.fixture()).start(0).await();
    doubles.add(kms);
    return kms;
  }

  private KurentoMedia media(Vertx vertx, List<String> urls, String serverId) {
    KurentoMedia media = KurentoTestSupport.startMedia(vertx, KurentoTestSupport.settings(urls, recordings, serverId),
        urls.size());
    medias.add(media);
    return media;
  }

  private static CallMedia open(Context context, KurentoMedia media, String id, RecordingListener listener) {
    return on(context, () -> media.open(id, listener));
  }

  @Test
  void aKilledMediaServerFailsTheCallWithinFiveSecondsAndTheNextOfferRecoversOnTheRestartedOne(Vertx vertx)
      throws Exception {
    FakeKms kms = kms(vertx);
    KurentoMedia media = media(vertx, List.of(kms.url()), "test");
    Context context = vertx.getOrCreateContext();
    RecordingListener listener = new RecordingListener(context);
    String id = UUID.randomUUID().toString();
    CallMedia call = open(context, media, id, listener);
    on(context, () -> call.offer(Role.INSPECTOR, FakeSdp.offer("VP8")));
    on(context, () -> call.offer(Role.APPLICANT, FakeSdp.offer("VP8")));
    for (FakeKms.Obj endpoint : kms.objects("WebRtcEndpoint")) {
      kms.flowOut(endpoint.id, "AUDIO");
      kms.flowOut(endpoint.id, "VIDEO");
    }
    listener.event("recording.started", Role.INSPECTOR, 1).await();
    listener.event("recording.started", Role.APPLICANT, 1).await();
    String oldServer = kms.serverId();

    long killedAt = System.nanoTime();
    kms.kill().await();
    String reason = listener.failure().await();
    long noticedMillis = (System.nanoTime() - killedAt) / 1_000_000;

    assertThat(noticedMillis).as("loss noticed within 5 s").isLessThan(5000);
    assertThat(reason).contains(kms.url());
    assertThat(listener.events("recording.interrupted")).extracting(e -> e.details().getString("role"))
        .containsExactlyInAnyOrder("inspector", "applicant");
    assertThat(listener.wrongContext).isFalse();

    kms.restart().await();
    assertThat(kms.serverId()).isNotEqualTo(oldServer);
    eventually(vertx, Duration.ofSeconds(45), () -> media.pool().liveCount() == 1);

    // As the Call does after failed(): it drops the broken CallMedia and opens a new one on the next offer.
    CallMedia resumed = open(context, media, id, listener);
    on(context, () -> resumed.offer(Role.INSPECTOR, FakeSdp.offer("VP8")));
    assertThat(kms.objects("MediaPipeline")).singleElement()
        .satisfies(p -> assertThat(p.name).isEqualTo("kanyan:test:" + id));
    assertThat(kms.objects("RecorderEndpoint")).singleElement()
        .satisfies(r -> assertThat(r.uri).endsWith("/" + id + "/inspector-2.kms.webm"));
    assertThat(listener.events("pipeline.created")).hasSize(2);
    String endpoint = kms.objects("WebRtcEndpoint").get(0).id;
    kms.flowOut(endpoint, "AUDIO");
    kms.flowOut(endpoint, "VIDEO");
    RecordingListener.Event gap = listener.event("recording.gap", d -> d.getString("role").equals("inspector")).await();
    assertThat(gap.details().getInteger("previousSegment")).isEqualTo(1);
    assertThat(gap.details().getInteger("segment")).isEqualTo(2);
    assertThat(gap.details().getLong("gapMillis")).isPositive();
    on(context, resumed::release);
    on(context, call::release);
    assertThat(kms.objectCount()).isZero();
  }

  /** Issue 11, defect 2: a 2.6 s SIGSTOP of the media server tore down a healthy call. */
  @Test
  void aShortStallOfTheMediaServerIsNotALossAndTheLiveCallKeepsItsPipelineAndRecordings(Vertx vertx)
      throws Exception {
    FakeKms kms = kms(vertx);
    KurentoMedia media = media(vertx, List.of(kms.url()), "test");
    Context context = vertx.getOrCreateContext();
    RecordingListener listener = new RecordingListener(context);
    CallMedia call = open(context, media, UUID.randomUUID().toString(), listener);
    on(context, () -> call.offer(Role.INSPECTOR, FakeSdp.offer("VP8")));
    on(context, () -> call.offer(Role.APPLICANT, FakeSdp.offer("VP8")));
    for (FakeKms.Obj endpoint : kms.objects("WebRtcEndpoint")) {
      kms.flowOut(endpoint.id, "AUDIO");
      kms.flowOut(endpoint.id, "VIDEO");
    }
    listener.event("recording.started", Role.INSPECTOR, 1).await();
    listener.event("recording.started", Role.APPLICANT, 1).await();
    String pipeline = kms.objects("MediaPipeline").get(0).id;
    String serverId = kms.serverId();

    kms.stall(Duration.ofMillis(2600));
    // Slow: no new calls go there meanwhile...
    eventually(vertx, Duration.ofSeconds(5), () -> media.pool().liveCount() == 0);
    // ...and once it answers again it takes calls again, the same instance with the same session.
    eventually(vertx, Duration.ofSeconds(10), () -> media.pool().liveCount() == 1);
    long pings = kms.requests().stream().filter(r -> r.getString("method").equals("ping")).count();
    eventually(vertx, Duration.ofSeconds(10), () -> kms.requests().stream()
        .filter(r -> r.getString("method").equals("ping")).count() >= pings + 3);

    assertThat(kms.serverId()).isEqualTo(serverId);
    assertThat(listener.failures).isEmpty();
    assertThat(listener.events("recording.interrupted")).isEmpty();
    assertThat(listener.events("recording.stopped")).isEmpty();
    assertThat(kms.object(pipeline)).as("the live pipeline is kept").isNotNull();
    assertThat(kms.requests()).noneMatch(r -> r.getString("method").equals("release"));
    assertThat(kms.objects("RecorderEndpoint")).filteredOn(r -> r.recording).hasSize(2);
    on(context, call::release);
    assertThat(kms.objectCount()).isZero();
  }

  @Test
  void aDroppedSocketThatResumesTheSameSessionDoesNotFailTheCall(Vertx vertx) throws Exception {
    FakeKms kms = kms(vertx);
    KurentoMedia media = media(vertx, List.of(kms.url()), "test");
    Context context = vertx.getOrCreateContext();
    RecordingListener listener = new RecordingListener(context);
    CallMedia call = open(context, media, UUID.randomUUID().toString(), listener);
    on(context, () -> call.offer(Role.INSPECTOR, FakeSdp.offer("VP8")));

    kms.dropSockets();
    eventually(vertx, Duration.ofSeconds(5), () -> kms.requests().stream().anyMatch(r ->
        r.getString("method").equals("connect") && r.getJsonObject("params").containsKey("sessionId")));
    // Past the loss grace (1.5 s here) plus a ping: the session resumed, nothing failed.
    eventually(vertx, Duration.ofSeconds(15), () -> kms.requests().stream().filter(r -> r.getString("method")
        .equals("ping")).count() >= 6);
    assertThat(listener.failures).isEmpty();
    on(context, () -> call.offer(Role.APPLICANT, FakeSdp.offer("VP8")));
    assertThat(kms.objects("WebRtcEndpoint")).hasSize(2);
    on(context, call::release);
  }

  @Test
  void mediaThatStartedFlowingWhileTheSocketWasDownStartsTheRecordingOnceTheSessionResumes(Vertx vertx)
      throws Exception {
    FakeKms kms = kms(vertx);
    KurentoSettings base = KurentoTestSupport.settings(List.of(kms.url()), recordings, "test");
    // A grace longer than kurento-client's 2 s reconnection delay, so the resume counts as no loss.
    KurentoSettings settings = new KurentoSettings(base.kmsUrls(), base.recordingsDir(), base.kmsRecordingsUri(),
        base.serverId(), base.connectTimeout(), base.requestTimeout(), base.pingInterval(), Duration.ofSeconds(4),
        base.retryInterval());
    KurentoMedia media = KurentoTestSupport.startMedia(vertx, settings, 1);
    medias.add(media);
    Context context = vertx.getOrCreateContext();
    RecordingListener listener = new RecordingListener(context);
    CallMedia call = open(context, media, UUID.randomUUID().toString(), listener);
    on(context, () -> call.offer(Role.INSPECTOR, FakeSdp.offer("VP8")));
    String endpoint = kms.objects("WebRtcEndpoint").get(0).id;

    kms.unreachable().await();
    kms.flowOut(endpoint, "AUDIO");
    kms.flowOut(endpoint, "VIDEO");
    kms.reachable().await();

    listener.event("recording.started", Role.INSPECTOR, 1).await();
    assertThat(listener.failures).isEmpty();
    assertThat(kms.requests()).anyMatch(r -> "isMediaFlowingOut".equals(r.getJsonObject("params").getString("operation")));
    on(context, call::release);
  }

  @Test
  void thePoolSkipsARefusingAndAHangingMediaServerWithinTheConnectTimeout(Vertx vertx) throws Exception {
    int refusing;
    try (ServerSocket socket = new ServerSocket(0)) {
      refusing = socket.getLocalPort();
    }
    NetServer hanging = vertx.createNetServer().connectHandler(socket -> { }).listen(0, "127.0.0.1").await();
    FakeKms live = kms(vertx);

    long startedAt = System.nanoTime();
    KurentoSettings settings = KurentoTestSupport.settings(List.of("ws://127.0.0.1:" + refusing + "/kurento",
        "ws://127.0.0.1:" + hanging.actualPort() + "/kurento", live.url()), recordings, "test")
        .withConnectTimeout(Duration.ofSeconds(3));
    KurentoMedia media = KurentoMedia.start(vertx, settings, KurentoTestSupport.iceServers()).await();
    medias.add(media);
    long startMillis = (System.nanoTime() - startedAt) / 1_000_000;

    // Bounded by the 3 s connect timeout (plus a loaded machine's slack), far from kurento-client's ~25 s.
    assertThat(startMillis).as("start-up time").isLessThan(10_000);
    eventually(vertx, Duration.ofSeconds(20), () -> media.pool().liveCount() == 1);
    assertThat(media.pool().liveCount()).isEqualTo(1);
    Context context = vertx.getOrCreateContext();
    RecordingListener listener = new RecordingListener(context);
    CallMedia call = open(context, media, UUID.randomUUID().toString(), listener);
    on(context, () -> call.offer(Role.INSPECTOR, FakeSdp.offer("VP8")));
    assertThat(live.objects("MediaPipeline")).hasSize(1);
    assertThat(listener.events("kms.chosen")).singleElement()
        .satisfies(e -> assertThat(e.details().getString("kms")).isEqualTo(live.url()));
    on(context, call::release);
    hanging.close().await();
  }

  @Test
  void aNewCallGoesToTheMediaServerWithTheFewestPipelines(Vertx vertx) throws Exception {
    FakeKms first = kms(vertx);
    FakeKms second = kms(vertx);
    KurentoMedia media = media(vertx, List.of(first.url(), second.url()), "test");
    Context context = vertx.getOrCreateContext();
    List<CallMedia> calls = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      CallMedia call = open(context, media, UUID.randomUUID().toString(), new RecordingListener(context));
      on(context, () -> call.offer(Role.INSPECTOR, FakeSdp.offer("VP8")));
      calls.add(call);
    }
    assertThat(first.objects("MediaPipeline")).hasSize(2);
    assertThat(second.objects("MediaPipeline")).hasSize(2);
    calls.forEach(c -> on(context, c::release));
  }

  @Test
  void startUpReleasesThisServersStalePipelinesAndLeavesOtherServersAlone(Vertx vertx) throws Exception {
    FakeKms kms = kms(vertx);
    Context context = vertx.getOrCreateContext();
    KurentoMedia crashed = KurentoTestSupport.startMedia(vertx,
        KurentoTestSupport.settings(List.of(kms.url()), recordings, "test"), 1);
    KurentoMedia other = media(vertx, List.of(kms.url()), "other");
    String mine = UUID.randomUUID().toString();
    String theirs = UUID.randomUUID().toString();
    CallMedia myCall = open(context, crashed, mine, new RecordingListener(context));
    on(context, () -> myCall.offer(Role.INSPECTOR, FakeSdp.offer("VP8")));
    CallMedia theirCall = open(context, other, theirs, new RecordingListener(context));
    on(context, () -> theirCall.offer(Role.INSPECTOR, FakeSdp.offer("VP8")));
    // The server went away without releasing its call. It is left connected here: a crashed server's KMS session
    // lives on until KMS's garbage collector expires it, whereas closing the client (closeSession) would make KMS
    // release everything only that session references.
    assertThat(kms.objects("MediaPipeline")).hasSize(2);
    media(vertx, List.of(kms.url()), "test");

    assertThat(kms.objects("MediaPipeline")).singleElement()
        .satisfies(p -> assertThat(p.name).isEqualTo("kanyan:other:" + theirs));
    on(context, theirCall::release);
    crashed.close().await();
  }
}
