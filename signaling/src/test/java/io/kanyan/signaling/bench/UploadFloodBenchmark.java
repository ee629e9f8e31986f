package io.kanyan.signaling.bench;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.LongAdder;

/**
 * The anonymous-upload flood of issue 9: N connections each POST a snapshot with {@code Content-Length:
 * 10000000} and no session, and try to send 9.8 MB of it, then hold the socket. Prints, for the server jar in
 * its own JVM, the RSS and live heap before and during the flood, how much body the server took before
 * answering, and the answers. Not a test: {@code deploy/scripts/bench-http.sh uploads [N]}.
 */
public final class UploadFloodBenchmark {

  static final int DECLARED = 10_000_000;
  static final int ATTEMPT = 9_800_000;

  public static void main(String[] args) throws Exception {
    List<String> a = ServerProcess.args(args, "345", "signaling/target/kanyan.jar");
    int n = Integer.parseInt(a.get(0));
    try (ServerProcess server = ServerProcess.start(Path.of(a.get(1)), "1g",
        Map.of("KANYAN_MAX_CONNECTIONS_PER_ADDRESS", "0"))) {
      System.out.printf("upload flood benchmark: %d anonymous 10 MB snapshot posts to the server jar (pid %d)%n", n,
          server.pid());
      System.out.println("before: " + server.memory());
      String path = "/api/inspections/00000000-0000-4000-8000-000000000000/snapshots";
      LongAdder sentBeforeAnswer = new LongAdder();
      LongAdder answered = new LongAdder();
      List<Socket> held = new ArrayList<>();
      ExecutorService pool = Executors.newFixedThreadPool(Math.min(n, 200));
      List<Future<String>> results = new ArrayList<>();
      long t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        results.add(pool.submit(() -> attack(server.port(), path, sentBeforeAnswer, answered, held)));
      }
      Map<String, Integer> statuses = new java.util.TreeMap<>();
      for (Future<String> f : results) {
        statuses.merge(f.get(), 1, Integer::sum);
      }
      pool.shutdown();
      double seconds = (System.nanoTime() - t0) / 1e9;
      System.out.printf("answers: %s in %.1f s; body bytes the client wrote before the answer, on average: %,d of "
          + "%,d declared (most of it into the two sides' socket buffers, unread by the server)%n",
          statuses, seconds, sentBeforeAnswer.sum() / Math.max(1, n), DECLARED);
      System.out.println("during the flood (attackers holding their sockets): " + server.memory());
      long t1 = System.nanoTime();
      HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + server.port() + "/health")).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
      System.out.printf("/health during the flood: %d in %.1f ms%n", health.statusCode(), (System.nanoTime() - t1) / 1e6);
      synchronized (held) {
        for (Socket s : held) {
          s.close();
        }
      }
      Thread.sleep(2000);
      System.out.println("after the attackers left: " + server.memory());
    }
  }

  /** One attacker: sends the head and as much body as the server takes, notes the answer, keeps the socket. */
  private static String attack(int port, String path, LongAdder sentBeforeAnswer, LongAdder answered,
      List<Socket> held) throws Exception {
    Socket socket = new Socket("127.0.0.1", port);
    synchronized (held) {
      held.add(socket);
    }
    socket.setSoTimeout(60_000);
    OutputStream out = socket.getOutputStream();
    InputStream in = socket.getInputStream();
    out.write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/jpeg\r\nX-Content-SHA256: "
        + "0".repeat(64) + "\r\nContent-Length: " + DECLARED + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    byte[] chunk = new byte[64 * 1024];
    long sent = 0;
    try {
      while (sent < ATTEMPT && in.available() == 0) {
        out.write(chunk);
        sent += chunk.length;
      }
    } catch (java.io.IOException e) {
      // the server closed the connection: it will not read the rest
    }
    sentBeforeAnswer.add(sent);
    byte[] head = new byte[12];
    int got = in.readNBytes(head, 0, 12);
    answered.increment();
    return got == 12 ? new String(head, 9, 3, StandardCharsets.US_ASCII) : "closed";
  }

  private UploadFloodBenchmark() {
  }
}
