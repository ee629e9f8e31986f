package io.kanyan.signaling.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.signaling.testing.RawHttp;
import io.kanyan.signaling.testing.TestServer;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Behind HAProxy with {@code send-proxy-v2} (deploy/cluster) every connection comes from the balancer; with
 * KANYAN_PROXY_PROTOCOL the server takes the client's address from the PROXY header, so a limit per address limits
 * a client, not the whole bureau behind the balancer.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProxyProtocolTest {

  static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start(Map.of("KANYAN_PROXY_PROTOCOL", "true", "KANYAN_MAX_CONNECTIONS_PER_ADDRESS", "1"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static RawHttp from(String client) {
    return new RawHttp(server.httpPort()).send("PROXY TCP4 " + client + " 127.0.0.1 40000 " + server.httpPort()
        + "\r\nGET /health HTTP/1.1\r\nHost: localhost\r\n\r\n");
  }

  @Test
  void countsConnectionsPerClientNamedInTheProxyHeader() {
    List<RawHttp> open = new ArrayList<>();
    try {
      RawHttp first = from("198.51.100.7");
      open.add(first);
      assertThat(first.read().status()).isEqualTo(200);
      // Same balancer address, another client: served (it would be over a cap of 1 if the balancer's address counted).
      RawHttp other = from("198.51.100.8");
      open.add(other);
      assertThat(other.read().status()).isEqualTo(200);
      // The first client again: over its cap of one.
      try (RawHttp again = from("198.51.100.7")) {
        assertThat(again.awaitClosed()).isTrue();
      }
    } finally {
      open.forEach(RawHttp::close);
    }
  }

  @Test
  void readsTheProxyHeaderBeforeTheTlsHandshakeAsHaproxySendsIt() throws Exception {
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, new TrustManager[] {new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) {
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) {
        // the test server's self-signed certificate, as HAProxy's `ssl verify none` to the nodes
      }

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    }}, null);
    try (Socket plain = new Socket("localhost", server.httpsPort())) {
      plain.setSoTimeout(30_000);
      plain.getOutputStream().write(("PROXY TCP4 198.51.100.9 127.0.0.1 40000 443\r\n").getBytes(StandardCharsets.US_ASCII));
      try (SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket(plain, "localhost", server.httpsPort(),
          true)) {
        socket.startHandshake();
        socket.getOutputStream().write("GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(answer).startsWith("HTTP/1.1 200");
      }
    }
  }

  @Test
  void refusesAConnectionWithoutAProxyHeader() {
    try (RawHttp direct = new RawHttp(server.httpPort()).send("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")) {
      assertThat(direct.awaitClosed()).isTrue();
    }
  }
}
