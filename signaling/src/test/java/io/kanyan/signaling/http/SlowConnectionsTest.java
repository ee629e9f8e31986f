package io.kanyan.signaling.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.signaling.testing.RawHttp;
import io.kanyan.signaling.testing.TestServer;
import io.vertx.core.json.JsonObject;
import java.net.SocketException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Slow and numerous connections are cut off: header and body time-outs, and a cap per client address. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SlowConnectionsTest {

  static TestServer server;

  @BeforeAll
  static void start() {
    // Two loops take connections (the server loop and a call loop), on any machine: the cap per address and the
    // slow-client rules hold over the connections of both.
    server = TestServer.start(Map.of("KANYAN_HTTP_HEADER_TIMEOUT", "1s", "KANYAN_HTTP_BODY_TIMEOUT", "2s",
        "KANYAN_MAX_CONNECTIONS_PER_ADDRESS", "8", "KANYAN_CALL_LOOPS", "1"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void closesAConnectionThatNeverFinishesItsHeaders() throws Exception {
    try (RawHttp slow = new RawHttp(server.httpPort())) {
      slow.send("GET /health HTTP/1.1\r\nHost: localhost\r\n");
      for (int i = 0; i < 4; i++) { // one header byte every half second keeps the plain idle time-out quiet
        Thread.sleep(500);
        if (!slow.trySend("X".getBytes())) {
          break;
        }
      }
      assertThat(slow.awaitClosed()).isTrue();
    }
    try (RawHttp silent = new RawHttp(server.httpPort())) {
      assertThat(silent.awaitClosed()).isTrue();
    }
  }

  @Test
  void closesATlsConnectionThatNeverFinishesItsHeaders() throws Exception {
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, new TrustManager[] {new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) {
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) {
        // the test server's self-signed certificate
      }

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    }}, null);
    try (SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket("localhost", server.httpsPort())) {
      socket.setSoTimeout(30_000);
      socket.startHandshake();
      socket.getOutputStream().write("GET /health HTTP/1.1\r\nHost: localhost\r\n".getBytes());
      socket.getOutputStream().flush();
      int read;
      try {
        read = socket.getInputStream().read();
      } catch (SocketException | SSLException e) {
        read = -1;
      }
      assertThat(read).as("the server closed the half-sent TLS request").isEqualTo(-1);
    }
  }

  @Test
  void closesAKeptAliveConnectionThatStallsInItsNextRequest() throws Exception {
    try (RawHttp slow = new RawHttp(server.httpPort())) {
      assertThat(slow.send("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n").read().status()).isEqualTo(200);
      slow.send("GET /health HTTP/1.1\r\n");
      assertThat(slow.awaitClosed()).isTrue();
    }
  }

  @Test
  void answers408WhenTheBodyDoesNotArriveInTime() {
    try (RawHttp slow = new RawHttp(server.httpPort())) {
      slow.send("POST /api/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
          + "Content-Length: 100\r\n\r\n{\"username\":");
      RawHttp.Response r = slow.read();
      assertThat(r.status()).isEqualTo(408);
      assertThat(new JsonObject(r.body()).getString("code")).isEqualTo("body_timeout");
      assertThat(slow.awaitClosed()).isTrue();
    }
  }

  @Test
  void capsTheConnectionsOfOneAddress() {
    List<RawHttp> open = new ArrayList<>();
    try {
      for (int i = 0; i < 8; i++) {
        RawHttp c = new RawHttp(server.httpPort());
        open.add(c);
        assertThat(c.send("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n").read().status()).isEqualTo(200);
      }
      try (RawHttp ninth = new RawHttp(server.httpPort())) {
        assertThat(ninth.awaitClosed()).isTrue();
      }
      open.remove(0).close();
      awaitFigure("refusedOverCap", 1);
    } finally {
      open.forEach(RawHttp::close);
      awaitCapFreed();
    }
  }

  /** The server learns of the closes a moment later: until then the next test's connection would be over the cap. */
  private static void awaitCapFreed() {
    for (int i = 0; i < 100; i++) {
      try (RawHttp probe = new RawHttp(server.httpPort())) {
        if (probe.send("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n").read().status() == 200) {
          return;
        }
      } catch (RuntimeException closedOverCap) {
        // still at the cap
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static void awaitFigure(String name, long atLeast) {
    JsonObject figures = server.running().server().connectionGuard().figures();
    assertThat(figures.getLong(name)).isGreaterThanOrEqualTo(atLeast);
  }
}
