package io.kanyan.recorder.testing;

import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.VerticleBase;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import java.util.function.IntFunction;

/**
 * Several event loops of one Vert.x, each with a context of its own, for tests that drive a shared service from all
 * of them at the same time (as requests on a server listening from several loops do). The work of each loop is
 * released together, so the loops really overlap.
 */
public final class Loops implements AutoCloseable {

  private final Vertx vertx;
  private final List<Context> contexts = new ArrayList<>();

  private Loops(Vertx vertx, int n) {
    this.vertx = vertx;
    // As a server listening from several loops is deployed: n instances of a verticle, each on an event loop of its
    // own, here only to lend their contexts.
    List<Context> started = java.util.Collections.synchronizedList(new ArrayList<>());
    vertx.deployVerticle(() -> new VerticleBase() {
      @Override
      public Future<?> start() {
        started.add(context);
        return Future.succeededFuture();
      }
    }, new DeploymentOptions().setInstances(n)).await();
    contexts.addAll(started);
    Set<Thread> threads = new HashSet<>(on(i -> Future.succeededFuture(Thread.currentThread())));
    if (threads.size() != n) {
      throw new IllegalStateException("the contexts share event loops: " + threads);
    }
  }

  /** {@code n} event loops (and as many contexts, one on each). */
  public static Loops start(int n) {
    return new Loops(Vertx.vertx(new VertxOptions().setEventLoopPoolSize(n)), n);
  }

  public Vertx vertx() {
    return vertx;
  }

  public int size() {
    return contexts.size();
  }

  public Context context(int i) {
    return contexts.get(i);
  }

  /**
   * Runs {@code body(i)} on loop {@code i}, on every loop at the same moment (each waits at a start line for the
   * others, a few milliseconds), and waits until all finished; the first failure is thrown.
   */
  public void atOnce(IntConsumer body) {
    CountDownLatch ready = new CountDownLatch(contexts.size());
    on(i -> {
      ready.countDown();
      try {
        // A start line for the test's threads only: held for milliseconds, never in the server's code.
        if (!ready.await(10, TimeUnit.SECONDS)) {
          return Future.failedFuture(new IllegalStateException("the loops did not all start"));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Future.failedFuture(e);
      }
      body.accept(i);
      return Future.succeededFuture();
    });
  }

  /**
   * Calls {@code body(i)} on loop {@code i} for every loop (each call started on its own loop), and waits for all
   * the futures; the first failure is thrown.
   */
  public <T> List<T> on(IntFunction<Future<T>> body) {
    List<Future<T>> all = new ArrayList<>();
    for (int i = 0; i < contexts.size(); i++) {
      int n = i;
      Promise<T> done = Promise.promise();
      contexts.get(i).runOnContext(v -> {
        try {
          body.apply(n).onComplete(done);
        } catch (RuntimeException | Error e) {
          done.fail(e);
        }
      });
      all.add(done.future());
    }
    try {
      Future.all(new ArrayList<>(all)).await(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("the loops did not finish in 30 s", e);
    }
    List<T> out = new ArrayList<>();
    for (Future<T> f : all) {
      out.add(f.result());
    }
    return out;
  }

  @Override
  public void close() {
    vertx.close().await();
  }
}
