package io.kanyan.signaling.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.signaling.testing.TestServer;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.InputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.file.Files;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A phone on the LAN opens {@code https://<this machine's address>:8443}: the generated certificate must name
 * that address (so the only warning is the self-signed issuer), and the pages must be served there.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LanHttpsTest {

  @Test
  void theSelfSignedCertificateNamesEveryLanAddressAndThePagesAreServedThere() throws Exception {
    try (TestServer server = TestServer.start()) {
      X509Certificate cert;
      try (InputStream in = Files.newInputStream(server.dataDir().resolve("tls/self-signed-cert.pem"))) {
        cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
      }
      List<String> names = cert.getSubjectAlternativeNames().stream().map(n -> String.valueOf(n.get(1))).toList();
      List<InetAddress> lan = Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
          .flatMap(nic -> Collections.list(nic.getInetAddresses()).stream())
          .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress()).toList();
      assertThat(names).contains("localhost", "127.0.0.1");
      for (InetAddress a : lan) {
        assertThat(names).contains(a.getHostAddress());
      }
      String host = lan.isEmpty() ? "127.0.0.1" : lan.get(0).getHostAddress();
      WebClient phone = WebClient.create(server.vertx(), new WebClientOptions().setSsl(true).setTrustAll(true)
          .setVerifyHost(false));
      HttpResponse<Buffer> page = phone.get(server.httpsPort(), host, "/applicant.html").send().await();
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.bodyAsString()).contains("<html");
      assertThat(phone.get(server.httpsPort(), host, "/health").send().await().bodyAsJsonObject().getString("status"))
          .isEqualTo("UP");
    }
  }
}
