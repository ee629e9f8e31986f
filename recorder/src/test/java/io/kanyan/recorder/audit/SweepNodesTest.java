package io.kanyan.recorder.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.log.TamperAlarms;
import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.testing.TestRedis;
import io.kanyan.recorder.trail.Checkpoints;
import io.kanyan.recorder.trail.EventType;
import io.kanyan.recorder.trail.Trail;
import io.kanyan.recorder.trail.TrailEvent;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sweep of committed inspections on three nodes sharing one Redis (recorder/TRAIL.md 5.5, 5.7): every node
 * sweeps and knows the findings for its own search answers, but one finding is one tamper alarm on the alarm chain,
 * not one per node and sweep; when the node that raises them (the checkpoint writer) stops, the next writer raises
 * what is new and not again what was raised before; a finding that went away and came back is raised again.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class SweepNodesTest {

  static final String GONE = "committed, but its case record is missing from Redis";

  @TempDir
  Path dir;
  TestRedis server;
  RedisStore redis;
  Trail trail;
  CaseFiles cases;
  final List<Node> nodes = new ArrayList<>();

  /** One node's checkpoint job and sweep. */
  record Node(String name, Checkpoints checkpoints, Sweep sweep) {
  }

  @BeforeEach
  void start(Vertx vertx) {
    server = TestRedis.start();
    redis = RedisStore.connect(vertx, server.url()).await();
    redis.call(c -> c.configSet("appendfsync", "no")).await();
    trail = new Trail(redis, Clock.systemUTC());
    cases = new CaseFiles(redis, new byte[32]);
  }

  @AfterEach
  void stop() {
    for (Node n : nodes) {
      n.sweep().stop();
      n.checkpoints().stop().await();
    }
    redis.close();
    server.close();
  }

  Node node(Vertx vertx, String name) {
    Checkpoints.Settings settings = new Checkpoints.Settings(Duration.ofSeconds(1),
        dir.resolve(name).resolve("checkpoints/commitments.jsonl"), dir.resolve("shared/checkpoint-ed25519.pem"),
        false, name);
    Checkpoints checkpoints = Checkpoints.open(vertx, redis, Clock.systemUTC(), settings).await();
    checkpoints.start().await();
    // As AuditServices wires it, with a short interval.
    Sweep sweep = new Sweep(vertx, redis, checkpoints.alarms(), new CaseBinding(redis, cases, trail, Clock.systemUTC()),
        CommittedInspections.commitLog(vertx, checkpoints), Duration.ofMinutes(5), checkpoints::stillWriter);
    Node node = new Node(name, checkpoints, sweep);
    nodes.add(node);
    return node;
  }

  CaseFile inspection() {
    String id = UUID.randomUUID().toString();
    CaseFile file = new CaseFile(id, "KY-" + id.substring(0, 8), "食品经营许可", "wang", "王检查员", "张三",
        CaseFiles.maskPhone("13800138000"), cases.phoneHash("13800138000"), "北京市东城区示例路1号", 39.9, 116.4,
        CaseFile.Status.CREATED, Instant.now(), null, null, null, null);
    JsonObject facts = file.toJson();
    facts.remove("status");
    trail.append(id, EventType.INSPECTION_CREATED, "user:wang", facts).await();
    cases.create(file).await();
    return file;
  }

  long alarms(String subject, String finding) {
    return trail.read(TamperAlarms.CHAIN).await().stream().filter(e -> e.type() == EventType.TAMPER_ALARM)
        .map(TrailEvent::payloadJson)
        .filter(p -> subject.equals(p.getString("subject")) && finding.equals(p.getString("finding"))).count();
  }

  /** Every node sweeps (twice), as their timers do every five minutes; true when each one found {@code id} gone. */
  static boolean sweepAll(List<Node> nodes, String id) {
    boolean all = true;
    for (int round = 0; round < 2; round++) {
      for (Node n : nodes) {
        n.sweep().runOnce().await();
        all &= n.sweep().latestByInspection().getOrDefault(id, List.of())
            .contains(GONE.substring("committed, but ".length()));
      }
    }
    return all;
  }

  static void await(String what, BooleanSupplier done) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 40_000;
    while (!done.getAsBoolean() && System.currentTimeMillis() < deadline) {
      Thread.sleep(100);
    }
    assertThat(done.getAsBoolean()).as(what).isTrue();
  }

  @Test
  void oneFindingIsOneAlarmHoweverManyNodesSweepAndTheNextWriterDoesNotRaiseItAgain(Vertx vertx) throws Exception {
    List<Node> three = List.of(node(vertx, "node-a"), node(vertx, "node-b"), node(vertx, "node-c"));
    CaseFile firstFile = inspection();
    String first = firstFile.id();
    String second = inspection().id();
    Node writer = three.stream().filter(n -> n.checkpoints().isWriter()).findFirst().orElseThrow();
    writer.checkpoints().checkpointNow().await();
    await("every node follows the log", () -> three.stream()
        .allMatch(n -> n.checkpoints().commitLog().lastCommitted().containsKey(second)));
    redis.call(c -> c.del(CaseFiles.key(first))).await();

    assertThat(sweepAll(three, first)).as("every node's search answers know the finding").isTrue();
    assertThat(alarms(first, GONE)).as("one finding, one alarm on the chain").isEqualTo(1);

    // The writer stops; another node becomes the writer and raises the alarms from then on.
    writer.checkpoints().stop().await();
    nodes.remove(writer);
    List<Node> left = three.stream().filter(n -> n != writer).toList();
    await("another node is the writer", () -> left.stream().anyMatch(n -> n.checkpoints().isWriter()));
    redis.call(c -> c.del(CaseFiles.key(second))).await();
    assertThat(sweepAll(left, second)).isTrue();
    assertThat(alarms(second, GONE)).as("raised by the new writer").isEqualTo(1);
    assertThat(alarms(first, GONE)).as("not raised again by the new writer").isEqualTo(1);

    // Repaired, then deleted again: that is a new finding, raised again (once).
    cases.create(firstFile).await();
    assertThat(sweepAll(left, first)).isFalse();
    redis.call(c -> c.del(CaseFiles.key(first))).await();
    assertThat(sweepAll(left, first)).isTrue();
    assertThat(alarms(first, GONE)).as("a finding that came back is raised again").isEqualTo(2);
  }
}
