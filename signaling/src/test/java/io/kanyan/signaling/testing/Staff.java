package io.kanyan.signaling.testing;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;

/** Creating staff accounts through the admin API, as an administrator would. */
public final class Staff {

  public static final String PASSWORD = "correct-horse-battery";

  private Staff() {
  }

  public static Http as(TestServer server, String username, String role) {
    Http admin = new Http(server.vertx(), server.httpPort()).login("admin", TestServer.ADMIN_PASSWORD);
    HttpResponse<Buffer> r = admin.post("/api/users", new JsonObject().put("username", username)
        .put("displayName", "Officer " + username).put("role", role).put("password", PASSWORD));
    if (r.statusCode() != 201) {
      throw new AssertionError("creating " + username + " failed: " + r.statusCode() + " " + r.bodyAsString());
    }
    return new Http(server.vertx(), server.httpPort()).login(username, PASSWORD);
  }
}
