package io.kanyan.signaling.http;

import io.kanyan.signaling.Config;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps slow and numerous connections from tying the server up (Vert.x's own idle timeout is reset by every
 * byte, so a client sending one byte a minute would hold a connection forever):
 * <ul>
 *   <li>a connection that is not in a request (new, or between two requests) must deliver a request's headers
 *       within the header timeout — so an idle keep-alive connection is closed after it too;</li>
 *   <li>a request's body must have arrived within the body timeout of its headers (408, then closed);</li>
 *   <li>one client address may hold only so many connections, on all of the node's event loops together; more are
 *       closed as they open.</li>
 * </ul>
 * WebSocket connections leave the watch once upgraded: the signaling endpoint has its own idle rule. Each event
 * loop that takes connections watches its own ({@link #forThisLoop}), without locks, and checks them once a
 * second; only the count per address and the figures are shared between the loops (atomic updates).
 */
public final class ConnectionGuard {

  private static final Logger log = LoggerFactory.getLogger(ConnectionGuard.class);
  private static final long SWEEP_MS = 1000;

  /** What is known of one open connection; touched only on its event loop. */
  private static final class Watched {
    final String address;
    long since;
    HttpServerRequest request;
    boolean upgraded;

    Watched(String address, long since) {
      this.address = address;
      this.since = since;
    }
  }

  private final Vertx vertx;
  private final Config.HttpLimits limits;
  private final Map<String, Integer> perAddress = new ConcurrentHashMap<>();
  private final List<Loop> loops = new CopyOnWriteArrayList<>();
  private final LongAdder refusedOverCap = new LongAdder();
  private final LongAdder closedSlowHeaders = new LongAdder();
  private final LongAdder closedSlowBody = new LongAdder();

  public ConnectionGuard(Vertx vertx, Config.HttpLimits limits) {
    this.vertx = vertx;
    this.limits = limits;
  }

  /**
   * The watch of the event loop this is called on (a server's verticle context): give its servers
   * {@link Loop#onConnection} and {@link Loop#watching}. Its sweep runs on this loop.
   */
  public Loop forThisLoop() {
    Loop loop = new Loop();
    loops.add(loop);
    vertx.setPeriodic(SWEEP_MS, t -> loop.sweep());
    return loop;
  }

  /** The connections of one event loop. */
  public final class Loop {

    /** Written only on this loop; a concurrent map so that {@link #figures} may count it from another. */
    private final Map<HttpConnection, Watched> watched = new ConcurrentHashMap<>();

    private Loop() {
    }

    /** The server's connection handler. */
    public void onConnection(HttpConnection conn) {
      String address = conn.remoteAddress() == null ? "unknown" : conn.remoteAddress().hostAddress();
      int count = perAddress.merge(address, 1, Integer::sum);
      conn.closeHandler(v -> {
        watched.remove(conn);
        perAddress.computeIfPresent(address, (k, n) -> n <= 1 ? null : n - 1);
      });
      if (limits.connectionsPerAddress() > 0 && count > limits.connectionsPerAddress()) {
        refusedOverCap.increment();
        if (refusedOverCap.sum() % 1000 == 1) {
          log.warn("http {}: more than {} connections from this address; closing new ones ({} so far)", address,
              limits.connectionsPerAddress(), refusedOverCap.sum());
        }
        conn.close();
        return;
      }
      watched.put(conn, new Watched(address, System.nanoTime()));
    }

    /** Wraps the server's request handler: notes each request as it starts. */
    public Handler<HttpServerRequest> watching(Handler<HttpServerRequest> handler) {
      return req -> {
        Watched w = watched.get(req.connection());
        if (w != null) {
          w.request = req;
          w.since = System.nanoTime();
          w.upgraded = req.headers().contains("Upgrade", "websocket", true);
        }
        handler.handle(req);
      };
    }

    private void sweep() {
      long now = System.nanoTime();
      for (Map.Entry<HttpConnection, Watched> e : new ArrayList<>(watched.entrySet())) {
        Watched w = e.getValue();
        HttpServerRequest req = w.request;
        if (w.upgraded) {
          watched.remove(e.getKey());
        } else if (req == null || req.isEnded() && req.response().ended()) {
          if (req != null) {
            // The previous request is over: the wait for the next one's headers starts now.
            w.request = null;
            w.since = now;
          } else if (now - w.since > limits.headerTimeout().toNanos()) {
            closedSlowHeaders.increment();
            e.getKey().close();
          }
        } else if (!req.isEnded() && now - w.since > limits.bodyTimeout().toNanos()) {
          closedSlowBody.increment();
          timeOut(req, e.getKey());
        }
      }
    }
  }

  private void timeOut(HttpServerRequest req, HttpConnection conn) {
    log.info("http {}: {} {}: the body did not arrive within {}s; closing", Api.clientAddress(req), req.method(),
        req.path(), limits.bodyTimeout().toSeconds());
    if (req.response().headWritten() || req.response().ended()) {
      conn.close();
      return;
    }
    req.response().setStatusCode(408).putHeader("Connection", "close")
        .putHeader("Content-Type", "application/json; charset=utf-8")
        .end(new JsonObject().put("code", "body_timeout").put("message", "the request body did not arrive within "
            + limits.bodyTimeout().toSeconds() + " s; check the network and try again").encode())
        .onComplete(x -> conn.close());
  }

  /** Counters, for operators and the bad-input suite (each loop's connections counted as they are now). */
  public JsonObject figures() {
    int open = 0;
    for (Loop loop : loops) {
      open += loop.watched.size();
    }
    return new JsonObject().put("open", open).put("addresses", perAddress.size())
        .put("refusedOverCap", refusedOverCap.sum()).put("closedSlowHeaders", closedSlowHeaders.sum())
        .put("closedSlowBody", closedSlowBody.sum());
  }
}
