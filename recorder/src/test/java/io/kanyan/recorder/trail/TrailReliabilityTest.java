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
    Future<Void> writers = writeAll("drop", 100);
    int kills = 0;
    while (!writers.isComplete()) {
      Thread.sleep(40);
      // Drops every normal client connection but the killer's own, wherever the writers are.
      killer.call(c -> c.clientKill(KillArgs.Builder.typeNormal().skipme())).await();
      kills++;
    }
    writers.await();
    killer.close();
    assertThat(kills).isGreaterThan(3);
    assertEveryAcknowledgedEventStoredOnceInValidChains("drop", 100);
  }

  @Test
  void killNineDuringAppendsLosesNoAcknowledgedEventAndStoresNoneTwice() throws Exception {
    Future<Void> writers = writeAll("crash", 200);
    int crashes = 0;
    for (; crashes < 5 && !writers.isComplete(); crashes++) {
      Thread.sleep(150);
      server.kill();
      server.launch();
    }
    writers.await();
    assertThat(crashes).isEqualTo(5);
    assertEveryAcknowledgedEventStoredOnceInValidChains("crash", 200);
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

  /** Every inspection appends {@code perInspection} events one after another, with caller-chosen ids. */
  private Future<Void> writeAll(String prefix, int perInspection) {
    List<Future<Void>> writers = new ArrayList<>();
    for (int i = 0; i < INSPECTIONS; i++) {
      writers.add(writeFrom(prefix + "/" + i, 1, perInspection));
    }
    return Future.all(writers).mapEmpty();
  }

  private Future<Void> writeFrom(String inspection, int n, int last) {
    if (n > last) {
      return Future.succeededFuture();
    }
    String id = inspection + "/evt-" + n;
    Promise<Void> next = Promise.promise();
    trail.append(id, inspection, EventType.NOTE_ADDED, "system", new JsonObject().put("n", n))
        .onSuccess(e -> acknowledged.add(e.id()))
        .onFailure(err -> failures.add(id + ": " + err))
        .onComplete(done -> writeFrom(inspection, n + 1, last).onComplete(next));
    return next.future();
  }

  private void assertEveryAcknowledgedEventStoredOnceInValidChains(String prefix, int perInspection) {
    assertThat(failures).as("failed appends").isEmpty();
    assertThat(acknowledged.size()).isEqualTo(INSPECTIONS * perInspection);
    for (int i = 0; i < INSPECTIONS; i++) {
      String inspection = prefix + "/" + i;
      List<StreamMessage<String, String>> raw = trail.readRaw(inspection).await();
      Map<String, Integer> copies = new HashMap<>();
      List<Map<String, String>> fields = new ArrayList<>();
      for (StreamMessage<String, String> entry : raw) {
        copies.merge(entry.getBody().get("id"), 1, Integer::sum);
        fields.add(entry.getBody());
      }
      assertThat(copies.values()).as("copies of each event of %s", inspection).allMatch(c -> c == 1);
      assertThat(raw).as("events of %s", inspection).hasSize(perInspection);
      assertThat(Chain.firstBreakOfFields(inspection, fields)).isNull();
      for (int n = 1; n <= perInspection; n++) {
        assertThat(copies).containsKey(inspection + "/evt-" + n);
      }
    }
  }
}
