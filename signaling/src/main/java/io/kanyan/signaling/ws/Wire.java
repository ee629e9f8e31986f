package io.kanyan.signaling.ws;

import io.vertx.core.http.ServerWebSocket;

/**
 * Where a {@link Connection} writes: the participant's WebSocket on this node, or, when the socket is on another
 * node and the call runs here, the bridge to that node ({@link Bridge}). A WebSocket's wire may be written from any
 * event loop (Vert.x queues the write on the socket's own).
 */
public interface Wire {

  void write(String text);

  void close(short code, String reason);

  static Wire of(ServerWebSocket socket) {
    return new Wire() {
      @Override
      public void write(String text) {
        socket.writeTextMessage(text).onFailure(err -> { });
      }

      @Override
      public void close(short code, String reason) {
        socket.close(code, reason);
      }
    };
  }
}
