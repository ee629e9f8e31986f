package io.kanyan.signaling.http;

import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.signaling.media.Media;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.TimeUnit;

/** {@code GET /health}: 200 when Redis answers a PING within 2 s, 503 otherwise. */
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
        .onSuccess(up -> ctx.response()
            .setStatusCode(up ? 200 : 503)
            .putHeader("Content-Type", "application/json")
            .putHeader("Cache-Control", "no-store")
            .end(new JsonObject()
                .put("status", up ? "UP" : "DOWN")
                .put("redis", up ? "UP" : "DOWN")
                .put("media", media.mode())
                .encode()));
  }
}
