package io.kanyan.signaling.metrics;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.micrometer.PrometheusScrapingHandler;

/**
 * {@code GET /metrics} in Prometheus's text format, on a management port of its own ({@code KANYAN_METRICS_PORT},
 * bound to {@code KANYAN_METRICS_HOST}): never on the public port, so the load balancer and the Ingress never expose
 * it and no token has to be handed to the scraper. Anything else on that port is 404.
 */
public final class MetricsEndpoint {

  private MetricsEndpoint() {
  }

  /** Listens when metrics are on; completes with null when they are off. */
  public static Future<HttpServer> listen(Vertx vertx, KanyanMetrics metrics) {
    if (!metrics.enabled()) {
      return Future.succeededFuture();
    }
    Router router = Router.router(vertx);
    router.get("/metrics").handler(PrometheusScrapingHandler.create(metrics.registry()));
    return vertx.createHttpServer(new HttpServerOptions().setHost(metrics.settings().host())
            .setPort(metrics.settings().port()))
        .requestHandler(router)
        .listen();
  }
}
