package io.kanyan.recorder.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;

/**
 * Loads a benchmark's data: {@code count} asynchronous writes, at most {@code window} in flight, all on one Vert.x
 * context (so the seeded {@link Random} is used from one thread and the data is the same every run).
 */
final class WindowedLoad {

  private static final int WINDOW = 2_000;

  private WindowedLoad() {
  }

  /** Runs {@code write(i, random)} for i = 0 .. count-1 and waits for the last; prints progress every 100,000. */
  static void run(Vertx vertx, int count, BiFunction<Integer, Random, Future<?>> write) {
    Promise<Void> done = Promise.promise();
    AtomicInteger next = new AtomicInteger();
    vertx.runOnContext(v -> {
      AtomicInteger running = new AtomicInteger(WINDOW);
      Random random = new Random(42);
      for (int w = 0; w < WINDOW; w++) {
        next(count, write, next, random, running, done);
      }
    });
    done.future().await();
  }

  private static void next(int count, BiFunction<Integer, Random, Future<?>> write, AtomicInteger next, Random random,
      AtomicInteger running, Promise<Void> done) {
    int i = next.getAndIncrement();
    if (i >= count) {
      if (running.decrementAndGet() == 0) {
        done.complete();
      }
      return;
    }
    if (i > 0 && i % 100_000 == 0) {
      System.out.printf("  ... %,d%n", i);
    }
    write.apply(i, random).onComplete(x -> next(count, write, next, random, running, done));
  }
}
