package io.kanyan.recorder.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kanyan.recorder.testing.TestRedis;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The start-up check refuses a Redis that could lose the trail, with a message that says how to fix it. */
@ExtendWith(VertxExtension.class)
class DurabilityTest {

  TestRedis server;
  RedisStore redis;

  @BeforeEach
  void start(Vertx vertx) {
    server = TestRedis.start();
    redis = RedisStore.connect(vertx, server.url()).await();
  }

  @AfterEach
  void stop() {
    redis.close();
    server.close();
  }

  @Test
  void acceptsAofWithNoEviction() {
    assertThat(Durability.check(redis, false).await()).isEmpty();
  }

  @Test
  void refusesRedisWithoutPersistence() {
    redis.call(c -> c.configSet("appendonly", "no")).await();
    assertThatThrownBy(() -> Durability.check(redis, false).await())
        .isInstanceOf(Durability.NotDurableException.class)
        .hasMessageContaining("persistence is off")
        .hasMessageContaining("deploy/redis.conf")
        .hasMessageContaining("KANYAN_ALLOW_VOLATILE_REDIS");
  }

  @Test
  void refusesAnEvictionPolicyThatCouldDropKeys() {
    redis.call(c -> c.configSet("maxmemory-policy", "allkeys-lru")).await();
    assertThatThrownBy(() -> Durability.check(redis, false).await())
        .hasMessageContaining("allkeys-lru").hasMessageContaining("noeviction");
  }

  @Test
  void theDevelopmentOverrideStartsAnywayAndSaysWhy() {
    redis.call(c -> c.configSet("appendonly", "no")).await();
    assertThat(Durability.check(redis, true).await()).contains("persistence is off");
  }
}
