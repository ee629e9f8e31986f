package io.kanyan.signaling.media.kurento;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.WorkerExecutor;
import java.util.function.Consumer;
import org.kurento.client.Continuation;
import org.kurento.client.internal.server.KurentoServerException;
import org.kurento.jsonrpc.JsonRpcErrorException;

/**
 * The one adapter from kurento-client's {@link Continuation} callbacks to Vert.x futures.
 *
 * <p>Why the request is <em>issued</em> on a worker and not on the caller's event loop: kurento-client's
 * "asynchronous" methods still call {@code connectIfNecessary()} on the calling thread, which takes a lock that
 * a reconnecting client holds for up to ~25 s against a media server that accepts TCP and never answers. So each
 * request is started on the media server's own small worker pool, and its result is always delivered on the
 * caller's {@link Context} (the call's context), never on a kurento-client thread.
 */
final class KurentoFutures {

  private KurentoFutures() {
  }

  /**
   * Starts {@code operation} on {@code issuer} and completes the returned future on {@code context} with what
   * the operation passes to its continuation. A synchronous throw and an error result both fail the future with a
   * {@link KmsException}.
   */
  static <T> Future<T> call(Context context, WorkerExecutor issuer, String what, Consumer<Continuation<T>> operation) {
    Promise<T> promise = Promise.promise();
    Continuation<T> continuation = new Continuation<>() {
      @Override
      public void onSuccess(T result) {
        context.runOnContext(v -> promise.tryComplete(result));
      }

      @Override
      public void onError(Throwable cause) {
        context.runOnContext(v -> promise.tryFail(KmsException.of(what, cause)));
      }
    };
    issuer.executeBlocking(() -> {
      operation.accept(continuation);
      return null;
    }, false).onFailure(cause -> context.runOnContext(v -> promise.tryFail(KmsException.of(what, cause))));
    return promise.future();
  }

  /** The JSON-RPC error code of a media server error (40101 = object not found…), or 0 if it has none. */
  static int errorCode(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof KurentoServerException server) {
        return server.getCode();
      }
      if (t instanceof JsonRpcErrorException rpc) {
        return rpc.getCode();
      }
    }
    return 0;
  }

  /** Completes a kurento-client continuation (whose methods may throw) with {@code value}. */
  static <T> void complete(Continuation<T> continuation, T value) {
    try {
      continuation.onSuccess(value);
    } catch (Exception e) {
      throw new IllegalStateException("a continuation threw", e);
    }
  }

  /** Fails a kurento-client continuation (whose methods may throw) with {@code cause}. */
  static void fail(Continuation<?> continuation, Throwable cause) {
    try {
      continuation.onError(cause);
    } catch (Exception e) {
      throw new IllegalStateException("a continuation threw", e);
    }
  }
}
