package io.kanyan.signaling.http;

import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.signaling.media.Media;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /health}: 200 when Redis answers a PING within 2 s and, in Kurento mode, at least one media server is
 * reachable ({@code "kms":{"reachable":n,"of":m}}); 503 otherwise, since no call could get media.
 */
public final class Health implements Handler<RoutingContext> {

  private final RedisStore redis;
  private final Media media;

  public Health(RedisStore redis, Media media) {
    this.redis = redis;
    this.media = media;
  }

  @Override
  public void handle(RoutingContext ctx) {
    redis.call(c -> c.ping()).timeout(2, TimeUnit.SECONDS)
        .map(pong -> true)
        .recover(err -> Future.succeededFuture(false))
        .onSuccess(redisUp -> respond(ctx, redisUp));
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
    ctx.response()
        .setStatusCode(up ? 200 : 503)
        .putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store")
        .end(body.encode());
  }
}
