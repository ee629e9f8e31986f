package io.kanyan.recorder.trail;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.testing.TestRedis;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
class TrailTest {

  static TestRedis server;
  RedisStore redis;
  Trail trail;

  @BeforeAll
  static void startRedis() {
    server = TestRedis.start();
  }

  @AfterAll
  static void stopRedis() {
    server.close();
  }

  @BeforeEach
  void connect(Vertx vertx) throws Exception {
    redis = RedisStore.connect(vertx, server.url()).await();
    trail = new Trail(redis, Clock.systemUTC());
  }

  @AfterEach
  void close() {
    redis.close();
  }

  @Test
  void aFencedAppendIsStoredOnlyWhileTheLeaseHoldsTheWritersValue() {
    String id = UUID.randomUUID().toString();
    String lease = "kanyan:test:lease:" + id;
    redis.call(c -> c.set(lease, "7:node-a")).await();
    Trail.Fence a = new Trail.Fence(lease, "7:node-a");
    TrailEvent stored = trail.append("e1-" + id, id, EventType.NOTE_ADDED, "user:a", new JsonObject(), a).await();
    // Another node takes the lease over (a higher fencing token): node a's next append is refused, nothing stored.
    redis.call(c -> c.set(lease, "8:node-b")).await();
    Throwable stale = trail.append("e2-" + id, id, EventType.NOTE_ADDED, "user:a", new JsonObject(), a)
        .map(e -> (Throwable) null).otherwise(err -> err).await();
    assertThat(stale).isInstanceOf(Trail.FencedException.class).hasMessageContaining("8:node-b");
    // A resend of the event that was stored under the old lease still answers the stored event.
    assertThat(trail.append("e1-" + id, id, EventType.NOTE_ADDED, "user:a", new JsonObject(), a).await().hash())
        .isEqualTo(stored.hash());
    // With no lease at all the fence refuses too; the holder of the new lease appends.
    trail.append("e3-" + id, id, EventType.NOTE_ADDED, "user:b", new JsonObject(),
        new Trail.Fence(lease, "8:node-b")).await();
    assertThat(trail.read(id).await()).extracting(TrailEvent::id).containsExactly("e1-" + id, "e3-" + id);
    redis.call(c -> c.del(lease)).await();
    Throwable none = trail.append("e4-" + id, id, EventType.NOTE_ADDED, "user:b", new JsonObject(),
        new Trail.Fence(lease, "8:node-b")).map(e -> (Throwable) null).otherwise(err -> err).await();
    assertThat(none).isInstanceOf(Trail.FencedException.class).hasMessageContaining("nobody");
  }

  @Test
  void latestFindsTheNewestEventOfATypePagesBackFromTheHead() {
    String id = "insp-latest-" + java.util.UUID.randomUUID();
    trail.append(id, EventType.LOCATION_FIX, "applicant", new JsonObject().put("lat", 1.0)).await();
    trail.append(id, EventType.LOCATION_FIX, "applicant", new JsonObject().put("lat", 2.0)).await();
    for (int i = 0; i < 450; i++) {
      trail.append(id, EventType.RECORDING_SLICE, "user:wang", new JsonObject().put("seq", i)).await();
    }
    TrailEvent fix = trail.latest(id, EventType.LOCATION_FIX).await().orElseThrow();
    assertThat(fix.seq()).as("the second fix, three pages back").isEqualTo(2);
    assertThat(trail.latest(id, EventType.NOTE_ADDED).await()).isEmpty();
  }

  @Test
  void listenersSeeEachStoredEventAndTheStoredOneWhenAnAppendIsRepeated() {
    String id = UUID.randomUUID().toString();
    List<TrailEvent> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    trail.onAppended(seen::add);
    TrailEvent first = trail.append("fixed-ended", id, EventType.INSPECTION_ENDED, "user:alice",
        new JsonObject().put("reason", "concluded")).await();
    trail.append(id, EventType.NOTE_ADDED, "user:alice", new JsonObject()).await();
    // The same event id again (a retried end): the stored event, not a new one, reaches the listener.
    TrailEvent again = trail.append("fixed-ended", id, EventType.INSPECTION_ENDED, "user:alice",
        new JsonObject().put("reason", "other")).await();
    assertThat(again.hash()).isEqualTo(first.hash());
    assertThat(seen).extracting(TrailEvent::hash).containsExactly(first.hash(), seen.get(1).hash(), first.hash());
    assertThat(seen.get(1).type()).isEqualTo(EventType.NOTE_ADDED);
  }

  @Test
  void appendsFormAValidChainReadBackInOrder() {
    String inspection = UUID.randomUUID().toString();
    for (EventType type : List.of(EventType.INSPECTION_CREATED, EventType.INVITE_ISSUED, EventType.PARTICIPANT_JOINED)) {
      trail.append(inspection, type, "user:alice", new JsonObject().put("n", type.ordinal())).await();
    }
    List<TrailEvent> events = trail.read(inspection).await();
    assertThat(events).extracting(TrailEvent::type)
        .containsExactly(EventType.INSPECTION_CREATED, EventType.INVITE_ISSUED, EventType.PARTICIPANT_JOINED);
    assertThat(events).extracting(TrailEvent::seq).containsExactly(1L, 2L, 3L);
    assertThat(events.get(0).prevHash()).isEqualTo(Chain.GENESIS);
    assertThat(Chain.firstBreak(inspection, events)).isNull();
  }

  @Test
  void retriedAppendWithSameIdStoresNothingNew() {
    String inspection = UUID.randomUUID().toString();
    TrailEvent first = trail.append("evt-1", inspection, EventType.NOTE_ADDED, "user:a", new JsonObject()).await();
    TrailEvent again = trail.append("evt-1", inspection, EventType.NOTE_ADDED, "user:a", new JsonObject()).await();
    assertThat(again.hash()).isEqualTo(first.hash());
    assertThat(trail.read(inspection).await()).hasSize(1);
  }

  @Test
  void twoWritersWithStaleHeadsStillMakeOneLinearChain(Vertx vertx) {
    String inspection = UUID.randomUUID().toString();
    // A second Trail instance plays a second server node with its own head cache.
    RedisStore other = RedisStore.connect(vertx, server.url()).await();
    Trail node2 = new Trail(other, Clock.systemUTC());
    List<Future<TrailEvent>> all = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      Trail node = i % 2 == 0 ? trail : node2;
      all.add(node.append(inspection, EventType.NOTE_ADDED, "user:n" + (i % 2), new JsonObject().put("i", i)));
    }
    Future.all(all).await();
    List<TrailEvent> events = trail.read(inspection).await();
    assertThat(events).hasSize(40);
    assertThat(Chain.firstBreak(inspection, events)).isNull();
    other.close();
  }

  @Test
  void tamperedPayloadIsDetected() {
    String inspection = UUID.randomUUID().toString();
    trail.append(inspection, EventType.INSPECTION_CREATED, "user:a", new JsonObject().put("case", "A-1")).await();
    trail.append(inspection, EventType.NOTE_ADDED, "user:a", new JsonObject().put("text", "ok")).await();
    List<TrailEvent> events = new ArrayList<>(trail.read(inspection).await());
    TrailEvent e = events.get(1);
    events.set(1, new TrailEvent(e.id(), e.inspectionId(), e.seq(), e.type(), e.actor(), e.time(),
        "{\"text\":\"not ok\"}", e.prevHash(), e.hash()));
    assertThat(Chain.firstBreak(inspection, events)).contains("#2").contains("altered");
  }
}
