package io.kanyan.signaling.bench;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.ServerWebSocket;
import java.util.HashMap;
import java.util.Map;

/**
 * The baseline: the least a WebSocket relay can do on Vert.x. Sockets at {@code /relay/<pair>/<a|b>} are
 * paired by path and every text message is forwarded to the other socket unchanged. No auth, no parsing.
 */
final class BareRelay extends VerticleBase {

  private final Map<String, ServerWebSocket> sockets = new HashMap<>();
  private HttpServer server;

  @Override
  public Future<?> start() {
    return vertx.createHttpServer().webSocketHandler(this::accept).listen(0, "127.0.0.1")
        .onSuccess(s -> server = s);
  }

  private void accept(ServerWebSocket ws) {
    String path = ws.path();
    String other = path.endsWith("/a") ? path.substring(0, path.length() - 1) + "b" : path.substring(0, path.length() - 1) + "a";
    sockets.put(path, ws);
    ws.textMessageHandler(text -> {
      ServerWebSocket peer = sockets.get(other);
      if (peer != null) {
        peer.writeTextMessage(text);
      }
    });
    ws.closeHandler(v -> sockets.remove(path, ws));
  }

  int port() {
    return server.actualPort();
  }
}
