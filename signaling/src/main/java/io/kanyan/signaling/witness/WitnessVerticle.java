package io.kanyan.signaling.witness;

import io.kanyan.recorder.witness.Witness;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * The witness's HTTP service (c2sp.org/tlog-witness), one prefix for submission and monitoring:
 * {@code POST /add-checkpoint}, {@code GET /checkpoint?origin=<origin>} (the latest checkpoint it cosigned, with
 * its cosignature) and {@code GET /key} (its verifier key). The protocol has no authentication beyond the log's
 * signature; bodies are bounded.
 */
public final class WitnessVerticle extends VerticleBase {

  /** 63 proof lines and a checkpoint with many signatures fit well below this. */
  static final long MAX_BODY = 64 * 1024;

  private final Witness witness;
  private final String host;
  private final int port;
  private HttpServer server;

  public WitnessVerticle(Witness witness, String host, int port) {
    this.witness = witness;
    this.host = host;
    this.port = port;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    router.post("/add-checkpoint").handler(BodyHandler.create(false).setBodyLimit(MAX_BODY))
        .handler(this::addCheckpoint);
    router.get("/checkpoint").handler(this::checkpoint);
    router.get("/key").handler(ctx -> ctx.response().putHeader("Content-Type", "text/plain; charset=utf-8")
        .end(witness.key().verifierKey() + "\n"));
    return vertx.createHttpServer().requestHandler(router).listen(port, host).onSuccess(s -> server = s);
  }

  public int actualPort() {
    return server.actualPort();
  }

  private void addCheckpoint(RoutingContext ctx) {
    String body = ctx.body().asString("UTF-8");
    // State files are written and fsynced: off the event loop, one submission at a time.
    vertx.executeBlocking(() -> witness.addCheckpoint(body), true)
        .onSuccess(answer -> ctx.response().setStatusCode(answer.status())
            .putHeader("Content-Type", answer.contentType()).end(answer.body()))
        .onFailure(ctx::fail);
  }

  private void checkpoint(RoutingContext ctx) {
    String origin = ctx.request().getParam("origin");
    if (origin == null || origin.isBlank()) {
      ctx.response().setStatusCode(400).end("name the log: ?origin=<origin>\n");
      return;
    }
    vertx.executeBlocking(() -> witness.latestCosigned(origin), false)
        .onSuccess(latest -> {
          if (latest.isEmpty()) {
            ctx.response().setStatusCode(404).end("no checkpoint cosigned for " + origin + "\n");
          } else {
            ctx.response().putHeader("Content-Type", "text/plain; charset=utf-8").end(latest.get());
          }
        })
        .onFailure(ctx::fail);
  }
}
