package io.kanyan.signaling.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.signaling.testing.Http;
import io.kanyan.signaling.testing.RawHttp;
import io.kanyan.signaling.testing.Staff;
import io.kanyan.signaling.testing.TestServer;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The HTTP bad-input suite: malformed, oversized and slow requests sent byte for byte. Each must get a 4xx with
 * a JSON problem (or, below HTTP, a closed connection), never a 500, and the server must answer normally
 * afterwards. Prints, per case, the status, the time to the answer and the bytes sent before it. (The
 * WebSocket cases are in the signaling suite.)
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HttpBadInputTest {

  static TestServer server;
  static Http ian;
  static String id;
  static final List<String> figures = new ArrayList<>();

  @BeforeAll
  static void start() {
    server = TestServer.start(Map.of("KANYAN_HTTP_HEADER_TIMEOUT", "2s", "KANYAN_HTTP_BODY_TIMEOUT", "3s"));
    ian = Staff.as(server, "ian", "inspector");
    id = ian.post("/api/inspections", server.inspectionBody("BAD-1")).bodyAsJsonObject()
        .getJsonObject("inspection").getString("id");
  }

  @AfterAll
  static void stop() {
    System.out.println("HTTP bad-input suite (case | answer | ms to answer | bytes sent):\n" + String.join("\n", figures)
        + "\nconnection guard: " + server.running().server().connectionGuard().figures());
    server.close();
  }

  @Test
  void malformedRequestsGet4xx() {
    String cookie = "Cookie: kanyan_session=" + ian.sessionCookie() + "\r\n";
    expect4xx("garbage request line", "HELLO\r\n\r\n");
    expect4xx("bad percent escape in the query", "GET /api/inspections?caseNumber=%zz HTTP/1.1\r\nHost: x\r\n"
        + cookie + "\r\n");
    expect4xx("bad percent escape in the path", "GET /api/inspections/%zz HTTP/1.1\r\nHost: x\r\n" + cookie + "\r\n");
    expect4xx("NUL in the path", "GET /api/inspections/a%00b HTTP/1.1\r\nHost: x\r\n" + cookie + "\r\n");
    expect4xx("path traversal", "GET /js/../../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n");
    expect4xx("id colliding with the invite key", "GET /api/inspections/" + id + ":invite HTTP/1.1\r\nHost: x\r\n"
        + cookie + "\r\n");
    expect4xx("year +999999999 in a search", "GET /api/inspections?from=%2B999999999-01-01T00:00:00Z HTTP/1.1\r\n"
        + "Host: x\r\n" + cookie + "\r\n");
    expect4xx("broken JSON", json("/api/inspections", cookie, "{\"caseNumber\":"));
    expect4xx("JSON array instead of object", json("/api/inspections", cookie, "[1,2,3]"));
    expect4xx("JSON as text/plain", "POST /api/inspections HTTP/1.1\r\nHost: x\r\n" + cookie
        + "Content-Type: text/plain\r\nContent-Length: 2\r\n\r\n{}");
    expect4xx("Content-Length not a number", "POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + "Content-Length: lots\r\n\r\n{}");
    expect4xx("bad chunk size", "POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n");
    expect4xx("invite %zz on the socket", "GET /ws?invite=%zz HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
        + "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
    assertThat(ian.get("/health").statusCode()).isEqualTo(200);
  }

  @Test
  void oversizedRequestsAreRefusedWithoutReadingThem() {
    String cookie = "Cookie: kanyan_session=" + ian.sessionCookie() + "\r\n";
    expect4xx("100 KB header", "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(100_000) + "\r\n\r\n");
    expect4xx("10 KB URL", "GET /api/inspections?caseNumber=" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: x\r\n\r\n");
    expect4xx("65 KB JSON body", json("/api/inspections", cookie, "{\"x\":\"" + "a".repeat(66_000) + "\"}"));
    expect4xx("declared 11 MB snapshot", "POST /api/inspections/" + id + "/snapshots HTTP/1.1\r\nHost: x\r\n" + cookie
        + "Content-Type: image/jpeg\r\nX-Content-SHA256: " + "0".repeat(64) + "\r\nContent-Length: 11534336\r\n\r\n");
    expect4xx("declared 9 MB slice", "PUT /api/inspections/" + id + "/recordings/1/slices/1 HTTP/1.1\r\nHost: x\r\n"
        + cookie + "Content-Type: video/webm\r\nX-Content-SHA256: " + "0".repeat(64)
        + "\r\nContent-Length: 9437184\r\n\r\n");
    expect4xx("anonymous 10 MB snapshot", "POST /api/inspections/" + id + "/snapshots HTTP/1.1\r\nHost: x\r\n"
        + "Content-Type: image/jpeg\r\nX-Content-SHA256: " + "0".repeat(64) + "\r\nContent-Length: 10000000\r\n\r\n"
        + "x".repeat(65_536));
    assertThat(ian.get("/health").statusCode()).isEqualTo(200);
  }

  @Test
  void slowLorisConnectionsAreClosed() throws Exception {
    int n = 50;
    List<RawHttp> loris = new ArrayList<>();
    long start = System.nanoTime();
    for (int i = 0; i < n; i++) {
      RawHttp c = new RawHttp(server.httpPort());
      c.send(i % 2 == 0 ? "GET /health HTTP/1.1\r\nHost: x\r\nX-A: " // headers that never end
          : "POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{");
      loris.add(c);
    }
    for (int round = 0; round < 3; round++) { // a byte a second each, so the plain idle time-out never fires
      Thread.sleep(1000);
      for (RawHttp c : loris) {
        c.trySend("a".getBytes());
      }
    }
    int closed = 0;
    int answered408 = 0;
    for (RawHttp c : loris) {
      try {
        if (c.read().status() == 408) {
          answered408++;
        }
      } catch (UncheckedIOException e) {
        // closed without an answer: headers that never ended
      }
      if (c.awaitClosed()) {
        closed++;
      }
      c.close();
    }
    figures.add(String.format("%d slow-loris connections (half in headers, half in a body) | %d closed, %d with 408 | "
        + "%d ms until all closed | -", n, closed, answered408, (System.nanoTime() - start) / 1_000_000));
    assertThat(closed).isEqualTo(n);
    assertThat(answered408).isEqualTo(n / 2);
    assertThat(ian.get("/health").statusCode()).isEqualTo(200);
  }

  private static String json(String path, String cookie, String body) {
    return "POST " + path + " HTTP/1.1\r\nHost: x\r\n" + cookie + "Content-Type: application/json\r\nContent-Length: "
        + body.getBytes().length + "\r\n\r\n" + body;
  }

  /** Sends a request and checks it gets a 4xx (or a closed connection, for what is not HTTP at all). */
  private static void expect4xx(String name, String request) {
    long start = System.nanoTime();
    try (RawHttp c = new RawHttp(server.httpPort())) {
      boolean sent = c.trySend(request.getBytes());
      String answer;
      try {
        RawHttp.Response r = c.read();
        answer = Integer.toString(r.status());
        assertThat(r.status()).as(name).isBetween(400, 499);
        if (!r.body().isEmpty() && r.head().toLowerCase().contains("application/json")) {
          assertThat(r.body()).as(name).contains("\"code\"");
        }
      } catch (UncheckedIOException e) {
        answer = "closed";
      }
      figures.add(String.format("%s | %s | %.1f | %d%s", name, answer, (System.nanoTime() - start) / 1e6, c.sent(),
          sent ? "" : " (send cut off)"));
    }
  }
}
