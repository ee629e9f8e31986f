package io.kanyan.recorder.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
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
  private final RedisURI uri;

  private RedisStore(Vertx vertx, RedisClient client, StatefulRedisConnection<String, String> connection,
      RedisURI uri) {
    this.vertx = vertx;
    this.client = client;
    this.connection = connection;
    this.uri = uri;
  }

  /** Connects without blocking; fails with a {@link RedisUnavailableException} that names the URL. */
  public static Future<RedisStore> connect(Vertx vertx, String url) {
    return connect(vertx, url, RedisClient::create);
  }

  /** {@link #connect(Vertx, String)} with the client made by {@code clients} (tests watch where it connects). */
  static Future<RedisStore> connect(Vertx vertx, String url, Function<RedisURI, RedisClient> clients) {
    RedisURI uri = RedisURI.create(url);
    // Creating the first client loads and generates many classes, and connectAsync builds the connection's
    // command proxies by reflection on the calling thread (12 s on a loaded machine): a worker does both,
    // so no event loop waits. Only the network handshake is left, and it does not block.
    return vertx.executeBlocking(() -> {
      RedisClient client = clients.apply(uri);
      client.setOptions(ClientOptions.builder()
          // Commands fail after 10 s instead of hanging forever when Redis is gone.
          .timeoutOptions(TimeoutOptions.enabled(Duration.ofSeconds(10)))
          .disconnectedBehavior(ClientOptions.DisconnectedBehavior.ACCEPT_COMMANDS)
          .build());
      return new Connecting(client, client.connectAsync(StringCodec.UTF8, uri));
    }, false).compose(connecting -> Future.fromCompletionStage(connecting.stage(), vertx.getOrCreateContext())
        .map(conn -> new RedisStore(vertx, connecting.client(), conn, uri))
        .recover(err -> {
          connecting.client().shutdownAsync();
          return Future.failedFuture(new RedisUnavailableException(
              "cannot connect to Redis at " + uri.getHost() + ":" + uri.getPort(), err));
        }));
  }

  /** A client and its connection under way, handed from the worker back to the caller's context. */
  private record Connecting(RedisClient client, CompletionStage<StatefulRedisConnection<String, String>> stage) {
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

  /**
   * Opens a second connection for subscribing (a connection in subscriber mode takes no other commands), with the
   * same client and address as this store; see {@link RedisPubSub}. Built on a worker, as {@link #connect} is.
   */
  public Future<StatefulRedisPubSubConnection<String, String>> connectPubSub() {
    return vertx.executeBlocking(() -> client.connectPubSubAsync(StringCodec.UTF8, uri), false)
        .compose(stage -> Future.fromCompletionStage(stage, vertx.getOrCreateContext()))
        .recover(err -> Future.failedFuture(RedisUnavailableException.wrap(err)));
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
