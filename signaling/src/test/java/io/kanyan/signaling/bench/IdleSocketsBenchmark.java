package io.kanyan.signaling.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;

/**
 * What an idle signaling socket costs the server: opens N authenticated {@code /ws} sockets to the built jar
 * (in its own JVM) and prints its RSS and live heap per socket (target: under 30 KB per socket, RSS included),
 * then the rate of 404s for missing files beside the rate of {@code /api/me}. Not a test: run it with
 * {@code deploy/scripts/bench-http.sh sockets [N]}.
 */
public final class IdleSocketsBenchmark {

  public static void main(String[] args) throws Exception {
    List<String> a = ServerProcess.args(args, "10000", "signaling/target/kanyan.jar");
    int sockets = Integer.parseInt(a.get(0));
    Vertx vertx = Vertx.vertx();
    try (ServerProcess server = ServerProcess.start(Path.of(a.get(1)), "1g", Map.of(
        "KANYAN_MAX_CONNECTIONS_PER_ADDRESS", "0", "KANYAN_WS_IDLE", "30m", "KANYAN_HTTP_IDLE_TIMEOUT", "30m"))) {
      HttpClient http = vertx.createHttpClient(new HttpClientOptions().setDefaultPort(server.port())
          .setDefaultHost("127.0.0.1"), new PoolOptions().setHttp1MaxSize(16));
      String cookie = login(http);
      WebSocketClient ws = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(sockets + 100));
      System.out.printf("idle sockets benchmark: %d sockets to the server jar (pid %d), %d cores%n", sockets,
          server.pid(), Runtime.getRuntime().availableProcessors());

      List<WebSocket> warm = open(ws, server.port(), cookie, 200);
      warm.forEach(WebSocket::close);
      Thread.sleep(2000);
      long rss0 = server.rssKb();
      long heap0 = server.liveHeapKb();
      System.out.printf("before: RSS %,d KB, live heap %,d KB%n", rss0, heap0);

      long t0 = System.nanoTime();
      List<WebSocket> open = open(ws, server.port(), cookie, sockets);
      double seconds = (System.nanoTime() - t0) / 1e9;
      Thread.sleep(5000);
      long rss1 = server.rssKb();
      long heap1 = server.liveHeapKb();
      System.out.printf("with %d idle sockets (opened in %.1f s): RSS %,d KB, live heap %,d KB%n", open.size(), seconds,
          rss1, heap1);
      System.out.printf("per socket: RSS %.1f KB, live heap %.1f KB (target < 30 KB)%n",
          (double) (rss1 - rss0) / open.size(), (double) (heap1 - heap0) / open.size());

      if (Boolean.getBoolean("histogram")) {
        System.out.println(server.histogram(30));
      }
      open.forEach(WebSocket::close);
      Thread.sleep(3000);
      System.out.printf("after closing them: RSS %,d KB, live heap %,d KB%n", server.rssKb(), server.liveHeapKb());

      rate(http, "GET /no-such-page.html (404)", "/no-such-page.html", null, 3000);
      rate(http, "GET /js/no-such-module.js (404)", "/js/no-such-module.js", null, 3000);
      rate(http, "GET /api/me", "/api/me", cookie, 3000);
      System.out.printf("after the 404s: RSS %,d KB, live heap %,d KB%n", server.rssKb(), server.liveHeapKb());
    } finally {
      vertx.close().await();
    }
  }

  static String login(HttpClient http) {
    return http.request(new RequestOptions().setMethod(HttpMethod.POST).setURI("/api/login")
            .putHeader("Content-Type", "application/json"))
        .compose(req -> req.send(new JsonObject().put("username", "admin")
            .put("password", ServerProcess.ADMIN_PASSWORD).encode()))
        .map(resp -> resp.cookies().get(0).split(";")[0])
        .await();
  }

  private static List<WebSocket> open(WebSocketClient ws, int port, String cookie, int n) throws InterruptedException {
    List<WebSocket> open = new ArrayList<>();
    Semaphore inFlight = new Semaphore(100);
    List<Future<WebSocket>> all = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      inFlight.acquire();
      Future<WebSocket> f = ws.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI("/ws")
          .addHeader("Cookie", cookie)).onComplete(x -> inFlight.release());
      all.add(f);
    }
    int failed = 0;
    for (Future<WebSocket> f : all) {
      try {
        open.add(f.await());
      } catch (RuntimeException e) {
        failed++;
      }
    }
    if (failed > 0) {
      System.out.printf("  (%d sockets failed to open)%n", failed);
    }
    return open;
  }

  private static void rate(HttpClient http, String name, String uri, String cookie, int n) throws InterruptedException {
    Semaphore inFlight = new Semaphore(16);
    long t0 = System.nanoTime();
    List<Future<Integer>> all = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      inFlight.acquire();
      RequestOptions o = new RequestOptions().setURI(uri);
      if (cookie != null) {
        o.putHeader("Cookie", cookie);
      }
      all.add(http.request(o).compose(req -> req.send().compose(resp -> resp.body().map(b -> resp.statusCode())))
          .onComplete(x -> inFlight.release()));
    }
    int status = 0;
    for (Future<Integer> f : all) {
      status = f.await();
    }
    System.out.printf("%s: %.0f requests/s (status %d)%n", name, n / ((System.nanoTime() - t0) / 1e9), status);
  }

  private IdleSocketsBenchmark() {
  }

}
