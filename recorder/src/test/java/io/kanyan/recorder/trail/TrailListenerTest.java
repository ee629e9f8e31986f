package io.kanyan.recorder.trail;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.testing.TestRedis;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** What subscribes to the append path (webhooks) hears each stored event exactly once, and cannot break an append. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class TrailListenerTest {

  @Test
  void aListenerHearsEachStoredEventAndAResendAgainAndAFailingOneBreaksNothing(Vertx vertx) {
    try (TestRedis server = TestRedis.start()) {
      RedisStore redis = RedisStore.connect(vertx, server.url()).await();
      Trail trail = new Trail(redis, Clock.systemUTC());
      List<TrailEvent> heard = new CopyOnWriteArrayList<>();
      trail.onAppended(e -> {
        throw new IllegalStateException("a broken listener");
      });
      trail.onAppended(heard::add);

      TrailEvent first = trail.append("created-1", "insp-l", EventType.INSPECTION_CREATED, "user:wang",
          new JsonObject()).await();
      // The same event again (a retried request whose first reply was lost): stored once, and heard again with
      // the stored event, so a listener that missed the first append still hears it; listeners are idempotent.
      trail.append("created-1", "insp-l", EventType.INSPECTION_CREATED, "user:wang", new JsonObject()).await();
      trail.append("insp-l", EventType.NOTE_ADDED, "user:wang", new JsonObject().put("text", "n")).await();

      assertThat(heard).extracting(TrailEvent::id).containsExactly("created-1", "created-1", heard.get(2).id());
      assertThat(heard.get(0).hash()).isEqualTo(first.hash());
      assertThat(heard.get(1).hash()).as("the stored event, not a second one").isEqualTo(first.hash());
      assertThat(heard.get(2).type()).isEqualTo(EventType.NOTE_ADDED);
      assertThat(trail.read("insp-l").await()).hasSize(2);
      redis.close();
    }
  }

  @Test
  void systemChainsAreTheOnesNamedKanyan() {
    assertThat(Trail.isSystemChain("kanyan-integrations")).isTrue();
    assertThat(Trail.isSystemChain("kanyan-alarms")).isTrue();
    assertThat(Trail.isSystemChain("0b6f8f7e-3c2a-4d8e-9f1a-2b3c4d5e6f70")).isFalse();
  }
}
