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

/** Connecting to Redis (never running Lettuce's slow set-up on an event loop) and acknowledged writes. */
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

  @Test
  void aWriteThatNoReplicaAcknowledgesFailsAsNotReplicated() {
    RedisStore store = RedisStore.connect(vertx, redis.url(), new ReplicaAcks(1, Duration.ofMillis(100))).await();
    try {
      Throwable failure = null;
      try {
        store.probeWrite("kanyan:test:ack", "1").await();
      } catch (Throwable t) {
        failure = t;
      }
      // The write is on the (replica-less) primary, but not acknowledged: a kind of unavailable, so it is resent.
      assertThat(failure).isInstanceOf(NotReplicatedException.class).isInstanceOf(RedisUnavailableException.class)
          .hasMessageContaining("0 of 1 acknowledged within 100 ms");
      assertThat(store.call(c -> c.get("kanyan:test:ack")).await()).isEqualTo("1");
    } finally {
      store.close();
    }
    RedisStore single = RedisStore.connect(vertx, redis.url()).await();
    try {
      single.probeWrite("kanyan:test:ack", "2").await();
      assertThat(single.call(c -> c.get("kanyan:test:ack")).await()).isEqualTo("2");
    } finally {
      single.close();
    }
  }

  @Test
  void errorsOfANodeThatIsNoLongerThePrimaryCountAsUnavailable() {
    for (String message : List.of("READONLY You can't write against a read only replica.",
        "ERR WAIT cannot be used with replica instances. Please also note ...",
        "ERR Error running script (call to f_x): @user_script:43: -READONLY You can't write against a read only replica.",
        "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
        "NOREPLICAS Not enough good replicas to write.")) {
      assertThat(RedisUnavailableException.wrap(new io.lettuce.core.RedisCommandExecutionException(message)))
          .as(message).isInstanceOf(RedisUnavailableException.class);
    }
    assertThat(RedisUnavailableException.wrap(new io.lettuce.core.RedisCommandExecutionException("ERR syntax error")))
        .isNotInstanceOf(RedisUnavailableException.class);
    assertThat(RedisUnavailableException.wrap(new java.util.concurrent.CancellationException()))
        .isInstanceOf(RedisUnavailableException.class);
  }

  @Test
  void opensPublishSubscribeConnectionsToTheSameRedis() {
    RedisStore store = RedisStore.connect(vertx, redis.url()).await();
    try {
      var pubSub = store.pubSub().await();
      java.util.concurrent.CompletableFuture<String> heard = new java.util.concurrent.CompletableFuture<>();
      pubSub.addListener(new io.lettuce.core.pubsub.RedisPubSubAdapter<>() {
        @Override
        public void message(String channel, String message) {
          heard.complete(message);
        }
      });
      pubSub.async().subscribe("kanyan:test").toCompletableFuture().join();
      store.call(c -> c.publish("kanyan:test", "hello")).await();
      assertThat(heard.orTimeout(10, TimeUnit.SECONDS).join()).isEqualTo("hello");
      pubSub.close();
    } finally {
      store.close();
    }
  }

  @Test
  void oneSharedSubscriberConnectionCarriesChannelsAndPatternsEachUnsubscribedAlone() throws Exception {
    RedisStore store = RedisStore.connect(vertx, redis.url()).await();
    try {
      RedisPubSub shared = store.subscriber().await();
      assertThat(store.subscriber().await()).as("the same connection for every caller").isSameAs(shared);
      java.util.concurrent.BlockingQueue<String> heard = new java.util.concurrent.LinkedBlockingQueue<>();
      java.util.concurrent.atomic.AtomicInteger confirmed = new java.util.concurrent.atomic.AtomicInteger();
      shared.subscribe("kanyan:node:a", m -> heard.add("channel " + m)).await();
      shared.psubscribe("kanyan:desk:*", (channel, m) -> heard.add(channel + " " + m), confirmed::incrementAndGet)
          .await();
      assertThat(store.call(c -> c.clientList()).await().lines().filter(l -> l.contains(" sub=1 psub=1 ")).count())
          .as("one connection holds both subscriptions").isEqualTo(1);
      store.call(c -> c.publish("kanyan:node:a", "hello")).await();
      store.call(c -> c.publish("kanyan:desk:wang", "{}")).await();
      assertThat(List.of(heard.poll(10, TimeUnit.SECONDS), heard.poll(10, TimeUnit.SECONDS)))
          .containsExactlyInAnyOrder("channel hello", "kanyan:desk:wang {}");
      assertThat(confirmed.get()).as("the pattern's subscription was confirmed").isEqualTo(1);

      shared.unsubscribe("kanyan:node:a").await();
      assertThat(store.call(c -> c.publish("kanyan:node:a", "gone")).await()).isZero();
      store.call(c -> c.publish("kanyan:desk:li", "still")).await();
      assertThat(heard.poll(10, TimeUnit.SECONDS)).as("the pattern goes on").isEqualTo("kanyan:desk:li still");
    } finally {
      store.close();
    }
  }

  @Test
  void aSentinelUrlIsDescribedWithoutItsPassword() {
    RedisURI uri = RedisURI.create("redis-sentinel://:secret@10.0.0.1:26379,10.0.0.2:26380/0#kanyan");
    assertThat(RedisStore.where(uri)).isEqualTo("master 'kanyan' through the sentinels 10.0.0.1:26379,10.0.0.2:26380")
        .doesNotContain("secret");
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
