package io.kanyan.recorder.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * One Lettuce connection to Redis, bridged to Vert.x futures.
 *
 * <p>Lettuce is fully asynchronous and thread-safe on one connection: every call here returns at once
 * and completes on the caller's Vert.x context, so nothing ever blocks an event loop.
 */
public final class RedisStore implements AutoCloseable {

  private final Vertx vertx;
  private final RedisClient client;
  private final StatefulRedisConnection<String, String> connection;

  private RedisStore(Vertx vertx, RedisClient client, StatefulRedisConnection<String, String> connection) {
    this.vertx = vertx;
    this.client = client;
    this.connection = connection;
  }

  /** Connects without blocking; fails with a {@link RedisUnavailableException} that names the URL. */
  public static Future<RedisStore> connect(Vertx vertx, String url) {
    RedisURI uri = RedisURI.create(url);
    // Creating the first client loads and generates many classes (a second or more on a cold JVM): a worker
    // does it, so no event loop waits.
    return vertx.executeBlocking(() -> {
      RedisClient client = RedisClient.create(uri);
      client.setOptions(ClientOptions.builder()
          // Commands fail after 10 s instead of hanging forever when Redis is gone.
          .timeoutOptions(TimeoutOptions.enabled(Duration.ofSeconds(10)))
          .disconnectedBehavior(ClientOptions.DisconnectedBehavior.ACCEPT_COMMANDS)
          .build());
      return client;
    }, false).compose(client -> {
      CompletionStage<StatefulRedisConnection<String, String>> stage = client.connectAsync(StringCodec.UTF8, uri);
      return Future.fromCompletionStage(stage, vertx.getOrCreateContext())
          .map(conn -> new RedisStore(vertx, client, conn))
          .recover(err -> {
            client.shutdownAsync();
            return Future.failedFuture(new RedisUnavailableException(
                "cannot connect to Redis at " + uri.getHost() + ":" + uri.getPort(), err));
          });
    });
  }

  /**
   * Runs one Redis command (or several, pipelined by Lettuce) and completes on the caller's context.
   *
   * @param command takes the async command set and returns the command's completion stage
   */
  public <T> Future<T> call(Function<RedisAsyncCommands<String, String>, ? extends CompletionStage<T>> command) {
    CompletionStage<T> stage;
    try {
      stage = command.apply(connection.async());
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return Future.<T>fromCompletionStage(stage, vertx.getOrCreateContext())
        .recover(err -> Future.failedFuture(RedisUnavailableException.wrap(err)));
  }

  /** The raw async command set, for callers that pipeline many commands themselves (benchmarks). */
  public RedisAsyncCommands<String, String> async() {
    return connection.async();
  }

  public Vertx vertx() {
    return vertx;
  }

  @Override
  public void close() {
    connection.closeAsync();
    client.shutdownAsync();
  }
}
