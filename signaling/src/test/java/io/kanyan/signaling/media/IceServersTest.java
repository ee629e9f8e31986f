package io.kanyan.signaling.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class IceServersTest {

  static final String SECRET = "test-shared-secret";
  static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(1_800_000_000L), ZoneOffset.UTC);

  final IceServers ice = new IceServers(List.of("stun:192.0.2.10:3478"),
      List.of("turn:192.0.2.10:3478?transport=udp", "turns:turn.example.org:5349"), SECRET, Duration.ofHours(1), CLOCK);

  @Test
  void mintsCoturnRestApiCredentialsThatExpire() throws Exception {
    IceServers.TurnCredentials credentials = ice.mint("insp-1");

    assertThat(credentials.username()).isEqualTo((1_800_000_000L + 3600) + ":insp-1");
    Mac mac = Mac.getInstance("HmacSHA1");
    mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
    String expected = Base64.getEncoder().encodeToString(mac.doFinal(credentials.username().getBytes(StandardCharsets.UTF_8)));
    assertThat(credentials.credential()).isEqualTo(expected);
    assertThat(credentials.toString()).doesNotContain(credentials.credential());
  }

  @Test
  void givesBrowsersStunAndTurnWithEphemeralCredentialsButNeverTheSecret() {
    JsonArray servers = ice.forBrowser("insp-1");

    assertThat(servers).hasSize(2);
    assertThat(servers.getJsonObject(0)).isEqualTo(new JsonObject().put("urls", new JsonArray().add("stun:192.0.2.10:3478")));
    JsonObject turn = servers.getJsonObject(1);
    assertThat(turn.getJsonArray("urls")).containsExactly("turn:192.0.2.10:3478?transport=udp", "turns:turn.example.org:5349");
    assertThat(turn.getString("username")).endsWith(":insp-1");
    assertThat(turn.getString("credential")).isEqualTo(ice.mint("insp-1").credential());
    assertThat(servers.encode()).doesNotContain(SECRET);
  }

  @Test
  void configuresKurentoWithStunAddressAndTurnUrlWithCredentials() {
    IceServers.KmsIce kms = ice.forKms("insp-2");
    IceServers.TurnCredentials credentials = ice.mint("insp-2");

    assertThat(kms.stunAddress()).contains("192.0.2.10");
    assertThat(kms.stunPort()).isEqualTo(3478);
    assertThat(kms.turnUrl()).contains(credentials.username() + ":" + credentials.credential()
        + "@192.0.2.10:3478?transport=udp");
    assertThat(kms.toString()).doesNotContain(credentials.credential());
  }

  @Test
  void withoutServersBrowsersGetAnEmptyListAndKurentoNothing() {
    assertThat(IceServers.none().forBrowser("x")).isEmpty();
    assertThat(IceServers.none().forKms("x").stunAddress()).isEmpty();
    assertThat(IceServers.none().forKms("x").turnUrl()).isEmpty();
  }

  @Test
  void refusesTurnWithoutASecretAndMalformedUrls() {
    assertThatThrownBy(() -> new IceServers(List.of(), List.of("turn:192.0.2.1"), " ", Duration.ofHours(1), CLOCK))
        .hasMessageContaining("KANYAN_TURN_SECRET");
    assertThatThrownBy(() -> new IceServers(List.of("http://x"), List.of(), null, Duration.ofHours(1), CLOCK))
        .hasMessageContaining("must start with stun:");
    assertThat(IceServers.parseList(" stun:a:1, ,stun:b:2 ")).containsExactly("stun:a:1", "stun:b:2");
  }
}
