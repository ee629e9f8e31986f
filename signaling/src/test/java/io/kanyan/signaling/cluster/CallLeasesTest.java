package io.kanyan.signaling.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.testing.TestRedis;
import io.kanyan.signaling.inspection.CallOwners;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Two nodes' leases on one real Redis: renewal, refusal, takeover with a higher token, and a stale owner. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CallLeasesTest {

  TestRedis redis;
  Vertx vertx;
  RedisStore store;

  /** What a node's calls heard from its leases. */
  static final class Heard implements CallOwners.Listener {
    final List<String> lost = new CopyOnWriteArrayList<>();
    final List<String> orphaned = new CopyOnWriteArrayList<>();

    @Override
    public void lost(String id) {
      lost.add(id);
    }

    @Override
    public void orphaned(String id) {
      orphaned.add(id);
    }

    @Override
    public Future<Void> forwarded(String id, JsonObject op) {
      return Future.succeededFuture();
    }
  }

  @BeforeEach
  void start() {
    redis = TestRedis.start();
    vertx = Vertx.vertx();
    store = RedisStore.connect(vertx, redis.url()).await();
  }

  @AfterEach
  void stop() {
    store.close();
    vertx.close().await();
    redis.close();
  }

  CallLeases node(String name, Heard heard) {
    NodeBus bus = new NodeBus(vertx, store, name);
    CallLeases leases = new CallLeases(vertx, store, bus, Duration.ofMillis(1500));
    leases.listen(heard);
    bus.start().await();
    leases.start();
    return leases;
  }

  static void waitFor(java.util.function.BooleanSupplier done) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 20_000;
    while (!done.getAsBoolean() && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
    }
    assertThat(done.getAsBoolean()).isTrue();
  }

  @Test
  void anOwnerKeepsItsLeaseAndASurvivorTakesItOverWithAHigherTokenOnceItStopsRenewing() throws Exception {
    String id = UUID.randomUUID().toString();
    Heard a = new Heard();
    Heard b = new Heard();
    CallLeases nodeA = node("node-a", a);
    CallLeases nodeB = node("node-b", b);
    CallOwners.Claim first = nodeA.claim(id).await();
    assertThat(first.owner()).isEqualTo("node-a");
    assertThat(nodeB.claim(id).await().owner()).as("held: node b is told who owns it").isEqualTo("node-a");
    // Three lease lifetimes later node a still holds it: renewed, never orphaned.
    Thread.sleep(4500);
    assertThat(nodeA.owner(id).await()).isEqualTo("node-a");
    assertThat(b.orphaned).doesNotContain(id);

    nodeA.stop();
    waitFor(() -> b.orphaned.contains(id));
    CallOwners.Claim second = nodeB.claim(id).await();
    assertThat(second.owner()).isEqualTo("node-b");
    assertThat(second.previous()).isEqualTo("node-a");
    assertThat(second.token()).isGreaterThan(first.token());
    // Node a's state write is refused and tells its calls the lease is gone.
    nodeA.save(id, new JsonObject().put("stale", true)).await();
    assertThat(a.lost).containsExactly(id);
    assertThat(nodeB.state(id).await()).isNull();
    nodeB.save(id, new JsonObject().put("seats", new JsonObject())).await();
    assertThat(nodeB.state(id).await()).isEqualTo(new JsonObject().put("seats", new JsonObject()));
    nodeB.release(id).await();
    assertThat(nodeB.owner(id).await()).isNull();
    nodeB.stop();
  }
}
