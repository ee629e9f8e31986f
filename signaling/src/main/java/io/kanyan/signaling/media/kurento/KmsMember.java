package io.kanyan.signaling.media.kurento;

import com.google.gson.JsonElement;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.kurento.client.Continuation;
import org.kurento.client.KurentoClient;
import org.kurento.client.MediaPipeline;
import org.kurento.jsonrpc.client.JsonRpcClientNettyWebSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One media server of the pool: its kurento-client, whether it is live, and the call pipelines on it.
 *
 * <p>State changes run on the pool's context (timers set there fire there; kurento-client's callbacks hop there);
 * what other contexts read ({@link #isLive()}, {@link #load()}) is published through volatile fields and a
 * concurrent map. A lost media server is noticed two ways: kurento-client's {@code reconnecting} callback (the
 * socket closed; a resume of the same session within the loss grace is not a loss), and our own ping every
 * interval (kurento-client stops pinging after a reconnection, and a hung server keeps its socket open). Either way
 * every pipeline on it hears {@link CallPipeline#kmsLost} within about three seconds.
 */
final class KmsMember {

  private static final Logger log = LoggerFactory.getLogger(KmsMember.class);

  private final Vertx vertx;
  private final Context poolContext;
  private final KurentoSettings settings;
  private final String url;
  private final WorkerExecutor issuer;
  private final Function<KmsMember, Future<Void>> onBackUp;
  private final Map<CallPipeline, Context> users = new ConcurrentHashMap<>();

  private volatile KurentoClient client;
  private volatile JsonRpcClientNettyWebSocket rpc;
  private volatile boolean live;
  private boolean transportUp;
  private boolean lost;
  private boolean recovering;
  /** A ping is unanswered past the ping timeout, but not yet for the whole request timeout. */
  private boolean slow;
  private boolean closing;
  private long pingSequence;
  private long pingInFlight = -1;
  private long pingTimer = -1;
  private long lossTimer = -1;
  /** System.nanoTime() when the socket was seen to close, or -1 while it is up. */
  private long transportLostAt = -1;

  KmsMember(Vertx vertx, Context poolContext, KurentoSettings settings, String url, int index,
      Function<KmsMember, Future<Void>> onBackUp) {
    this.vertx = vertx;
    this.poolContext = poolContext;
    this.settings = settings;
    this.url = url;
    this.onBackUp = onBackUp;
    // Two threads: one may sit in kurento-client's ~25 s connect lock while the other still issues requests.
    this.issuer = vertx.createSharedWorkerExecutor("kanyan-kms-" + index, 2,
        settings.connectTimeout().toMillis() + 30_000, TimeUnit.MILLISECONDS);
  }

  /** The URL, for logs and the trail (KMS URLs carry no credentials). */
  String url() {
    return url;
  }

  boolean isLive() {
    return live;
  }

  /** How many call pipelines this server put on this media server. */
  int load() {
    return users.size();
  }

  /** The client, or a {@link KmsException} if this media server is not live. */
  KurentoClient client() {
    KurentoClient current = client;
    if (current == null || !live) {
      throw new KmsException("media server " + url + " is not connected");
    }
    return current;
  }

  /** Issues a Kurento request from this member's worker; the result arrives on {@code context}. */
  <T> Future<T> call(Context context, String what, Consumer<Continuation<T>> operation) {
    return KurentoFutures.call(context, issuer, what, operation);
  }

  void register(CallPipeline pipeline, Context context) {
    users.put(pipeline, context);
  }

  void unregister(CallPipeline pipeline) {
    users.remove(pipeline);
  }

  // ---- connecting (pool context) ----

  /**
   * Connects: builds the client on a worker and bounds the attempt with the connect timeout, since kurento-client
   * blocks ~25 s on a server that accepts TCP and never answers. A failed attempt is retried every retry interval
   * (never two attempts at once) until {@link #close()}. The returned future tells whether this first attempt worked.
   */
  Future<Void> connect() {
    JsonRpcClientNettyWebSocket socket = new JsonRpcClientNettyWebSocket(url);
    socket.onReconnecting(() -> poolContext.runOnContext(v -> transportLost()));
    socket.onReconnected(sameServer -> poolContext.runOnContext(v -> transportBack(sameServer)));
    socket.onDisconnected(() -> poolContext.runOnContext(v -> disconnected(socket)));
    socket.setSendCloseMessage(true);
    socket.setRequestTimeout(settings.requestTimeout().toMillis());
    socket.setConnectionTimeout((int) settings.connectTimeout().toMillis());
    Future<KurentoClient> attempt = issuer.executeBlocking(() -> createClient(socket), false);
    return attempt.timeout(settings.connectTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .transform(ar -> ar.succeeded() ? connected(socket, ar.result()) : notConnected(socket, attempt, ar.cause()));
  }

  private static KurentoClient createClient(JsonRpcClientNettyWebSocket socket) {
    KurentoClient created = KurentoClient.createFromJsonRpcClientHonoringClientTimeouts(socket);
    // Only once connected: before, a refused first attempt would be retried forever inside create().
    socket.setTryReconnectingForever(true);
    // kurento-client's own heartbeat (every 240 s, and none after a reconnection) stays as it is: disabling it
    // interrupts its first ping, which makes it close and reopen the socket. Our ping is what detects a loss.
    return created;
  }

  private Future<Void> notConnected(JsonRpcClientNettyWebSocket socket, Future<KurentoClient> attempt,
      Throwable failure) {
    log.warn("kms {}: cannot connect: {}; retrying in {} ms", url, failure.getMessage(),
        settings.retryInterval().toMillis());
    // A timed-out attempt may still succeed later: destroy whatever it makes, then try again.
    attempt.onComplete(ar -> {
      vertx.executeBlocking(() -> ar.succeeded() ? destroy(ar.result()) : closeQuietly(socket), false);
      if (!closing) {
        vertx.setTimer(settings.retryInterval().toMillis(), id -> retry());
      }
    });
    return Future.failedFuture(new KmsException("media server " + url + " is unreachable: " + failure.getMessage()));
  }

  private void retry() {
    if (!closing && client == null) {
      connect();
    }
  }

  private Future<Void> connected(JsonRpcClientNettyWebSocket socket, KurentoClient created) {
    if (closing) {
      vertx.executeBlocking(() -> destroy(created), false);
      return Future.failedFuture(new KmsException("media server " + url + ": the pool is closing"));
    }
    rpc = socket;
    client = created;
    transportUp = true;
    transportLostAt = -1;
    lost = false;
    slow = false;
    log.info("kms {}: connected", url);
    pingTimer = vertx.setPeriodic(settings.pingInterval().toMillis(), id -> ping());
    return recover();
  }

  /** Called by the pool once the member is connected and its stale pipelines are gone. */
  void markLive() {
    recovering = false;
    if (!closing && transportUp && client != null && !slow) {
      lost = false;
      live = true;
      log.info("kms {}: live", url);
    }
  }

  private Future<Void> recover() {
    if (recovering) {
      return Future.succeededFuture();
    }
    recovering = true;
    return onBackUp.apply(this);
  }

  // ---- losing and getting back the connection (pool context) ----

  private void transportLost() {
    transportUp = false;
    if (transportLostAt < 0) {
      transportLostAt = System.nanoTime();
    }
    live = false;
    if (!lost && lossTimer < 0 && !closing) {
      log.warn("kms {}: connection lost; waiting {} ms for the session to resume", url, settings.lossGrace().toMillis());
      lossTimer = vertx.setTimer(settings.lossGrace().toMillis(), id -> {
        lossTimer = -1;
        declareLost("connection to media server " + url + " lost");
      });
    }
  }

  private void transportBack(boolean sameServer) {
    transportUp = true;
    cancelLossTimer();
    if (!sameServer) {
      declareLost("media server " + url + " restarted; its pipelines are gone");
    }
    transportLostAt = -1;
    if (lost) {
      log.info("kms {}: reconnected ({}); releasing pipelines no call uses", url, sameServer ? "same server" : "new server");
      recover();
      return;
    }
    log.info("kms {}: session resumed", url);
    live = true;
    // Events fired while the socket was down are lost: let the calls re-read what they were waiting for.
    users.forEach((pipeline, context) -> context.runOnContext(v -> pipeline.sessionResumed()));
  }

  private void disconnected(JsonRpcClientNettyWebSocket socket) {
    if (closing || socket != rpc) {
      return;
    }
    declareLost("media server " + url + " disconnected");
    client = null;
    rpc = null;
    transportUp = false;
    cancelPing();
    vertx.setTimer(settings.retryInterval().toMillis(), id -> retry());
  }

  private void ping() {
    JsonRpcClientNettyWebSocket socket = rpc;
    if (!transportUp || pingInFlight >= 0 || socket == null || closing) {
      return;
    }
    long sequence = ++pingSequence;
    pingInFlight = sequence;
    long sentAt = System.nanoTime();
    // Timed with timers on this context (a timeout on the continuation's future would fire off it). A slow answer
    // only stops new calls coming here; only a ping unanswered for the whole request timeout is a loss.
    long slowTimer = vertx.setTimer(KurentoSettings.PING_TIMEOUT.toMillis(), id -> pingSlow(sequence));
    long hungTimer = vertx.setTimer(settings.requestTimeout().toMillis(), id -> pingTimedOut(sequence));
    Future<JsonElement> pong = call(poolContext, "ping " + url, c -> sendPing(socket, c));
    pong.onComplete(ar -> {
      if (pingInFlight != sequence) {
        return;
      }
      pingInFlight = -1;
      vertx.cancelTimer(slowTimer);
      vertx.cancelTimer(hungTimer);
      if (ar.failed()) {
        pingFailed(ar.cause().getMessage());
      } else if (lost && transportUp) {
        log.info("kms {}: answering again; releasing pipelines no call uses", url);
        recover();
      } else if (slow) {
        slow = false;
        log.warn("kms {}: answered after {} ms; its calls went on, it takes new calls again", url,
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sentAt));
        if (transportUp && !recovering && !closing) {
          live = true;
        }
      }
    });
  }

  /**
   * No answer within {@link KurentoSettings#PING_TIMEOUT}: a stall (a loaded machine, a SIGSTOP) looks like this as
   * much as a hung server. New calls go elsewhere meanwhile; the calls on it are left alone (their media may well
   * still flow: KMS's media threads do not wait for its JSON-RPC thread).
   */
  private void pingSlow(long sequence) {
    if (pingInFlight == sequence && !lost && !slow && transportUp) {
      slow = true;
      live = false;
      log.warn("kms {}: no answer to a ping within {} ms; no new calls go there until it answers (lost after {} ms)",
          url, KurentoSettings.PING_TIMEOUT.toMillis(), settings.requestTimeout().toMillis());
    }
  }

  private void pingTimedOut(long sequence) {
    if (pingInFlight == sequence) {
      pingInFlight = -1;
      pingFailed("no answer within " + settings.requestTimeout().toMillis() + " ms");
    }
  }

  private void pingFailed(String why) {
    slow = false;
    if (transportUp && !lost) {
      log.warn("kms {}: ping failed: {}", url, why);
      declareLost("media server " + url + " does not answer");
    }
  }

  private static void sendPing(JsonRpcClientNettyWebSocket socket, Continuation<JsonElement> continuation) {
    socket.sendRequest("ping", new com.google.gson.JsonObject(), new org.kurento.jsonrpc.client.Continuation<>() {
      @Override
      public void onSuccess(JsonElement result) {
        complete(continuation, result);
      }

      @Override
      public void onError(Throwable cause) {
        fail(continuation, cause);
      }
    });
  }

  private void declareLost(String reason) {
    if (lost) {
      return;
    }
    lost = true;
    live = false;
    cancelLossTimer();
    // The recordings stopped when the socket closed (if it did), not when the loss grace ran out.
    long lostFor = transportLostAt < 0 ? 0 : TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - transportLostAt);
    log.error("kms {}: {}; failing {} call(s) on it", url, reason, users.size());
    users.forEach((pipeline, context) -> context.runOnContext(v -> pipeline.kmsLost(reason, lostFor)));
    users.clear();
  }

  // ---- clean-up and closing ----

  /** Pipeline ids of the calls live on this member (start-up and reconnect clean-up keep these). */
  Set<String> livePipelineIds() {
    return users.keySet().stream().map(CallPipeline::pipelineId).filter(id -> id != null)
        .collect(Collectors.toSet());
  }

  /**
   * Releases every pipeline named {@code kanyan:<serverId>:…} that no live call of this server uses. Runs on the
   * pool's context; returns how many were released.
   */
  Future<Integer> releaseStale() {
    KurentoClient current = client;
    if (current == null) {
      return Future.succeededFuture(0);
    }
    Set<String> keep = livePipelineIds();
    Future<List<MediaPipeline>> pipelines = call(poolContext, "list pipelines on " + url,
        c -> current.getServerManager().getPipelines(c));
    return pipelines.compose(list -> Future.all(list.stream()
            .filter(p -> !keep.contains(p.getId()))
            .map(p -> releaseIfOurs(p, beingCreated()))
            .toList()))
        .map(all -> (int) all.list().stream().filter(Boolean.TRUE::equals).count())
        .onSuccess(n -> {
          if (n > 0) {
            log.info("kms {}: released {} stale pipeline(s) of server {}", url, n, settings.serverId());
          }
        });
  }

  /**
   * Names of the pipelines live calls are creating right now (no id yet): a clean-up racing their creation must not
   * take them for stale ones. Only pipelines that no live call owns are released.
   */
  private Set<String> beingCreated() {
    return users.keySet().stream().filter(p -> p.pipelineId() == null)
        .map(p -> settings.pipelineName(p.inspectionId())).collect(Collectors.toSet());
  }

  private Future<Boolean> releaseIfOurs(MediaPipeline pipeline, Set<String> keepNames) {
    Future<String> name = call(poolContext, "name of " + pipeline.getId(), pipeline::getName);
    return name.compose(n -> {
      if (n == null || !n.startsWith(settings.pipelinePrefix()) || keepNames.contains(n)
          || livePipelineIds().contains(pipeline.getId())) {
        return Future.succeededFuture(false);
      }
      log.info("kms {}: releasing stale pipeline {} ({})", url, pipeline.getId(), n);
      Future<Void> released = call(poolContext, "release " + pipeline.getId(), pipeline::release);
      return released.map(true);
    }).recover(e -> {
      log.warn("kms {}: cannot check or release pipeline {}: {}", url, pipeline.getId(), e.getMessage());
      return Future.succeededFuture(false);
    });
  }

  /** Stops pinging and closes the client (its session and everything in it). */
  Future<Void> close() {
    closing = true;
    live = false;
    cancelPing();
    cancelLossTimer();
    KurentoClient current = client;
    client = null;
    rpc = null;
    Future<Void> destroyed = current == null ? Future.succeededFuture()
        : vertx.executeBlocking(() -> destroy(current), false).mapEmpty();
    return destroyed.eventually(issuer::close);
  }

  private void cancelPing() {
    if (pingTimer >= 0) {
      vertx.cancelTimer(pingTimer);
      pingTimer = -1;
    }
    pingInFlight = -1;
  }

  private void cancelLossTimer() {
    if (lossTimer >= 0) {
      vertx.cancelTimer(lossTimer);
      lossTimer = -1;
    }
  }

  private static Void destroy(KurentoClient client) {
    try {
      client.destroy();
    } catch (RuntimeException e) {
      log.debug("kms: destroying a client failed: {}", e.getMessage());
    }
    return null;
  }

  private static Void closeQuietly(JsonRpcClientNettyWebSocket socket) {
    try {
      socket.close();
    } catch (Exception e) {
      log.debug("kms: closing a socket failed: {}", e.getMessage());
    }
    return null;
  }

  private static <T> void complete(Continuation<T> continuation, T value) {
    try {
      continuation.onSuccess(value);
    } catch (Exception e) {
      log.debug("kms: a continuation threw: {}", e.getMessage());
    }
  }

  private static void fail(Continuation<?> continuation, Throwable cause) {
    try {
      continuation.onError(cause);
    } catch (Exception e) {
      log.debug("kms: a continuation threw: {}", e.getMessage());
    }
  }
}
