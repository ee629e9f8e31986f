package io.kanyan.recorder.trail;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.redis.NotReplicatedException;
import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.redis.ReplicaAcks;
import io.kanyan.recorder.testing.SentinelRedis;
import io.lettuce.core.StreamMessage;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Redis Sentinel (a primary, one replica, three sentinels; real processes) under a steady append load through the
 * real {@link Trail} over a {@code redis-sentinel://} URL with replica acknowledgement 1: the primary is killed with
 * SIGKILL {@value #KILLS} times, and every acknowledged event is still there, once, in a chain that verifies. The
 * appenders retry a failed append with the same event id, as the server's callers do. It prints acknowledged, lost,
 * duplicated and the failover times (kill to the next acknowledged append); the times are printed, never asserted.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 240, timeUnit = TimeUnit.SECONDS)
class SentinelFailoverTest {

  static final int KILLS = Integer.getInteger("kanyan.failover.kills", 20);
  static final int APPENDERS = 6;
  /** How long the load runs on a healthy cluster before each kill. */
  static final long LOAD_WINDOW_MS = Long.getLong("kanyan.failover.windowMs", 400);
  /** Replica acknowledgement; {@code -Dkanyan.failover.acks=0} shows what is lost without it. */
  static final int ACKS = Integer.getInteger("kanyan.failover.acks", 1);

  SentinelRedis cluster;
  RedisStore redis;
  Trail trail;
  final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
  final Map<String, Integer> written = new ConcurrentHashMap<>();
  final List<String> errors = new CopyOnWriteArrayList<>();
  final AtomicLong lastAck = new AtomicLong();

  @BeforeEach
  void start(Vertx vertx, @TempDir Path dir) {
    cluster = SentinelRedis.start(dir, 1);
    redis = RedisStore.connect(vertx, cluster.url(), new ReplicaAcks(ACKS, Duration.ofMillis(1000))).await();
    trail = new Trail(redis, Clock.systemUTC());
  }

  @AfterEach
  void stop() {
    if (redis != null) {
      redis.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void killingThePrimaryUnderLoadLosesNoAcknowledgedEventAndDuplicatesNone() throws Exception {
    AtomicBoolean done = new AtomicBoolean();
    List<Future<Void>> appenders = new ArrayList<>();
    for (int i = 0; i < APPENDERS; i++) {
      appenders.add(appendUntil("failover-" + i, done));
    }
    List<Long> failoverMs = new ArrayList<>();
    for (int kill = 0; kill < KILLS; kill++) {
      cluster.awaitHealthy(Duration.ofSeconds(60));
      Thread.sleep(LOAD_WINDOW_MS);
      SentinelRedis.Node primary = cluster.primary();
      long killedAt = System.nanoTime();
      primary.kill9();
      cluster.awaitNewPrimary(primary, Duration.ofSeconds(60));
      long promotedAt = System.nanoTime();
      cluster.restartAsReplica(primary);
      // Writes are back once an append is acknowledged after the sentinels named the new primary.
      while (lastAck.get() < promotedAt) {
        Thread.sleep(10);
      }
      failoverMs.add((lastAck.get() - killedAt) / 1_000_000);
    }
    done.set(true);
    Future.all(appenders).await(120, TimeUnit.SECONDS);

    int lost = 0;
    int duplicated = 0;
    int stored = 0;
    List<String> brokenChains = new ArrayList<>();
    for (int i = 0; i < APPENDERS; i++) {
      String inspection = "failover-" + i;
      List<StreamMessage<String, String>> raw = trail.readRaw(inspection).await();
      Map<String, Integer> copies = new HashMap<>();
      List<Map<String, String>> fields = new ArrayList<>();
      for (StreamMessage<String, String> entry : raw) {
        copies.merge(entry.getBody().get("id"), 1, Integer::sum);
        fields.add(entry.getBody());
      }
      stored += raw.size();
      duplicated += (int) copies.values().stream().filter(c -> c > 1).mapToInt(c -> c - 1).sum();
      for (int n = 1; n <= written.get(inspection); n++) {
        if (!copies.containsKey(inspection + "/evt-" + n)) {
          lost++;
        }
      }
      String broken = Chain.firstBreakOfFields(inspection, fields);
      if (broken != null) {
        brokenChains.add(inspection + ": " + broken);
      }
    }
    Collections.sort(failoverMs);
    System.out.printf("Sentinel failover: %d kills of the primary, %d appenders, acks=%d: acknowledged %d, stored %d, "
            + "lost %d, duplicated %d; failed tries (retried with the same id) %d; failover time (kill to next "
            + "acknowledged append) min %d ms, median %d ms, max %d ms%n", KILLS, APPENDERS, ACKS, acknowledged.size(),
        stored, lost, duplicated, errors.size(), failoverMs.get(0), failoverMs.get(failoverMs.size() / 2),
        failoverMs.get(failoverMs.size() - 1));
    errors.stream().map(e -> e.substring(e.indexOf(": ") + 2)).map(e -> e.length() > 160 ? e.substring(0, 160) : e)
        .distinct().limit(5).forEach(e -> System.out.println("  a failed try: " + e));
    assertThat(lost).as("acknowledged events lost").isZero();
    assertThat(duplicated).as("events stored twice").isZero();
    assertThat(brokenChains).as("chains that do not verify").isEmpty();
    assertThat(acknowledged).as("every stored event was acknowledged, and only once").hasSize(stored);
  }

  @Test
  void withTheReplicaDownAnAppendFailsClearlyAndItsRetryStoresItOnce() throws Exception {
    SentinelRedis.Node replica = cluster.nodes().stream().filter(n -> n.port() != cluster.primary().port())
        .findFirst().orElseThrow();
    trail.append("down-1", "replica-down", EventType.NOTE_ADDED, "system", new JsonObject()).await();
    replica.stop();
    Throwable failure = null;
    try {
      trail.append("down-2", "replica-down", EventType.NOTE_ADDED, "system", new JsonObject()).await();
    } catch (Throwable t) {
      failure = t;
    }
    assertThat(failure).isInstanceOf(NotReplicatedException.class)
        .hasMessageContaining("0 of 1 acknowledged").hasMessageContaining("KANYAN_REDIS_REPLICA_ACKS");
    cluster.restartAsReplica(replica);
    cluster.awaitHealthy(Duration.ofSeconds(60));
    TrailEvent retried = trail.append("down-2", "replica-down", EventType.NOTE_ADDED, "system", new JsonObject())
        .await();
    List<TrailEvent> events = trail.read("replica-down").await();
    assertThat(events).extracting(TrailEvent::id).containsExactly("down-1", "down-2");
    assertThat(retried.seq()).isEqualTo(2);
    assertThat(Chain.firstBreak("replica-down", events)).isNull();
  }

  @Test
  void theDurabilityCheckReadsTheSentinelManagedPrimary() {
    assertThat(io.kanyan.recorder.redis.Durability.check(redis, false).await()).isEmpty();
    // The replica is not what is checked: turning AOF off there changes nothing; on the primary it is refused.
    SentinelRedis.Node replica = cluster.nodes().stream().filter(n -> n.port() != cluster.primary().port())
        .findFirst().orElseThrow();
    cluster.config(replica.port(), "appendonly", "no");
    assertThat(io.kanyan.recorder.redis.Durability.check(redis, false).await()).isEmpty();
    cluster.config(cluster.primary().port(), "appendonly", "no");
    Throwable refused = null;
    try {
      io.kanyan.recorder.redis.Durability.check(redis, false).await();
    } catch (Throwable t) {
      refused = t;
    }
    assertThat(refused).isInstanceOf(io.kanyan.recorder.redis.Durability.NotDurableException.class)
        .hasMessageContaining("appendonly");
  }

  @Test
  void sentinelsWithAPasswordOfTheirOwnAreReachedWithIt(Vertx vertx, @TempDir Path dir) {
    try (SentinelRedis guarded = SentinelRedis.start(dir.resolve("guarded"), 1, "sentinel-secret")) {
      Throwable refused = null;
      try {
        RedisStore.connect(vertx, guarded.url(), ReplicaAcks.NONE).await().close();
      } catch (Throwable t) {
        refused = t;
      }
      assertThat(refused).as("the URL's password is the nodes', not the sentinels'")
          .isInstanceOf(io.kanyan.recorder.redis.RedisUnavailableException.class);
      RedisStore store = RedisStore.connect(vertx, guarded.url(), new ReplicaAcks(1, Duration.ofSeconds(1)),
          "sentinel-secret").await();
      try {
        Trail guardedTrail = new Trail(store, Clock.systemUTC());
        guardedTrail.append("g-1", "guarded", EventType.NOTE_ADDED, "system", new JsonObject()).await();
        assertThat(guardedTrail.read("guarded").await()).extracting(TrailEvent::id).containsExactly("g-1");
      } finally {
        store.close();
      }
    }
  }

  /**
   * Appends evt-1, evt-2, ... to {@code inspection}, each retried with its own id until acknowledged; completes
   * {@code finished} once {@code done} is set (one promise for the whole run: a promise per event, each completed by
   * the next, would unwind thousands deep at the end).
   */
  private Future<Void> appendUntil(String inspection, AtomicBoolean done) {
    Promise<Void> finished = Promise.promise();
    appendFrom(inspection, 1, done, finished);
    return finished.future();
  }

  private void appendFrom(String inspection, int n, AtomicBoolean done, Promise<Void> finished) {
    if (done.get()) {
      written.put(inspection, n - 1);
      finished.complete();
      return;
    }
    appendOnce(inspection, n).onComplete(x -> appendFrom(inspection, n + 1, done, finished));
  }

  private Future<Void> appendOnce(String inspection, int n) {
    String id = inspection + "/evt-" + n;
    return trail.append(id, inspection, EventType.NOTE_ADDED, "system", new JsonObject().put("n", n))
        .<Void>map(e -> {
          acknowledged.add(e.id());
          lastAck.set(System.nanoTime());
          return null;
        })
        .recover(err -> {
          errors.add(id + ": " + err);
          return redis.vertx().timer(100).compose(t -> appendOnce(inspection, n));
        });
  }
}
