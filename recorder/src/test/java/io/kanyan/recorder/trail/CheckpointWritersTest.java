package io.kanyan.recorder.trail;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.audit.AuditServices;
import io.kanyan.recorder.audit.CaseFiles;
import io.kanyan.recorder.audit.EvidencePackage;
import io.kanyan.recorder.audit.Verdict;
import io.kanyan.recorder.log.SignedTreeHead;
import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.testing.LocalTsa;
import io.kanyan.recorder.testing.TestRedis;
import io.kanyan.recorder.log.note.NoteVerifier;
import io.kanyan.recorder.witness.Attestations;
import io.kanyan.recorder.witness.CosignatureKey;
import io.kanyan.recorder.witness.TrustSettings;
import io.kanyan.recorder.witness.Witness;
import io.kanyan.recorder.witness.WitnessState;
import io.kanyan.recorder.witness.Witnesses;
import io.vertx.core.http.HttpServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several nodes' checkpoint jobs on one Redis, in one JVM: one writer, the others following Redis's copy of the log
 * into their own files (recorder/TRAIL.md 5.7). The process-level kill and freeze are in signaling's
 * {@code CheckpointWriterProcessesTest}.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class CheckpointWritersTest {

  @TempDir
  Path dir;
  TestRedis server;
  RedisStore redis;
  Trail trail;
  Path keyFile;
  /** A C2SP witness served over HTTP in this JVM, and every tree head submitted to it. */
  HttpServer witnessServer;
  String witnessEndpoint;
  final List<String> submitted = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start(Vertx vertx) {
    server = TestRedis.start();
    redis = RedisStore.connect(vertx, server.url()).await();
    trail = new Trail(redis, Clock.systemUTC());
    keyFile = dir.resolve("shared/checkpoint-ed25519.pem");
  }

  @AfterEach
  void stop() {
    if (witnessServer != null) {
      witnessServer.close().await();
    }
    redis.close();
    server.close();
  }

  /** Starts the witness, trusting the log's key (the shared key file, made here if missing). */
  void startWitness(Vertx vertx) {
    SigningKey key = SigningKey.loadOrCreate(keyFile);
    String origin = Checkpoints.originOf(key);
    Witness witness = new Witness(CosignatureKey.loadOrCreate(dir.resolve("witness/key"), "witness.test/w1",
        Clock.systemUTC()), Map.of(origin, List.<NoteVerifier>of(key.noteKey(origin))),
        new WitnessState(dir.resolve("witness/state")));
    witnessServer = vertx.createHttpServer().requestHandler(req -> req.body()
        .compose(body -> vertx.executeBlocking(() -> {
          submitted.add(body.toString());
          return witness.addCheckpoint(body.toString());
        }, false))
        .onSuccess(answer -> req.response().setStatusCode(answer.status())
            .putHeader("Content-Type", answer.contentType()).end(answer.body()))
        .onFailure(err -> req.response().setStatusCode(500).end(err.toString())))
        .listen(0, "127.0.0.1").await();
    witnessEndpoint = "http://127.0.0.1:" + witnessServer.actualPort() + " " + witness.key().verifierKey();
  }

  Attestations witnessed(Vertx vertx, String node) {
    return new Attestations(vertx, new Witnesses(vertx, Witnesses.parseEndpoints(witnessEndpoint), 1),
        Optional.empty(), dir.resolve(node).resolve("checkpoints/attestations/cosigned"));
  }

  Checkpoints.Settings settings(String node) {
    Path data = dir.resolve(node);
    return new Checkpoints.Settings(Duration.ofSeconds(1), data.resolve("checkpoints/commitments.jsonl"), keyFile,
        false, node);
  }

  Checkpoints open(Vertx vertx, String node) {
    return Checkpoints.open(vertx, redis, Clock.systemUTC(), settings(node)).await();
  }

  void append(String inspection) {
    trail.append(inspection, EventType.NOTE_ADDED, "user:a", new JsonObject().put("at", System.nanoTime())).await();
  }

  List<String> copy() {
    return redis.call(c -> c.lrange(Checkpoints.REDIS_KEY, 0, -1)).await();
  }

  static List<String> file(Checkpoints checkpoints) throws Exception {
    return Files.readAllLines(checkpoints.settings().logFile());
  }

  @Test
  void theLeaseTimeAndPeriodLetAnotherNodeTakeOverWithinTwoIntervals() {
    for (int seconds = 1; seconds <= 60; seconds++) {
      Checkpoints.Settings s = settings("n").withInterval(Duration.ofSeconds(seconds));
      assertThat(s.leaseTime().plus(s.leasePeriod())).isLessThan(s.interval().multipliedBy(2));
      assertThat(s.leasePeriod()).isPositive();
    }
    assertThat(Checkpoints.Settings.from(Map.of("KANYAN_NODE_NAME", " node 7 "), dir).node()).isEqualTo("node-7");
    assertThat(Checkpoints.Settings.under(dir).node()).isNotBlank();
  }

  @Test
  void aStaleWriterIsFencedOffPublishesNothingAndFollowsTheNewWriter(Vertx vertx) throws Exception {
    startWitness(vertx);
    Checkpoints a = open(vertx, "node-a");
    Checkpoints b = open(vertx, "node-b");
    a.attestWith(witnessed(vertx, "node-a"));
    b.attestWith(witnessed(vertx, "node-b"));
    append("insp-1");
    SignedTreeHead first = a.checkpointNow().await();
    a.attestations().lastCosigning().await();
    assertThat(a.isWriter()).isTrue();
    assertThat(b.isWriter()).isFalse();

    // node-a stalls past its lease (as if frozen): the lease runs out and node-b takes it.
    redis.call(c -> c.del(WriterLease.KEY)).await();
    append("insp-2");
    SignedTreeHead second = b.checkpointNow().await();
    assertThat(b.isWriter()).isTrue();
    assertThat(second.number()).isEqualTo(2);
    assertThat(second.prev()).as("the new writer extends what was published").isEqualTo(first.hash());

    // node-a wakes up believing it is the writer, with a new head to commit: Redis refuses its tree head.
    append("insp-3");
    SignedTreeHead seen = a.checkpointNow().await();
    assertThat(a.isWriter()).isFalse();
    assertThat(seen).as("it returns the latest published tree head, which it followed").isEqualTo(second);
    assertThat(copy()).hasSize(2);
    assertThat(file(a)).containsExactlyElementsOf(copy());
    // Nor does it submit anything to the witness any more.
    int submissions = submitted.size();
    assertThat(a.attestations().attest(second, a::consistencyProof).await().signatures()).hasSize(1);
    assertThat(submitted).hasSize(submissions);
    assertThat(submitted).noneMatch(body -> body.contains("kanyan-sth/2 3 "));

    // The writer goes on; node-a follows it, and neither raised an alarm nor sees a problem.
    SignedTreeHead third = b.checkpointNow().await();
    assertThat(third.number()).isEqualTo(3);
    assertThat(a.logProblems().await()).isEmpty();
    assertThat(b.logProblems().await()).isEmpty();
    assertThat(file(a)).containsExactlyElementsOf(copy());
    assertThat(file(b)).containsExactlyElementsOf(copy());
    assertThat(a.commitLog().committed("insp-3")).isNotEmpty();
    assertThat(a.alarms().count() + b.alarms().count()).isZero();
  }

  @Test
  void aNodeThatIsNotTheWriterAsksItForACheckpointAndCopiesItsTimestamps(Vertx vertx) throws Exception {
    try (LocalTsa tsa = LocalTsa.start(vertx, dir.resolve("tsa"), "Kanyan test TSA")) {
      startWitness(vertx);
      TrustSettings trust = TrustSettings.from(Map.of("KANYAN_TSA_URL", tsa.url(),
          "KANYAN_TSA_TRUST", tsa.rootCertificate().toString(), Witnesses.WITNESSES, witnessEndpoint));
      AuditServices writer = AuditServices.start(vertx, redis, trail, new CaseFiles(redis, new byte[32]),
          dir.resolve("node-a"), settings("node-a"), trust, Clock.systemUTC()).await();
      AuditServices follower = AuditServices.start(vertx, redis, trail, new CaseFiles(redis, new byte[32]),
          dir.resolve("node-b"), settings("node-b"), trust, Clock.systemUTC()).await();
      try {
        assertThat(writer.checkpoints().isWriter()).isTrue();
        assertThat(follower.checkpoints().isWriter()).isFalse();
        append("insp-1");

        // An export on the follower: the writer makes the checkpoint, the follower's file follows it.
        Path zip = dir.resolve("insp-1.zip");
        follower.export().export("insp-1", zip, null).await();
        Verdict verdict = EvidencePackage.verify(zip, writer.checkpoints().key().publicKey());
        assertThat(verdict.valid()).as(verdict.describe()).isTrue();
        assertThat(follower.checkpoints().commitLog().committed("insp-1")).isNotEmpty();
        assertThat(file(follower.checkpoints())).containsExactlyElementsOf(copy());
        assertThat(follower.checkpoints().isWriter()).as("the follower never committed itself").isFalse();

        // The TSA's token of the writer's tree head reaches the follower, checked, through Redis.
        SignedTreeHead latest = writer.checkpoints().latest().orElseThrow();
        writer.checkpoints().attestations().awaitTimestamp(latest, Duration.ofSeconds(20)).await();
        long size = latest.treeSize();
        while (follower.checkpoints().attestations().timestamp(size).isEmpty()) {
          follower.checkpoints().logProblems().await();
          Thread.sleep(100);
        }
        assertThat(follower.checkpoints().attestations().timestamp(size))
            .contains(writer.checkpoints().attestations().timestamp(size).orElseThrow());
        assertThat(follower.checkpoints().attestations().timestamps().orElseThrow().status().stamped())
            .as("the follower never asked the TSA itself").isZero();

        // So do the witness's cosignatures: online verification on the follower finds its quorum.
        writer.checkpoints().attestations().lastCosigning().await();
        while (follower.checkpoints().attestations().cosigned(size).isEmpty()) {
          follower.checkpoints().logProblems().await();
          Thread.sleep(100);
        }
        Verdict online = follower.verifier().verify("insp-1").await();
        assertThat(online.valid()).as(online.describe()).isTrue();
      } finally {
        follower.stop().await();
        writer.stop().await();
      }
      assertThat(redis.call(c -> c.exists(WriterLease.KEY)).await()).as("released on a clean stop").isZero();
    }
  }

  @Test
  void aCheckpointAskedForWhileTheWriterIsDeadIsMadeByTheNodeThatTakesOver(Vertx vertx) throws Exception {
    Checkpoints dead = open(vertx, "node-a");
    append("insp-1");
    dead.checkpointNow().await(); // node-a holds the lease, then stops renewing it: it died
    Checkpoints b = open(vertx, "node-b");
    b.start().await();
    try {
      append("insp-1");
      SignedTreeHead made = b.checkpointNow().await();
      assertThat(b.isWriter()).isTrue();
      assertThat(made.number()).isEqualTo(2);
      assertThat(b.commitLog().committed("insp-1")).extracting(io.kanyan.recorder.log.CommitLog.Committed::seq).containsExactly(1L, 2L);
      assertThat(file(b)).containsExactlyElementsOf(copy());
    } finally {
      b.stop().await();
    }
  }

  @Test
  void aNodeThatIsNotTheWriterStillRaisesTheAlarmWhenItsOwnFileIsEdited(Vertx vertx) throws Exception {
    Checkpoints a = open(vertx, "node-a");
    append("insp-1");
    a.checkpointNow().await();
    a.start().await();
    Checkpoints b = open(vertx, "node-b");
    b.start().await();
    try {
      assertThat(b.isWriter()).isFalse();
      List<String> lines = file(b);
      Files.writeString(b.settings().logFile(), lines.get(0).replace("insp-1", "insp-x") + "\n");
      while (b.alarms().count() == 0) {
        Thread.sleep(100);
      }
      assertThat(b.logProblems().await()).anyMatch(p -> p.contains("line 1 (entry #1) of the commitment log was edited"));
      assertThat(a.alarms().count()).isZero();
    } finally {
      b.stop().await();
      a.stop().await();
    }
  }

  @Test
  void aNodeWhoseFileIsBehindFollowsRedisCopyAtStartButATruncatedFileIsStillRefused(Vertx vertx) throws Exception {
    Checkpoints a = open(vertx, "node-a");
    append("insp-1");
    a.checkpointNow().await();
    append("insp-1");
    a.checkpointNow().await();

    // A node that was down (or new) starts with a shorter file: it takes the published lines, each checked.
    Checkpoints late = open(vertx, "node-c");
    assertThat(file(late)).containsExactlyElementsOf(copy());
    assertThat(late.latest()).isEqualTo(a.latest());

    // The writer's own file loses its last line: that file is shorter than the node last wrote it.
    Files.writeString(a.settings().logFile(), file(a).get(0) + "\n");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> open(vertx, "node-a"))
        .isInstanceOf(Checkpoints.RefusedStartException.class)
        .hasMessageContaining("the last line(s) of the log file were removed");
  }
}
