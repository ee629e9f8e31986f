package io.kanyan.recorder.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.ReadFrom;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.masterreplica.MasterReplica;
import io.lettuce.core.output.CommandOutput;
import io.lettuce.core.output.IntegerOutput;
import io.lettuce.core.protocol.AsyncCommand;
import io.lettuce.core.protocol.Command;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.protocol.ProtocolKeyword;
import io.lettuce.core.protocol.RedisCommand;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The server's connection to Redis, bridged to Vert.x futures: one place where every Lettuce connection is made.
 *
 * <p>{@code REDIS_URL} is either {@code redis://[:password@]host:port[/db]} (one server) or
 * {@code redis-sentinel://[:password@]host1:26379,host2:26379,host3:26379[/db]#<master name>}: then the connection
 * is Lettuce's {@link MasterReplica} over Sentinel, which asks the sentinels for the primary, listens to them for
 * failovers and moves its writes to the new primary (reads go to the primary too). Each Redis node has its own
 * connection inside it, so a command is never silently re-sent to another node.
 *
 * <p>Lettuce is fully asynchronous and thread-safe on one connection: every call here returns at once
 * and completes on the caller's Vert.x context, so nothing ever blocks an event loop.
 *
 * <p>Writes that must survive the loss of the primary go through {@link #acknowledged}: with
 * {@link ReplicaAcks#required()} the command and a {@code WAIT} run as one batch on the same server connection.
 */
public final class RedisStore implements AutoCloseable {

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(RedisStore.class);

  private final Vertx vertx;
  private final RedisClient client;
  private final RedisURI uri;
  private final ReplicaAcks acks;
  /** Replaced by a fresh one when the sentinels announce a new primary (see {@link SentinelWatch}). */
  private volatile StatefulRedisConnection<String, String> connection;
  private volatile SentinelWatch watch;

  private RedisStore(Vertx vertx, RedisClient client, RedisURI uri, StatefulRedisConnection<String, String> connection,
      ReplicaAcks acks) {
    this.vertx = vertx;
    this.client = client;
    this.uri = uri;
    this.connection = connection;
    this.acks = acks;
  }

  /** Connects without blocking, with no replica acknowledgement; fails with a {@link RedisUnavailableException}. */
  public static Future<RedisStore> connect(Vertx vertx, String url) {
    return connect(vertx, url, ReplicaAcks.NONE);
  }

  /** Connects without blocking; fails with a {@link RedisUnavailableException} that names where (never the password). */
  public static Future<RedisStore> connect(Vertx vertx, String url, ReplicaAcks acks) {
    return connect(vertx, url, acks, (String) null);
  }

  /**
   * {@link #connect(Vertx, String, ReplicaAcks)} to sentinels that require a password of their own
   * ({@code requirepass} in their sentinel.conf): a {@code redis-sentinel://} URL's password is the Redis nodes'
   * (Lettuce applies it to them, not to the sentinels).
   *
   * @param sentinelPassword the sentinels' password, or null when they have none
   */
  public static Future<RedisStore> connect(Vertx vertx, String url, ReplicaAcks acks, String sentinelPassword) {
    return connectWith(vertx, url, acks, uri -> {
      if (sentinelPassword != null) {
        uri.getSentinels().forEach(s -> s.setAuthentication(sentinelPassword.toCharArray()));
      }
      return RedisClient.create();
    });
  }

  /**
   * {@link #connect(Vertx, String)} with the client made by {@code clients} (tests watch where it connects); it may
   * also adjust the parsed URI.
   */
  static Future<RedisStore> connect(Vertx vertx, String url, Function<RedisURI, RedisClient> clients) {
    return connectWith(vertx, url, ReplicaAcks.NONE, clients);
  }

  private static Future<RedisStore> connectWith(Vertx vertx, String url, ReplicaAcks acks,
      Function<RedisURI, RedisClient> clients) {
    RedisURI uri = RedisURI.create(url);
    // Creating the first client loads and generates many classes, and connectAsync builds the connection's
    // command proxies by reflection on the calling thread (12 s on a loaded machine): a worker does both,
    // so no event loop waits. Only the network handshake is left, and it does not block.
    return vertx.executeBlocking(() -> {
      RedisClient client = clients.apply(uri);
      client.setOptions(ClientOptions.builder()
          // Commands fail after 10 s instead of hanging forever when Redis is gone (WAIT gets its own timeout
          // on top, so a slow acknowledgement is reported as such, not as a dead Redis).
          .timeoutOptions(TimeoutOptions.enabled(Duration.ofSeconds(10).plus(acks.timeout())))
          .disconnectedBehavior(ClientOptions.DisconnectedBehavior.ACCEPT_COMMANDS)
          .build());
      return new Connecting(client, open(client, uri));
    }, false).compose(connecting -> Future.<StatefulRedisConnection<String, String>>fromCompletionStage(
            connecting.stage(), vertx.getOrCreateContext())
        .map(conn -> new RedisStore(vertx, connecting.client(), uri, conn, acks).watchSentinels())
        .recover(err -> {
          connecting.client().shutdownAsync();
          return Future.failedFuture(new RedisUnavailableException("cannot connect to Redis at " + where(uri), err));
        }));
  }

  /** A client and its connection under way, handed from the worker back to the caller's context. */
  private record Connecting(RedisClient client, CompletionStage<StatefulRedisConnection<String, String>> stage) {
  }

  /** Opens a connection to the primary, through the sentinels for a Sentinel URL. */
  private static CompletionStage<StatefulRedisConnection<String, String>> open(RedisClient client, RedisURI uri) {
    return sentinel(uri)
        ? MasterReplica.connectAsync(client, StringCodec.UTF8, uri).thenApply(c -> {
          c.setReadFrom(ReadFrom.UPSTREAM); // the trail reads what it has just written: primary only
          return (StatefulRedisConnection<String, String>) c;
        })
        : client.connectAsync(StringCodec.UTF8, uri).toCompletableFuture();
  }

  /**
   * With Sentinel, also listens to the sentinels for {@code +switch-master}: Lettuce's MasterReplica refreshes its
   * topology on Sentinel events at most once every 5 s (its {@code SentinelTopologyRefresh} rate limit, not
   * configurable), and the first event of a failover ({@code +sdown}, before the promotion) uses that up, so on
   * its own it follows a new primary about 5 s late. On {@code +switch-master} this store opens a new connection
   * (MasterReplica asks the sentinels again and finds the new primary) and closes the old one: commands still
   * waiting on the old primary fail, and the trail resends them (idempotently) on the new connection. Nothing
   * is re-sent to another node behind a caller's back.
   */
  private RedisStore watchSentinels() {
    if (sentinel(uri)) {
      watch = new SentinelWatch(client, uri, this::reconnect);
    }
    return this;
  }

  private final java.util.concurrent.atomic.AtomicBoolean reconnecting = new java.util.concurrent.atomic.AtomicBoolean();

  private volatile String primary = "";
  private volatile boolean closed;
  /** The shared subscriber connection ({@link #subscriber()}), once asked for. */
  private Future<RedisPubSub> subscriber;

  private volatile long lastRediscovery;

  /**
   * A MasterReplica connection opened while the sentinels' new primary still reported itself a replica can be left
   * with no primary at all ("Master is currently unknown") and nothing that refreshes it: such a failure opens a
   * new connection (at most once a second), as an announcement would.
   */
  private Throwable noticed(Throwable err) {
    if (sentinel(uri) && !closed && String.valueOf(err.getMessage()).contains("Master is currently unknown")) {
      long now = System.nanoTime();
      if (now - lastRediscovery > 1_000_000_000L) {
        lastRediscovery = now;
        reconnect(null);
      }
    }
    return err;
  }

  /** Opens a new connection to the primary the sentinels name; {@code newPrimary} null: whatever it is now. */
  private void reconnect(String newPrimary) {
    if ((newPrimary != null && newPrimary.equals(primary)) || !reconnecting.compareAndSet(false, true)) {
      return; // another sentinel's announcement of the same failover, or one already being followed
    }
    if (newPrimary == null) {
      newPrimary = "";
    }
    primary = newPrimary;
    open(client, uri).whenComplete((fresh, err) -> {
      reconnecting.set(false);
      if (err != null) {
        primary = ""; // the next announcement tries again
        log.warn("redis: reconnecting after a failover failed ({}); Lettuce's own refresh follows the primary",
            err.toString());
        return;
      }
      if (closed) {
        fresh.closeAsync();
        return;
      }
      StatefulRedisConnection<String, String> old = connection;
      connection = fresh;
      log.info("redis: the sentinels named a new primary for '{}'; writes go there now", uri.getSentinelMasterId());
      old.closeAsync();
    });
  }

  private static boolean sentinel(RedisURI uri) {
    return !uri.getSentinels().isEmpty();
  }

  /** Where this URL points, for messages and logs: host and port, or the sentinels and master name. No password. */
  static String where(RedisURI uri) {
    if (!sentinel(uri)) {
      return uri.getHost() + ":" + uri.getPort();
    }
    return "master '" + uri.getSentinelMasterId() + "' through the sentinels "
        + uri.getSentinels().stream().map(s -> s.getHost() + ":" + s.getPort()).collect(Collectors.joining(","));
  }

  /** Where this store is connected, for logs and the readiness probe; never the password. */
  public String describe() {
    return where(uri);
  }

  /** Whether writes wait for replicas, and how long. */
  public ReplicaAcks replicaAcks() {
    return acks;
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
        .recover(err -> Future.failedFuture(RedisUnavailableException.wrap(noticed(err))));
  }

  /**
   * Runs a write that is acknowledged only once {@link ReplicaAcks#replicas()} replicas hold it: the command and
   * {@code WAIT replicas timeout} go to Redis as one batch on one server connection (with Sentinel, on the primary's
   * connection: a batch is never split across nodes), so WAIT counts the replicas that have this write. When fewer
   * answer in time the future fails with a {@link NotReplicatedException}: the write may still be on the primary,
   * so only idempotent writes (a retry stores nothing twice) belong here. With no replicas required it is the
   * command alone.
   *
   * <p>{@code WAIT} counts the replicas that acknowledged every write this connection made up to then; a write
   * command that changes nothing still moves that mark, so an idempotent write that finds its data already there
   * must still write something (the trail's append script does) to be covered.
   *
   * @param type   the command, e.g. {@link CommandType#EVALSHA}
   * @param output how its reply is read
   * @param args   its arguments
   */
  public <T> Future<T> acknowledged(ProtocolKeyword type, CommandOutput<String, String, T> output,
      CommandArgs<String, String> args) {
    AsyncCommand<String, String, T> command = new AsyncCommand<>(new Command<>(type, output, args));
    if (!acks.required()) {
      return dispatch(List.<RedisCommand<String, String, ?>>of(command)).compose(ignored -> reply(command));
    }
    AsyncCommand<String, String, Long> wait = new AsyncCommand<>(new Command<>(CommandType.WAIT,
        new IntegerOutput<>(StringCodec.UTF8), new CommandArgs<>(StringCodec.UTF8).add(acks.replicas())
        .add(acks.timeout().toMillis())));
    return dispatch(List.<RedisCommand<String, String, ?>>of(command, wait)).compose(ignored -> reply(command)).compose(result -> reply(wait)
        .compose(replicas -> replicas >= acks.replicas() ? Future.succeededFuture(result)
            : Future.failedFuture(new NotReplicatedException(replicas.intValue(), acks.replicas(),
                acks.timeout().toMillis()))));
  }

  private Future<Void> dispatch(List<RedisCommand<String, String, ?>> commands) {
    try {
      connection.dispatch(commands);
      return Future.succeededFuture();
    } catch (RuntimeException e) {
      commands.forEach(c -> c.completeExceptionally(e));
      return Future.failedFuture(RedisUnavailableException.wrap(e));
    }
  }

  private <T> Future<T> reply(AsyncCommand<String, String, T> command) {
    return Future.<T>fromCompletionStage(command, vertx.getOrCreateContext())
        .recover(err -> Future.failedFuture(RedisUnavailableException.wrap(noticed(err))));
  }

  /**
   * Proves the store takes writes as the trail needs them: writes {@code key} through {@link #acknowledged}, so
   * with replica acknowledgement configured it fails unless enough replicas confirm it.
   */
  public Future<Void> probeWrite(String key, String value) {
    return this.<String>acknowledged(CommandType.SET, new io.lettuce.core.output.StatusOutput<>(StringCodec.UTF8),
        new CommandArgs<>(StringCodec.UTF8).addKey(key).addValue(value)).mapEmpty();
  }

  /**
   * A new publish/subscribe connection to the same Redis (for a Sentinel URL, to the primary the sentinels name,
   * looked up again at each reconnect); a subscribed connection can run no other command. Lettuce subscribes it
   * again to its channels and patterns after a reconnect. Opened on a worker, as {@link #connect} is. Its owner
   * closes it.
   */
  public Future<StatefulRedisPubSubConnection<String, String>> pubSub() {
    return vertx.executeBlocking(() -> client.connectPubSubAsync(StringCodec.UTF8, uri), false)
        .compose(stage -> Future.fromCompletionStage(stage, vertx.getOrCreateContext()))
        .recover(err -> Future.failedFuture(new RedisUnavailableException(
            "cannot open a publish/subscribe connection to Redis at " + where(uri), err)));
  }

  /**
   * This store's one subscriber connection, opened at the first call and shared by every caller (each subscribes
   * to its own channels or patterns; none closes it): a process needs no more than one. Closed with the store.
   */
  public Future<RedisPubSub> subscriber() {
    Future<RedisPubSub> shared;
    synchronized (this) {
      if (subscriber == null) {
        Future<RedisPubSub> opening = RedisPubSub.open(this);
        subscriber = opening;
        // A failed opening is not kept: the next caller tries again.
        opening.onFailure(err -> forgetSubscriber(opening));
      }
      shared = subscriber;
    }
    // Answered on the caller's context, whoever opened it: a subscription made in the callback delivers there.
    io.vertx.core.Context caller = vertx.getOrCreateContext();
    io.vertx.core.Promise<RedisPubSub> answer = io.vertx.core.Promise.promise();
    shared.onComplete(done -> caller.runOnContext(v -> answer.handle(done)));
    return answer.future();
  }

  private synchronized void forgetSubscriber(Future<RedisPubSub> failed) {
    if (subscriber == failed) {
      subscriber = null;
    }
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
    closed = true;
    if (watch != null) {
      watch.close();
    }
    // The client's shutdown closes what is still open (the subscriber connection): only once the command connection
    // has closed, or it would close that one a second time ("Connection is already closed").
    connection.closeAsync().whenComplete((x, err) -> client.shutdownAsync());
  }
}
