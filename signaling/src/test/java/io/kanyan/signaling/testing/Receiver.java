package io.kanyan.signaling.testing;

import io.kanyan.signaling.auth.Signatures;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP receiver (an SMS gateway, an approval system's webhook endpoint): a Vert.x server on a free port
 * that checks each request's HMAC signature with the secret it was given and keeps what it received. Set
 * {@link #failNext} to answer 503 to that many requests first, or {@link #failAll} to refuse every one, or
 * {@link #holdNext} to take that many and never answer them (kept with {@code answered} 0: a sender that dies
 * while it waits).
 */
public final class Receiver implements AutoCloseable {

  /** One request as received. */
  public record Received(String path, JsonObject body, String idempotencyKey, boolean signatureValid, int answered) {
  }

  private final HttpServer server;
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private volatile String secret;
  public final AtomicInteger failNext = new AtomicInteger();
  public volatile boolean failAll;
  public final AtomicInteger holdNext = new AtomicInteger();

  public Receiver(Vertx vertx, String secret) {
    this.secret = secret;
    this.server = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      boolean valid = this.secret != null && Signatures.verify(this.secret, req.getHeader(Signatures.HEADER),
          body.getBytes());
      if (holdNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        received.add(new Received(req.path(), body.toJsonObject(), req.getHeader("Idempotency-Key"), valid, 0));
        return;
      }
      int status = failAll || failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0 ? 503 : valid ? 200 : 401;
      received.add(new Received(req.path(), body.toJsonObject(), req.getHeader("Idempotency-Key"), valid, status));
      req.response().setStatusCode(status).end();
    })).listen(0, "127.0.0.1").await();
  }

  public void secret(String secret) {
    this.secret = secret;
  }

  public String url(String path) {
    return "http://127.0.0.1:" + server.actualPort() + path;
  }

  public List<Received> received() {
    return List.copyOf(received);
  }

  /** The requests this receiver accepted (answered 200). */
  public List<Received> accepted() {
    return received.stream().filter(r -> r.answered() == 200).toList();
  }

  @Override
  public void close() {
    server.close().await();
  }
}
