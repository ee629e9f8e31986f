package io.kanyan.signaling.testing;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.ext.web.client.WebClientSession;

/** A browser-like HTTP client for one person: it keeps cookies. Blocking helpers for test threads. */
public final class Http {

  private final WebClientSession client;
  private final int port;

  public Http(Vertx vertx, int port) {
    this.client = WebClientSession.create(WebClient.create(vertx, new WebClientOptions().setDefaultHost("localhost")));
    this.port = port;
  }

  public HttpResponse<Buffer> get(String path) {
    return client.get(port, "localhost", path).send().await();
  }

  public HttpResponse<Buffer> post(String path, JsonObject body) {
    return client.post(port, "localhost", path).sendJsonObject(body).await();
  }

  public HttpResponse<Buffer> put(String path, JsonObject body) {
    return client.put(port, "localhost", path).sendJsonObject(body).await();
  }

  public HttpResponse<Buffer> post(String path) {
    return client.post(port, "localhost", path).send().await();
  }

  public HttpResponse<Buffer> delete(String path) {
    return client.delete(port, "localhost", path).send().await();
  }

  public HttpResponse<Buffer> getWithHeader(String path, String header, String value) {
    return client.get(port, "localhost", path).putHeader(header, value).send().await();
  }

  /** Logs in and fails the test if it does not work. */
  public Http login(String username, String password) {
    HttpResponse<Buffer> r = post("/api/login", new JsonObject().put("username", username).put("password", password));
    if (r.statusCode() != 200) {
      throw new AssertionError("login of " + username + " failed: " + r.statusCode() + " " + r.bodyAsString());
    }
    return this;
  }

  /** The session cookie's value, for opening a WebSocket as this person. */
  public String sessionCookie() {
    return client.cookieStore().get(false, "localhost", "/").iterator().next().value();
  }

  public WebClientSession raw() {
    return client;
  }
}
