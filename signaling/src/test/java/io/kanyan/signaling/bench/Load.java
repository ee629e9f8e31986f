package io.kanyan.signaling.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Drives N pairs of WebSocket connections: one side of each pair sends relay messages that carry their
 * send time; the other side records the relay latency. The same driver measures Kanyan and the bare relay.
 */
final class Load {

  /** The figures of one run. */
  record Result(String name, int pairs, long delivered, double seconds, long p50Micros, long p99Micros,
      long maxMicros) {

    double perSecond() {
      return delivered / seconds;
    }

    @Override
    public String toString() {
      return String.format("%-22s pairs=%d delivered=%d msgs/s=%.0f p50=%.2fms p99=%.2fms max=%.2fms", name, pairs,
          delivered, perSecond(), p50Micros / 1000.0, p99Micros / 1000.0, maxMicros / 1000.0);
    }
  }

  /** One pair's two open sockets. */
  record Pair(WebSocket sender, WebSocket receiver) {
  }

  private final Vertx vertx;
  private final WebSocketClient client;

  Load(Vertx vertx) {
    this.vertx = vertx;
    // Kept in a field for the whole run; a pool big enough for every connection to one host.
    this.client = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(10_000)
        .setConnectTimeout(30_000));
  }

  Future<WebSocket> connect(WebSocketConnectOptions options) {
    return client.connect(options);
  }

  /**
   * Sends {@code rate} messages per second from each pair's sender for {@code seconds}, after a warm-up,
   * and measures delivery at the receivers.
   *
   * @param message builds the text to send from the send time in nanoseconds
   */
  Result run(String name, List<Pair> pairs, int rate, int seconds, Function<Long, String> message,
      Function<String, Long> sentAt) throws InterruptedException {
    long[] samples = new long[Math.max(1, pairs.size() * rate * seconds * 2)];
    AtomicLong count = new AtomicLong();
    long[] window = new long[2];
    for (Pair p : pairs) {
      p.receiver().textMessageHandler(text -> {
        Long sent = sentAt.apply(text);
        if (sent == null) {
          return;
        }
        long now = System.nanoTime();
        if (now >= window[0] && now <= window[1]) {
          int i = (int) count.getAndIncrement();
          if (i < samples.length) {
            samples[i] = (now - sent) / 1000;
          }
        }
      });
    }
    long warmup = 2_000_000_000L;
    long start = System.nanoTime() + warmup;
    window[0] = start;
    window[1] = start + seconds * 1_000_000_000L;
    // Spread the senders over the period so the load is even, one timer per pair.
    long periodMs = Math.max(1, 1000 / rate);
    java.util.Queue<Long> timers = new java.util.concurrent.ConcurrentLinkedQueue<>();
    for (int i = 0; i < pairs.size(); i++) {
      WebSocket sender = pairs.get(i).sender();
      long offset = (i * periodMs) / Math.max(1, pairs.size()) + 1;
      vertx.setTimer(offset, t0 -> timers.add(vertx.setPeriodic(periodMs,
          t -> sender.writeTextMessage(message.apply(System.nanoTime())))));
    }
    Thread.sleep(warmup / 1_000_000 + seconds * 1000L + 500);
    timers.forEach(vertx::cancelTimer);
    int n = (int) Math.min(count.get(), samples.length);
    long[] sorted = Arrays.copyOf(samples, n);
    Arrays.sort(sorted);
    return new Result(name, pairs.size(), n, seconds, pct(sorted, 0.50), pct(sorted, 0.99),
        n == 0 ? 0 : sorted[n - 1]);
  }

  private static long pct(long[] sorted, double q) {
    return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
  }

  void close() {
    client.close();
  }
}
