package io.kanyan.recorder.loops;

import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Steps run one after another per key (an inspection id), shared by requests on several event loops. Each step
 * starts once every earlier step of its key has finished (failed or not), runs on the context of the caller that
 * queued it, and its result completes there: so a caller's callbacks never run on another loop's thread, and a
 * step's Redis and file futures complete on its own caller's loop. Steps of different keys run independently.
 *
 * <p>The queue is a chain of tails: a step takes the key's tail with one atomic {@code put} (no work runs inside a
 * map lock) and waits for the one it replaced.
 */
public final class KeyedQueue {

  private final Map<String, Future<Void>> tails = new ConcurrentHashMap<>();

  /** Runs {@code step} after every step queued before it under {@code key}; completes on the caller's context. */
  public <T> Future<T> run(String key, Supplier<Future<T>> step) {
    Context caller = Vertx.currentContext();
    Promise<Void> finished = Promise.promise();
    Future<Void> mine = finished.future();
    Future<Void> previous = tails.put(key, mine);
    Promise<T> answer = Promise.promise();
    Runnable start = () -> safely(step).onComplete(result -> {
      tails.remove(key, mine);
      finished.complete();
      on(caller, () -> answer.handle(result));
    });
    if (previous == null) {
      start.run();
    } else if (caller == null) {
      previous.onComplete(x -> start.run());
    } else {
      // Always as a task of its own, even on the same loop: a long queue of steps that finish at once never nests.
      previous.onComplete(x -> caller.runOnContext(v -> start.run()));
    }
    return answer.future();
  }

  /** Keys with a step queued or running (tests: nothing is left behind). */
  public int keys() {
    return tails.size();
  }

  private static void on(Context context, Runnable action) {
    if (context == null || Vertx.currentContext() == context) {
      action.run();
    } else {
      context.runOnContext(v -> action.run());
    }
  }

  private static <T> Future<T> safely(Supplier<Future<T>> step) {
    try {
      Future<T> f = step.get();
      return f == null ? Future.succeededFuture() : f;
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  /** Completes {@code result} on {@code caller}'s context (directly when already there). */
  public static <T> Future<T> onCaller(Context caller, Future<T> result) {
    if (caller == null) {
      return result;
    }
    Promise<T> answer = Promise.promise();
    result.onComplete((AsyncResult<T> ar) -> on(caller, () -> answer.handle(ar)));
    return answer.future();
  }
}
