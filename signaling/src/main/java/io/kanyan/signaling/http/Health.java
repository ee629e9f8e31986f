package io.kanyan.signaling.http;

import io.kanyan.recorder.redis.NotReplicatedException;
import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.signaling.media.Media;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.util.concurrent.TimeUnit;

/**
 * The probes, public and without a body to read:
 * <ul>
 *   <li>{@code GET /health}: 200 when Redis answers a PING within 2 s and, in Kurento mode, at least one media
 *   server is reachable ({@code "kms":{"reachable":n,"of":m}}); 503 otherwise, since no call could get media.</li>
 *   <li>{@code GET /health/live}: 200 whenever the process and the event loop that serves it answer (a liveness
 *   probe: restart the process when it fails). It touches nothing else, so a Redis or media server outage never
 *   makes an orchestrator kill a healthy node.</li>
 *   <li>{@code GET /health/ready}: 200 when this node can take work: Redis takes a write with the configured replica
 *   acknowledgement ({@code KANYAN_REDIS_REPLICA_ACKS}; the write is the {@link #PROBE_KEY} key) within the ack
 *   timeout plus 2 s, and, in Kurento mode, a media server is reachable; 503 with the reason otherwise (a readiness
 *   probe: send no traffic here while it fails).</li>
 * </ul>
 */
public final class Health implements Handler<RoutingContext> {

  /** The key the readiness probe writes (a time; not evidence). */
  public static final String PROBE_KEY = "kanyan:health:ready";

  private final RedisStore redis;
  private final Media media;
  private final Clock clock;

  public Health(RedisStore redis, Media media) {
    this(redis, media, Clock.systemUTC());
  }

  public Health(RedisStore redis, Media media, Clock clock) {
    this.redis = redis;
    this.media = media;
    this.clock = clock;
  }

  @Override
  public void handle(RoutingContext ctx) {
    redis.call(c -> c.ping()).timeout(2, TimeUnit.SECONDS)
        .map(pong -> true)
        .recover(err -> Future.succeededFuture(false))
        .onSuccess(redisUp -> respond(ctx, redisUp));
  }

  /** {@code GET /health/live}: answered on the event loop, so an answer proves the loop runs. */
  public void live(RoutingContext ctx) {
    send(ctx, 200, new JsonObject().put("status", "UP"));
  }

  /** {@code GET /health/ready}. */
  public void ready(RoutingContext ctx) {
    long timeoutMs = redis.replicaAcks().timeout().toMillis() + 2000;
    redis.probeWrite(PROBE_KEY, clock.instant().toString()).timeout(timeoutMs, TimeUnit.MILLISECONDS)
        .map(written -> "UP")
        .recover(err -> Future.succeededFuture(err instanceof NotReplicatedException ? "NOT_REPLICATED" : "DOWN"))
        .onSuccess(redisState -> {
          JsonObject servers = media.servers();
          boolean mediaUp = servers == null || servers.getInteger("reachable", 0) > 0;
          boolean ready = "UP".equals(redisState) && mediaUp;
          JsonObject body = new JsonObject()
              .put("status", ready ? "READY" : "NOT_READY")
              .put("redis", redisState)
              .put("replicaAcks", redis.replicaAcks().replicas())
              .put("media", media.mode());
          if (servers != null) {
            body.put("kms", servers);
          }
          send(ctx, ready ? 200 : 503, body);
        });
  }

  private void respond(RoutingContext ctx, boolean redisUp) {
    JsonObject servers = media.servers();
    boolean mediaUp = servers == null || servers.getInteger("reachable", 0) > 0;
    boolean up = redisUp && mediaUp;
    JsonObject body = new JsonObject()
        .put("status", up ? "UP" : "DOWN")
        .put("redis", redisUp ? "UP" : "DOWN")
        .put("media", media.mode());
    if (servers != null) {
      body.put("kms", servers);
    }
    send(ctx, up ? 200 : 503, body);
  }

  private static void send(RoutingContext ctx, int status, JsonObject body) {
    ctx.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store")
        .end(body.encode());
  }
}
