package io.kanyan.signaling.inspection;

import io.vertx.core.json.JsonObject;

/** One participant's live connection, as the call sees it (a WebSocket in production). */
public interface Link {

  void send(JsonObject message);

  /** Closes the connection with a WebSocket status code and a short reason. */
  void close(short code, String reason);

  String remoteAddress();

  String userAgent();
}
