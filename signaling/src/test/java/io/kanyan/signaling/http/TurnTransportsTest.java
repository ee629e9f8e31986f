package io.kanyan.signaling.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.signaling.testing.Http;
import io.kanyan.signaling.testing.Staff;
import io.kanyan.signaling.testing.TestServer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A server configured with only {@code KANYAN_TURN_HOST} hands the applicant's phone TURN over UDP, TCP and TLS on
 * 443, with ephemeral credentials that coturn's {@code use-auth-secret} accepts (HMAC-SHA1 of the username under
 * the shared secret) and that expire.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TurnTransportsTest {

  static final String SECRET = "turn-transports-test-secret";
  static TestServer server;
  static Http ian;

  @BeforeAll
  static void start() {
    server = TestServer.start(Map.of("KANYAN_TURN_HOST", "turn.bureau.example", "KANYAN_TURN_SECRET", SECRET,
        "KANYAN_TURN_TTL", "2h"));
    ian = Staff.as(server, "ian", "inspector");
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void thePhoneGetsTurnOverUdpTcpAndTlsOn443WithValidEphemeralCredentials() throws Exception {
    HttpResponse<Buffer> created = ian.post("/api/inspections", server.inspectionBody("TURN-3"));
    assertThat(created.statusCode()).isEqualTo(201);
    String id = created.bodyAsJsonObject().getJsonObject("inspection").getString("id");
    String token = created.bodyAsJsonObject().getJsonObject("invite").getString("token");

    JsonArray servers = new Http(server.vertx(), server.httpPort())
        .getWithHeader("/api/invite/ice", InspectionsResource.INVITE_HEADER, token).bodyAsJsonObject()
        .getJsonArray("iceServers");

    JsonObject turn = servers.stream().map(s -> (JsonObject) s)
        .filter(s -> s.getJsonArray("urls").getString(0).startsWith("turn")).findFirst().orElseThrow();
    assertThat(turn.getJsonArray("urls").getList()).containsExactly(
        "turn:turn.bureau.example:3478?transport=udp",
        "turn:turn.bureau.example:3478?transport=tcp",
        "turns:turn.bureau.example:443?transport=tcp");
    String username = turn.getString("username");
    long expiry = Long.parseLong(username.substring(0, username.indexOf(':')));
    long now = server.clock().instant().getEpochSecond();
    assertThat(username).endsWith(":" + id);
    assertThat(expiry - now).isEqualTo(7200);
    Mac mac = Mac.getInstance("HmacSHA1");
    mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
    assertThat(turn.getString("credential"))
        .isEqualTo(Base64.getEncoder().encodeToString(mac.doFinal(username.getBytes(StandardCharsets.UTF_8))));
    assertThat(servers.encode()).doesNotContain(SECRET);
  }
}
