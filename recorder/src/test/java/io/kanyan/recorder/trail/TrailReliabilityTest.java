package io.kanyan.recorder.trail;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.testing.KillableRedis;
import io.lettuce.core.KillArgs;
import io.lettuce.core.StreamMessage;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Exactly-once appends as the caller sees them, across dropped connections and killed servers. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class TrailReliabilityTest {

  static final int INSPECTIONS = 10;

  KillableRedis server;
  RedisStore redis;
  Trail trail;
  final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
  final List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();

  @BeforeEach
  void start(Vertx vertx, @TempDir Path dir) {
    server = KillableRedis.start(dir.resolve("redis"));
    redis = RedisStore.connect(vertx, server.url()).await();
    trail = new Trail(redis, Clock.systemUTC());
  }

  @AfterEach
  void stop() {
    redis.close();
    server.close();
  }

  @Test
  void connectionsKilledMidAppendStoreNoDuplicate(Vertx vertx) throws Exception {
    RedisStore killer = RedisStore.connect(vertx, server.url()).await();
    java.util.concurrent.atomic.AtomicBoolean killsDone = new java.util.concurrent.atomic.AtomicBoolean();
    Map<String, Integer> written = new ConcurrentHashMap<>();
    List<Future<Void>> writers = new ArrayList<>();
    for (int i = 0; i < INSPECTIONS; i++) {
      writers.add(writeUntil("drop/" + i, 1, killsDone, written));
    }
    // Drops every normal client connection but the killer's own, wherever the writers are, until the
    // writers' connection has been cut five times (a kill finds none while Lettuce is reconnecting).
    long killed = 0;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (killed < 5 && System.nanoTime() < deadline) {
      Thread.sleep(40);
      killed += killer.call(c -> c.clientKill(KillArgs.Builder.typeNormal().skipme())).await();
    }
    killsDone.set(true);
    Future.all(writers).await();
    killer.close();
    assertThat(killed).isGreaterThanOrEqualTo(5);
    assertThat(failures).as("failed appends").isEmpty();
    int total = 0;
    for (int i = 0; i < INSPECTIONS; i++) {
      total += written.get("drop/" + i);
      assertStoredOnceInAValidChain("drop/" + i, written.get("drop/" + i));
    }
    assertThat(acknowledged.size()).isEqualTo(total);
  }

  @Test
  void killNineDuringAppendsLosesNoAcknowledgedEventAndStoresNoneTwice() throws Exception {
    // The writers keep going until Redis has been killed five times, however fast the machine is.
    java.util.concurrent.atomic.AtomicBoolean crashesDone = new java.util.concurrent.atomic.AtomicBoolean();
    Map<String, Integer> written = new ConcurrentHashMap<>();
    List<Future<Void>> writers = new ArrayList<>();
    for (int i = 0; i < INSPECTIONS; i++) {
      writers.add(writeUntil("crash/" + i, 1, crashesDone, written));
    }
    for (int crash = 0; crash < 5; crash++) {
      Thread.sleep(150);
      server.kill();
      server.launch();
    }
    Thread.sleep(100);
    crashesDone.set(true);
    Future.all(writers).await();
    assertThat(failures).as("failed appends").isEmpty();
    int total = 0;
    for (int i = 0; i < INSPECTIONS; i++) {
      int last = written.get("crash/" + i);
      total += last;
      assertStoredOnceInAValidChain("crash/" + i, last);
    }
    assertThat(acknowledged.size()).isEqualTo(total);
  }

  private Future<Void> writeUntil(String inspection, int n, java.util.concurrent.atomic.AtomicBoolean stop,
      Map<String, Integer> written) {
    if (stop.get()) {
      written.put(inspection, n - 1);
      return Future.succeededFuture();
    }
    String id = inspection + "/evt-" + n;
    Promise<Void> next = Promise.promise();
    trail.append(id, inspection, EventType.NOTE_ADDED, "system", new JsonObject().put("n", n))
        .onSuccess(e -> acknowledged.add(e.id()))
        .onFailure(err -> failures.add(id + ": " + err))
        .onComplete(done -> writeUntil(inspection, n + 1, stop, written).onComplete(next));
    return next.future();
  }

  @Test
  void twoNodesAppendingToTheSameInspectionsMakeOneLinearChainEach(Vertx vertx) {
    RedisStore otherConnection = RedisStore.connect(vertx, server.url()).await();
    Trail node2 = new Trail(otherConnection, Clock.systemUTC());
    List<Future<TrailEvent>> all = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      Trail node = i % 2 == 0 ? trail : node2;
      all.add(node.append("two/" + (i % 3), EventType.NOTE_ADDED, "user:n" + (i % 2), new JsonObject().put("i", i)));
    }
    Future.all(all).await();
    for (int k = 0; k < 3; k++) {
      List<TrailEvent> events = trail.read("two/" + k).await();
      assertThat(events).hasSize(100);
      assertThat(Chain.firstBreak("two/" + k, events)).isNull();
    }
    otherConnection.close();
  }

  /** Events 1..count of the inspection are stored, each exactly once, in a valid chain, and nothing else. */
  private void assertStoredOnceInAValidChain(String inspection, int count) {
    List<StreamMessage<String, String>> raw = trail.readRaw(inspection).await();
    Map<String, Integer> copies = new HashMap<>();
    List<Map<String, String>> fields = new ArrayList<>();
    for (StreamMessage<String, String> entry : raw) {
      copies.merge(entry.getBody().get("id"), 1, Integer::sum);
      fields.add(entry.getBody());
    }
    assertThat(copies.values()).as("copies of each event of %s", inspection).allMatch(c -> c == 1);
    assertThat(raw).as("events of %s", inspection).hasSize(count);
    assertThat(Chain.firstBreakOfFields(inspection, fields)).isNull();
    for (int n = 1; n <= count; n++) {
      assertThat(copies).containsKey(inspection + "/evt-" + n);
      assertThat(acknowledged).contains(inspection + "/evt-" + n);
    }
  }
}
