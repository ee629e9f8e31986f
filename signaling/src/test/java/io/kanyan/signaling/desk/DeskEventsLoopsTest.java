package io.kanyan.signaling.desk;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.testing.Loops;
import io.kanyan.recorder.testing.TestRedis;
import io.kanyan.signaling.auth.Revocations;
import io.kanyan.signaling.auth.Tokens;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The desks' event streams opened from requests on four event loops at once, while the changes and revocations are
 * heard on the server's loop: every desk is registered and unregistered exactly, and each is told its changes, in
 * order, and its revocation on the loop it connected from (a desk's stream and timers belong to that loop).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DeskEventsLoopsTest {

  static TestRedis server;
  static Loops loops;
  static RedisStore redis;

  @BeforeAll
  static void start() {
    server = TestRedis.start();
    loops = Loops.start(4);
    redis = RedisStore.connect(loops.vertx(), server.url()).await();
  }

  @AfterAll
  static void stop() {
    redis.close();
    loops.close();
    server.close();
  }

  /** A desk that notes what it is told, and whether it was told on the context it connected from. */
  static final class Noting implements DeskEvents.Desk {
    final Context home = Vertx.currentContext();
    final ConcurrentLinkedQueue<Integer> statuses = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<String> revoked = new ConcurrentLinkedQueue<>();
    final AtomicInteger elsewhere = new AtomicInteger();

    private void where() {
      if (Vertx.currentContext() != home) {
        elsewhere.incrementAndGet();
      }
    }

    @Override
    public void status(JsonObject state) {
      where();
      statuses.add(state.getInteger("n"));
    }

    @Override
    public void revoked(String code) {
      where();
      revoked.add(code);
    }

    @Override
    public void resync() {
      where();
    }
  }

  @Test
  void desksConnectingAndLeavingOnEveryLoopAtOnceAreCountedExactly() {
    DeskEvents events = new DeskEvents(redis, new Revocations(loops.vertx()));
    List<List<Runnable>> kept = new ArrayList<>();
    for (int i = 0; i < loops.size(); i++) {
      kept.add(new ArrayList<>());
    }

    // Each loop connects 3,000 desks of 20 inspectors and at once disconnects every other one.
    loops.atOnce(loop -> {
      for (int i = 0; i < 3_000; i++) {
        Runnable leave = events.connect("inspector" + (i % 20), Tokens.random(), new Noting());
        if (i % 2 == 0) {
          leave.run();
        } else {
          kept.get(loop).add(leave);
        }
      }
    });
    assertThat(events.connected()).isEqualTo(loops.size() * 1_500);

    loops.atOnce(loop -> kept.get(loop).forEach(Runnable::run));
    assertThat(events.connected()).isZero();
  }

  @Test
  void eachDeskHearsItsChangesInOrderAndItsRevocationOnItsOwnLoop() throws Exception {
    Revocations revocations = new Revocations(loops.vertx());
    DeskEvents events = new DeskEvents(redis, revocations);
    // The server's loop: where the subscription and the revocations are heard.
    onServerLoop(events::start).await(10, TimeUnit.SECONDS);
    String session = Tokens.random();
    List<Noting> desks = loops.on(loop -> {
      Noting desk = new Noting();
      events.connect("olive", session, desk);
      return Future.succeededFuture(desk);
    });

    int changes = 200;
    for (int n = 1; n <= changes; n++) {
      String message = new JsonObject().put("inspectionId", "i1").put("state", new JsonObject().put("n", n)).encode();
      redis.call(c -> c.publish(DeskStore.CHANNEL + "olive", message)).await();
    }
    revocations.publish(Revocations.Kind.SESSION, Tokens.digest(session), "session_ended");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (desks.stream().anyMatch(d -> d.revoked.isEmpty() || d.statuses.size() < changes)
        && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }

    List<Integer> inOrder = new ArrayList<>();
    for (int n = 1; n <= changes; n++) {
      inOrder.add(n);
    }
    for (Noting desk : desks) {
      assertThat(new ArrayList<>(desk.statuses)).isEqualTo(inOrder);
      assertThat(desk.revoked).containsExactly("session_ended");
      assertThat(desk.elsewhere.get()).as("calls on another loop than the desk's").isZero();
    }
    events.stop();
  }

  /** Runs {@code start} on a context of its own, as the server verticle's start does. */
  private static Future<Void> onServerLoop(Supplier<Future<Void>> start) {
    Promise<Void> done = Promise.promise();
    Context serverLoop = loops.vertx().getOrCreateContext();
    serverLoop.runOnContext(v -> start.get().onComplete(done));
    return done.future();
  }
}
