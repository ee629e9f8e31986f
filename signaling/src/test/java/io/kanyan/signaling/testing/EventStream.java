package io.kanyan.signaling.testing;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A real server-sent events client (as a browser's EventSource reads {@code text/event-stream}): it records every
 * event with its name and JSON data, and offers blocking waits for the test thread.
 */
public final class EventStream implements AutoCloseable {

  /** One event: its name and its data. */
  public record Event(String name, JsonObject data) {
  }

  private final HttpClient client;
  private final LinkedBlockingQueue<Event> inbox = new LinkedBlockingQueue<>();
  private final List<Event> skipped = new ArrayList<>();
  private final CompletableFuture<Void> ended = new CompletableFuture<>();
  private final StringBuilder pending = new StringBuilder();
  private final int status;

  private EventStream(HttpClient client, HttpClientResponse response) {
    this.client = client;
    this.status = response.statusCode();
    if (status != 200) {
      // A refusal is a short JSON answer, possibly read whole already: there is no stream to follow.
      ended.complete(null);
      return;
    }
    response.handler(buffer -> parse(buffer.toString()));
    response.endHandler(v -> ended.complete(null));
    response.exceptionHandler(err -> ended.complete(null));
  }

  /** Opens {@code path} with the session cookie (or none); the answer's status is {@link #status()}. */
  public static EventStream open(Vertx vertx, int port, String path, String sessionCookie) {
    HttpClient client = vertx.createHttpClient();
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost("localhost").setPort(port)
        .setURI(path).addHeader("Accept", "text/event-stream");
    if (sessionCookie != null) {
      options.addHeader("Cookie", "kanyan_session=" + sessionCookie);
    }
    // The handlers are set on the event loop as the answer arrives, before any of its body is delivered.
    return client.request(options).compose(req -> req.send()).map(response -> new EventStream(client, response))
        .await();
  }

  public int status() {
    return status;
  }

  private synchronized void parse(String text) {
    pending.append(text);
    int end;
    while ((end = pending.indexOf("\n\n")) >= 0) {
      String block = pending.substring(0, end);
      pending.delete(0, end + 2);
      String name = "message";
      StringBuilder data = new StringBuilder();
      for (String line : block.split("\n")) {
        if (line.startsWith("event:")) {
          name = line.substring(6).trim();
        } else if (line.startsWith("data:")) {
          data.append(line.substring(5).trim());
        }
      }
      if (data.length() > 0) {
        inbox.add(new Event(name, new JsonObject(data.toString())));
      }
    }
  }

  /** Waits for the next event named {@code name} that {@code test} accepts; others are kept for later calls. */
  public Event next(String name, java.util.function.Predicate<JsonObject> test, long timeoutMs) {
    for (Iterator<Event> it = skipped.iterator(); it.hasNext(); ) {
      Event e = it.next();
      if (e.name().equals(name) && test.test(e.data())) {
        it.remove();
        return e;
      }
    }
    long deadline = System.currentTimeMillis() + timeoutMs;
    try {
      while (true) {
        long left = deadline - System.currentTimeMillis();
        Event e = left <= 0 ? null : inbox.poll(left, TimeUnit.MILLISECONDS);
        if (e == null) {
          throw new AssertionError("no '" + name + "' event as expected within " + timeoutMs + " ms; got " + skipped);
        }
        if (e.name().equals(name) && test.test(e.data())) {
          return e;
        }
        skipped.add(e);
      }
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
      throw new AssertionError(ex);
    }
  }

  public Event next(String name) {
    return next(name, d -> true, 10_000);
  }

  /** Every event received so far that no {@link #next} took. */
  public List<Event> drain() {
    List<Event> all = new ArrayList<>(skipped);
    skipped.clear();
    inbox.drainTo(all);
    return all;
  }

  /** True once the server ended the stream within {@code timeoutMs}. */
  public boolean awaitEnd(long timeoutMs) {
    try {
      ended.get(timeoutMs, TimeUnit.MILLISECONDS);
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  @Override
  public void close() {
    client.close();
  }
}
