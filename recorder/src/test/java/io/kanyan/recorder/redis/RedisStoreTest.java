package io.kanyan.recorder.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.testing.TestRedis;
import io.lettuce.core.RedisChannelWriter;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.StatefulRedisConnectionImpl;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.protocol.PushHandler;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Connecting to Redis never runs Lettuce's slow connection set-up on an event loop. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RedisStoreTest {

  TestRedis redis;
  Vertx vertx;

  @BeforeEach
  void start() {
    redis = TestRedis.start();
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() {
    vertx.close().await();
    redis.close();
  }

  @Test
  void buildsTheConnectionOffTheEventLoopWhenCalledOnIt() {
    List<String> builtOn = new ArrayList<>();
    Context eventLoop = vertx.getOrCreateContext();
    assertThat(eventLoop.isEventLoopContext()).isTrue();
    Promise<RedisStore> connected = Promise.promise();
    eventLoop.runOnContext(v -> RedisStore.connect(vertx, redis.url(), uri -> new WatchedClient(uri, builtOn))
        .onComplete(connected));
    RedisStore store = connected.future().await();
    try {
      assertThat(builtOn).hasSize(1);
      assertThat(builtOn.get(0)).doesNotContain("eventloop");
      assertThat(store.call(c -> c.ping()).await()).isEqualTo("PONG");
    } finally {
      store.close();
    }
  }

  /** Notes the thread on which Lettuce builds the connection object (and its reflective command proxies). */
  static final class WatchedClient extends RedisClient {

    private final List<String> builtOn;

    WatchedClient(RedisURI uri, List<String> builtOn) {
      super(null, uri); // null: the client makes and shuts down its own resources
      this.builtOn = builtOn;
    }

    @Override
    protected <K, V> StatefulRedisConnectionImpl<K, V> newStatefulRedisConnection(RedisChannelWriter writer,
        PushHandler pushHandler, RedisCodec<K, V> codec, Duration timeout) {
      builtOn.add(Thread.currentThread().getName() + (Context.isOnEventLoopThread() ? " eventloop" : ""));
      return super.newStatefulRedisConnection(writer, pushHandler, codec, timeout);
    }
  }
}
