package io.kanyan.signaling.media.kurento;

import io.kanyan.recorder.testing.TestMedia;
import io.kanyan.signaling.media.IceServers;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Shared pieces of the Kurento tests: the WebM fixture, settings, running on a call context, polling. */
final class KurentoTestSupport {

  private static Path fixture;

  private KurentoTestSupport() {
  }

  /** A real 1-second streamed WebM, made once per JVM. */
  static synchronized Path fixture() throws Exception {
    if (fixture == null) {
      Path dir = Files.createTempDirectory("kanyan-kms-fixture");
      // Shared by every test class of the run: gone when the JVM exits (deleteOnExit runs in reverse order).
      dir.toFile().deleteOnExit();
      dir.resolve("kms-recording.webm").toFile().deleteOnExit();
      fixture = TestMedia.liveWebm(dir.resolve("kms-recording.webm"), 1);
    }
    return fixture;
  }

  static KurentoSettings settings(List<String> urls, Path recordings, String serverId) {
    return new KurentoSettings(urls, recordings, "file://" + recordings.toAbsolutePath(), serverId,
        Duration.ofSeconds(10), Duration.ofSeconds(5), Duration.ofMillis(500), Duration.ofMillis(1500),
        Duration.ofMillis(500));
  }

  /**
   * Starts Kurento mode and waits until {@code live} media servers are live: on a loaded machine the first
   * kurento-client connection of a JVM can outlast one attempt, and the pool then retries in the background.
   */
  static KurentoMedia startMedia(Vertx vertx, KurentoSettings settings, int live) {
    KurentoMedia media = KurentoMedia.start(vertx, settings, iceServers()).await();
    eventually(vertx, Duration.ofSeconds(20), () -> media.pool().liveCount() >= live);
    return media;
  }

  static IceServers iceServers() {
    return new IceServers(List.of("stun:192.0.2.10:3478"), List.of("turn:192.0.2.10:3478?transport=udp"),
        "test-secret", Duration.ofHours(1), Clock.systemUTC());
  }

  /** Runs {@code work} on {@code context} (as the Call would) and waits for its result. */
  static <T> T on(Context context, Supplier<Future<T>> work) {
    Promise<T> promise = Promise.promise();
    context.runOnContext(v -> work.get().onComplete(promise));
    return promise.future().await();
  }

  /** The failure of a future that must fail. */
  static Throwable failureOf(Future<?> future) {
    return future.transform(ar -> Future.succeededFuture(ar.cause())).await();
  }

  /** Polls a condition that has no event (pool state after a reconnect) every 50 ms, up to {@code timeout}. */
  static void eventually(Vertx vertx, Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within " + timeout);
      }
      Promise<Void> tick = Promise.promise();
      vertx.setTimer(50, id -> tick.complete());
      tick.future().await();
    }
  }

  static JsonObject candidate(String text) {
    return new JsonObject().put("candidate", text).put("sdpMid", "0").put("sdpMLineIndex", 0);
  }
}
