package io.kanyan.recorder.timestamp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kanyan.recorder.testing.LocalTsa;
import io.vertx.core.Vertx;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Tree heads stamped by a real RFC 3161 TSA on loopback ({@code openssl ts -reply}). */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class TimestampsTest {

  private static final byte[] TREE_HEAD = ("kanyan.example/log\n7\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n"
      + "\u2014 kanyan.example/log Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n")
      .getBytes(StandardCharsets.UTF_8);

  @TempDir
  Path dir;
  LocalTsa tsa;
  Timestamps timestamps;

  @BeforeEach
  void start(Vertx vertx) {
    tsa = LocalTsa.start(vertx, dir.resolve("tsa"), "Kanyan test TSA");
  }

  @AfterEach
  void stop() {
    if (timestamps != null) {
      timestamps.close().await();
    }
    tsa.close();
  }

  private Timestamps open(Vertx vertx, String url) {
    TsaSettings settings = new TsaSettings(URI.create(url), tsa.rootCertificate(), Duration.ofSeconds(10), 3,
        Duration.ofMillis(50));
    timestamps = Timestamps.open(vertx, settings, dir.resolve("timestamps")).await();
    return timestamps;
  }

  @Test
  void storesAVerifiedTokenForEachTreeHead(Vertx vertx) {
    Instant before = Instant.now().minusSeconds(2);
    Instant stamped = open(vertx, tsa.url()).stampNow(7, TREE_HEAD).await();

    byte[] token = timestamps.token(7).orElseThrow();
    TimestampVerifier.Stamp stamp = timestamps.verifier().verify(token, TREE_HEAD);
    assertThat(stamp.time()).isEqualTo(stamped).isAfter(before);
    assertThat(stamp.tsa()).contains("Kanyan test TSA");
    assertThat(tsa.answered()).isEqualTo(1);
  }

  @Test
  void aTokenDoesNotVerifyForAnotherTreeHeadNorUnderAnotherAuthority(Vertx vertx) {
    open(vertx, tsa.url()).stampNow(7, TREE_HEAD).await();
    byte[] token = timestamps.token(7).orElseThrow();

    byte[] rewritten = new String(TREE_HEAD, StandardCharsets.UTF_8).replace("\n7\n", "\n8\n")
        .getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> timestamps.verifier().verify(token, rewritten))
        .isInstanceOf(TimestampException.class).hasMessageContaining("message imprint");

    try (LocalTsa other = LocalTsa.start(vertx, dir.resolve("other"), "Someone else's TSA")) {
      TimestampVerifier trustsOther = TimestampVerifier.fromPem(other.rootCertificate());
      assertThatThrownBy(() -> trustsOther.verify(token, TREE_HEAD))
          .isInstanceOf(TimestampException.class).hasMessageContaining("does not chain to a configured trust anchor");
    }
    byte[] flipped = token.clone();
    flipped[flipped.length - 10] ^= 1;
    assertThatThrownBy(() -> timestamps.verifier().verify(flipped, TREE_HEAD))
        .isInstanceOf(TimestampException.class);
  }

  @Test
  void aTsaThatRefusesIsRetriedAndReported(Vertx vertx) {
    tsa.refuseNext(2);
    open(vertx, tsa.url()).stampNow(7, TREE_HEAD).await();

    assertThat(timestamps.token(7)).isPresent();
    Timestamps.Status status = timestamps.status();
    assertThat(status.failedTries()).isEqualTo(2);
    assertThat(status.stamped()).isEqualTo(1);
    assertThat(status.unstamped()).isZero();
    assertThat(status.lastError()).contains("HTTP 503");
  }

  @Test
  void anUnreachableTsaLeavesTheTreeHeadUnstampedReportedAndTriedWithTheNext(Vertx vertx) throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    open(vertx, "http://127.0.0.1:" + closedPort + "/tsa");
    assertThatThrownBy(() -> timestamps.stampNow(7, TREE_HEAD).await()).isInstanceOf(Exception.class);

    Timestamps.Status status = timestamps.status();
    assertThat(status.failedTries()).isEqualTo(3);
    assertThat(status.unstamped()).isEqualTo(1);
    assertThat(status.lastError()).contains("tree head 7");
    assertThat(timestamps.token(7)).isEmpty();
  }

  @Test
  void anUnstampedTreeHeadIsStampedWithTheNextOnceTheTsaIsBack(Vertx vertx) {
    tsa.refuseNext(3);
    open(vertx, tsa.url());
    assertThatThrownBy(() -> timestamps.stampNow(7, TREE_HEAD).await()).isInstanceOf(Exception.class);
    assertThat(timestamps.status().unstamped()).isEqualTo(1);

    byte[] next = new String(TREE_HEAD, StandardCharsets.UTF_8).replace("\n7\n", "\n9\n")
        .getBytes(StandardCharsets.UTF_8);
    timestamps.stamp(9, next);
    timestamps.stampNow(9, next).await();
    timestamps.stampNow(7, TREE_HEAD).await();

    assertThat(timestamps.verifier().verify(timestamps.token(7).orElseThrow(), TREE_HEAD)).isNotNull();
    assertThat(timestamps.verifier().verify(timestamps.token(9).orElseThrow(), next)).isNotNull();
    assertThat(timestamps.status().unstamped()).isZero();
  }
}
