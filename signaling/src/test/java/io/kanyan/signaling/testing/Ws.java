package io.kanyan.signaling.testing;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A real WebSocket client for signaling tests: it records every message and the close status, and offers
 * blocking waits for the test thread.
 */
public final class Ws implements AutoCloseable {

  private final WebSocketClient client;
  private final WebSocket socket;
  private final LinkedBlockingQueue<JsonObject> inbox = new LinkedBlockingQueue<>();
  private final List<JsonObject> skipped = new ArrayList<>();
  private final CompletableFuture<Short> closed = new CompletableFuture<>();

  private Ws(WebSocketClient client, WebSocket socket) {
    this.client = client;
    this.socket = socket;
    socket.textMessageHandler(text -> inbox.add(new JsonObject(text)));
    socket.closeHandler(v -> closed.complete(socket.closeStatusCode()));
  }

  /** Opens {@code /ws} as a staff member with a session cookie (or none). */
  public static Future<Ws> staff(Vertx vertx, int port, String sessionCookie, String origin) {
    WebSocketConnectOptions options = base(port, "/ws", origin);
    if (sessionCookie != null) {
      options.addHeader("Cookie", "kanyan_session=" + sessionCookie);
    }
    return open(vertx, options);
  }

  /** Opens {@code /ws?invite=} as an applicant. */
  public static Future<Ws> applicant(Vertx vertx, int port, String invite, String origin) {
    return open(vertx, base(port, "/ws?invite=" + invite, origin));
  }

  private static WebSocketConnectOptions base(int port, String uri, String origin) {
    WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("localhost").setPort(port).setURI(uri)
        .addHeader("User-Agent", "kanyan-test");
    if (origin != null) {
      options.addHeader("Origin", origin);
    }
    return options;
  }

  private static Future<Ws> open(Vertx vertx, WebSocketConnectOptions options) {
    WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions()
        .setMaxMessageSize(1024 * 1024).setMaxFrameSize(1024 * 1024));
    return client.connect(options).map(socket -> new Ws(client, socket))
        .onFailure(err -> client.close());
  }

  public Ws send(JsonObject message) {
    socket.writeTextMessage(message.encode()).await();
    return this;
  }

  public Ws sendRaw(String text) {
    socket.writeTextMessage(text).await();
    return this;
  }

  public WebSocket socket() {
    return socket;
  }

  /** Waits for the next message of {@code type}; other messages are kept for later calls. */
  public JsonObject next(String type) {
    return next(type, 5000);
  }

  public JsonObject next(String type, long timeoutMs) {
    for (Iterator<JsonObject> it = skipped.iterator(); it.hasNext(); ) {
      JsonObject m = it.next();
      if (type.equals(m.getString("type"))) {
        it.remove();
        return m;
      }
    }
    long deadline = System.currentTimeMillis() + timeoutMs;
    try {
      while (true) {
        long left = deadline - System.currentTimeMillis();
        JsonObject m = left <= 0 ? null : inbox.poll(left, TimeUnit.MILLISECONDS);
        if (m == null) {
          throw new AssertionError("no '" + type + "' message within " + timeoutMs + " ms; got " + skipped);
        }
        if (type.equals(m.getString("type"))) {
          return m;
        }
        skipped.add(m);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Every message received so far that no {@link #next} took. */
  public List<JsonObject> drain() {
    List<JsonObject> all = new ArrayList<>(skipped);
    skipped.clear();
    inbox.drainTo(all);
    return all;
  }

  /** Waits for the server to close the socket and returns the status code. */
  public short closeStatus(long timeoutMs) {
    try {
      return closed.get(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError("the socket was not closed within " + timeoutMs + " ms", e);
    }
  }

  public boolean isClosed() {
    return closed.isDone();
  }

  /** Goes away as a reloading page or a phone switching networks does (1001). */
  public void drop() {
    socket.close((short) 1001);
    client.close();
  }

  @Override
  public void close() {
    if (!closed.isDone()) {
      socket.close();
    }
    client.close();
  }
}
