package io.kanyan.signaling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kanyan.recorder.redis.Durability;
import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.testing.TestRedis;
import io.kanyan.signaling.auth.Passwords;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server refuses to start on a Redis that could lose the trail, unless told it is a throwaway. */
class DurabilityStartTest {

  @Test
  void theServerRefusesAVolatileRedisUnlessOverridden(@TempDir Path data) throws Exception {
    Vertx vertx = Vertx.vertx();
    try (TestRedis redis = TestRedis.start()) {
      RedisStore admin = RedisStore.connect(vertx, redis.url()).await();
      admin.call(c -> c.configSet("appendonly", "no")).await();
      Map<String, String> env = Map.of("REDIS_URL", redis.url(),
          "KANYAN_DATA_DIR", data.toString(),
          "KANYAN_TLS", "false", "KANYAN_DEV_HTTP_PORT", "0", "KANYAN_ADMIN_PASSWORD", "volatile-admin-1");
      assertThatThrownBy(() -> Main.start(vertx, Config.from(env), new Passwords(1000), Clock.systemUTC()).await())
          .isInstanceOf(Durability.NotDurableException.class).hasMessageContaining("refusing to start");

      java.util.HashMap<String, String> dev = new java.util.HashMap<>(env);
      dev.put("KANYAN_ALLOW_VOLATILE_REDIS", "true");
      Main.Running running = Main.start(vertx, Config.from(dev), new Passwords(1000), Clock.systemUTC()).await();
      assertThat(running.server().devHttpPort()).isPositive();
      running.storage().close();
      admin.close();
    } finally {
      vertx.close().await();
    }
  }
}
