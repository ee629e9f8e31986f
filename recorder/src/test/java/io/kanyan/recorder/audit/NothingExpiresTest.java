package io.kanyan.recorder.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.testing.TestRedis;
import io.kanyan.recorder.trail.Checkpoints;
import io.kanyan.recorder.trail.EventType;
import io.kanyan.recorder.trail.Trail;
import io.kanyan.recorder.trail.WriterLease;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.ScanCursor;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The trail is permanent: no key the recorder writes has a time to live. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class NothingExpiresTest {

  @Test
  void noKeyWrittenByTrailCheckpointsOrCaseFilesHasATtl(Vertx vertx, @TempDir Path dataDir) {
    try (TestRedis server = TestRedis.start()) {
      RedisStore redis = RedisStore.connect(vertx, server.url()).await();
      Trail trail = new Trail(redis, Clock.systemUTC());
      CaseFiles cases = new CaseFiles(redis, new byte[32]);
      Checkpoints checkpoints = Checkpoints.open(vertx, redis, Clock.systemUTC(), Checkpoints.Settings.under(dataDir)).await();
      CaseFile file = new CaseFile("insp-ttl", "KY-TTL", "Fire Safety", "wang", "Wang", "张三", "138****8000",
          cases.phoneHash("13800138000"), "1 Road", null, null, CaseFile.Status.CREATED, Instant.now(), null, null,
          null, null);
      cases.create(file).await();
      cases.update(file.withStatus(CaseFile.Status.ENDED, Instant.now(), Instant.now(), "pass", "")).await();
      trail.append("insp-ttl", EventType.INSPECTION_CREATED, "user:wang", new JsonObject()).await();
      new Archive(cases, trail).recordAccess("insp-ttl", "user:auditor", "detail").await();
      checkpoints.checkpointNow().await();

      List<String> keys = new ArrayList<>();
      ScanCursor cursor = ScanCursor.INITIAL;
      do {
        ScanCursor from = cursor;
        KeyScanCursor<String> page = redis.call(c -> c.scan(from)).await();
        keys.addAll(page.getKeys());
        cursor = page;
      } while (!cursor.isFinished());
      assertThat(keys).contains(Trail.streamKey("insp-ttl"), Trail.idsKey("insp-ttl"), Trail.HEADS_KEY,
          Checkpoints.REDIS_KEY, CaseFiles.key("insp-ttl"), CaseFiles.BY_TIME);
      for (String key : keys) {
        if (key.equals(WriterLease.KEY)) {
          // The checkpoint writer's lease is no evidence: it must expire, so that another node can take over.
          assertThat(redis.call(c -> c.ttl(key)).await()).as("TTL of the writer's lease").isPositive();
          continue;
        }
        assertThat(redis.call(c -> c.ttl(key)).await()).as("TTL of %s", key).isEqualTo(-1L);
      }
      redis.close();
    }
  }
}
