package io.kanyan.signaling.media;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class PeerToPeerMediaTest {

  @Test
  void browsersGetStunAndFreshTurnCredentialsPerCall() {
    IceServers ice = new IceServers(List.of("stun:192.0.2.10:3478"), List.of("turn:192.0.2.10:3478"), "s3cret",
        Duration.ofHours(1), Clock.systemUTC());
    PeerToPeerMedia media = new PeerToPeerMedia(ice);

    assertThat(media.mode()).isEqualTo("p2p");
    assertThat(media.iceServersFor("insp-a").getJsonObject(1).getString("username")).endsWith(":insp-a");
    assertThat(media.iceServersFor("insp-b").getJsonObject(1).getString("username")).endsWith(":insp-b");
    assertThat(media.iceServersFor("insp-a").encode()).doesNotContain("s3cret");
  }
}
