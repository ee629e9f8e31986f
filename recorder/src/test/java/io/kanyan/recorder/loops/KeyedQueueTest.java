package io.kanyan.recorder.loops;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.testing.Loops;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Steps of one key queued from four event loops at once: never two at a time, each exactly once and in its caller's
 * order, each run and answered on its caller's loop, a failing step not stopping the ones after it, and nothing
 * left in the queue.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class KeyedQueueTest {

  static Loops loops;

  @BeforeAll
  static void start() {
    loops = Loops.start(4);
  }

  @AfterAll
  static void stop() {
    loops.close();
  }

  @Test
  void stepsOfOneKeyFromEveryLoopRunOneAtATimeOnTheirCallersLoop() {
    KeyedQueue queue = new KeyedQueue();
    int steps = 300;
    AtomicInteger running = new AtomicInteger();
    AtomicInteger overlaps = new AtomicInteger();
    AtomicInteger ran = new AtomicInteger();
    AtomicInteger elsewhere = new AtomicInteger();
    List<ConcurrentLinkedQueue<Integer>> order = new ArrayList<>();
    for (int i = 0; i < loops.size(); i++) {
      order.add(new ConcurrentLinkedQueue<>());
    }

    List<Integer> failures = loops.on(loop -> {
      Context mine = Vertx.currentContext();
      List<Future<Integer>> answers = new ArrayList<>();
      for (int i = 0; i < steps; i++) {
        int n = i;
        answers.add(queue.run("inspection-1", () -> {
          if (Vertx.currentContext() != mine) {
            elsewhere.incrementAndGet();
          }
          if (running.incrementAndGet() != 1) {
            overlaps.incrementAndGet();
          }
          ran.incrementAndGet();
          order.get(loop).add(n);
          if (n % 50 == 7) {
            running.decrementAndGet();
            throw new IllegalStateException("step " + n + " fails");
          }
          // Finishes later, from a task of its own, as a Redis reply would.
          Promise<Integer> done = Promise.promise();
          mine.runOnContext(v -> {
            running.decrementAndGet();
            done.complete(n);
          });
          return done.future();
        }).andThen(x -> {
          if (Vertx.currentContext() != mine) {
            elsewhere.incrementAndGet();
          }
        }));
      }
      return Future.join(new ArrayList<>(answers))
          .transform(x -> Future.succeededFuture((int) answers.stream().filter(Future::failed).count()));
    });

    assertThat(overlaps.get()).isZero();
    assertThat(ran.get()).isEqualTo(loops.size() * steps);
    assertThat(elsewhere.get()).as("steps or answers on another loop than their caller's").isZero();
    assertThat(failures).containsOnly(6);
    for (ConcurrentLinkedQueue<Integer> mine : order) {
      assertThat(new ArrayList<>(mine)).isSorted().hasSize(steps);
    }
    assertThat(queue.keys()).isZero();
  }

  @Test
  void aLongQueueOfStepsThatFinishAtOnceRunsInOrderWithoutNesting() {
    KeyedQueue queue = new KeyedQueue();
    List<Integer> ran = loops.on(loop -> {
      if (loop != 0) {
        return Future.succeededFuture(0);
      }
      Promise<Void> first = Promise.promise();
      queue.run("inspection-2", () -> first.future());
      AtomicInteger next = new AtomicInteger();
      AtomicInteger outOfOrder = new AtomicInteger();
      List<Future<Integer>> all = new ArrayList<>();
      for (int i = 0; i < 20_000; i++) {
        int n = i;
        // Each finishes as soon as it starts: released together, they must not run inside one another.
        all.add(queue.run("inspection-2", () -> {
          if (next.getAndIncrement() != n) {
            outOfOrder.incrementAndGet();
          }
          return Future.succeededFuture(n);
        }));
      }
      first.complete();
      return Future.all(new ArrayList<>(all)).map(x -> outOfOrder.get() == 0 ? next.get() : -1);
    });
    assertThat(ran.get(0)).isEqualTo(20_000);
    assertThat(queue.keys()).isZero();
  }
}
