package io.kanyan.signaling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigTest {

  @Test
  void defaultsAreTheEmbeddedSetup() {
    Config c = Config.from(Map.of());
    assertThat(c.embeddedRedis()).isTrue();
    assertThat(c.kurento()).isFalse();
    assertThat(c.httpsPort()).isEqualTo(8443);
    assertThat(c.devHttpPort()).isEqualTo(8080);
    assertThat(c.inviteTtl()).isEqualTo(Duration.ofHours(24));
    assertThat(c.gracePeriod()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.adminPassword()).isNull();
    assertThat(c.dataDir().isAbsolute()).isTrue();
    assertThat(c.dataDir().getFileName().toString()).isEqualTo("data");
  }

  @Test
  void theEnvironmentWinsOverTheFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("kanyan.properties");
    Files.writeString(file, "KANYAN_GRACE_PERIOD=45s\nKANYAN_INVITE_TTL=2d\nKMS_URL=ws://a:8888/kurento, ws://b:8888/kurento\n");
    Config c = Config.from(Map.of("KANYAN_CONFIG", file.toString(), "KANYAN_GRACE_PERIOD", "10s"));
    assertThat(c.gracePeriod()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.inviteTtl()).isEqualTo(Duration.ofDays(2));
    assertThat(c.kmsUrls()).containsExactly("ws://a:8888/kurento", "ws://b:8888/kurento");
  }

  @Test
  void replicaAcknowledgementIsOffByDefaultAndChecked() {
    Config single = Config.from(Map.of());
    assertThat(single.redisAcks().required()).isFalse();
    Config sentinel = Config.from(Map.of("REDIS_URL", "redis-sentinel://:pw@h1:26379,h2:26379,h3:26379#kanyan",
        "KANYAN_REDIS_REPLICA_ACKS", "1", "KANYAN_REDIS_ACK_TIMEOUT_MS", "250",
        "KANYAN_REDIS_SENTINEL_PASSWORD", "sentinel-secret"));
    assertThat(sentinel.redisAcks().replicas()).isEqualTo(1);
    assertThat(sentinel.redisAcks().timeout()).isEqualTo(Duration.ofMillis(250));
    assertThat(sentinel.describe()).contains("redis=sentinel", "redisReplicaAcks=1", "redisSentinelPassword=(set)")
        .doesNotContain("sentinel-secret").doesNotContain(":pw@");
    assertThatThrownBy(() -> Config.from(Map.of("KANYAN_REDIS_REPLICA_ACKS", "-1")))
        .hasMessageContaining("KANYAN_REDIS_REPLICA_ACKS");
    assertThatThrownBy(() -> Config.from(Map.of("KANYAN_REDIS_ACK_TIMEOUT_MS", "0")))
        .hasMessageContaining("KANYAN_REDIS_ACK_TIMEOUT_MS");
  }

  @Test
  void replicaAcknowledgementWithTheEmbeddedRedisIsRefusedAtStart() {
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    try {
      assertThatThrownBy(() -> Storage.open(vertx, Config.from(Map.of("KANYAN_REDIS_REPLICA_ACKS", "1"))).await())
          .hasMessageContaining("embedded Redis has no replica").hasMessageContaining("redis-sentinel://");
    } finally {
      vertx.close().await();
    }
  }

  @Test
  void badValuesNameTheKey() {
    assertThatThrownBy(() -> Config.from(Map.of("KANYAN_HTTPS_PORT", "eighty")))
        .hasMessageContaining("KANYAN_HTTPS_PORT");
    assertThatThrownBy(() -> Config.from(Map.of("KANYAN_INVITE_TTL", "soon")))
        .hasMessageContaining("KANYAN_INVITE_TTL").hasMessageContaining("24h");
    assertThatThrownBy(() -> Config.from(Map.of("KANYAN_TLS", "maybe"))).hasMessageContaining("true or false");
  }

  @Test
  void locationFixesGoOnTheTrailEvery30sOrOnA10mMoveByDefaultAndBadSettingsAreRefused() {
    assertThat(Config.from(Map.of()).locationTrail())
        .isEqualTo(new io.kanyan.recorder.trail.LocationFixes.Settings(Duration.ofSeconds(30), 10));
    assertThat(Config.from(Map.of("KANYAN_LOCATION_TRAIL_INTERVAL", "2m", "KANYAN_LOCATION_TRAIL_DISTANCE", "25"))
        .locationTrail()).isEqualTo(new io.kanyan.recorder.trail.LocationFixes.Settings(Duration.ofMinutes(2), 25));
    assertThatThrownBy(() -> Config.from(Map.of("KANYAN_LOCATION_TRAIL_INTERVAL", "500ms")))
        .hasMessageContaining("KANYAN_LOCATION_TRAIL_INTERVAL must be between 2s and 1h");
    assertThatThrownBy(() -> Config.from(Map.of("KANYAN_LOCATION_TRAIL_DISTANCE", "near")))
        .hasMessageContaining("KANYAN_LOCATION_TRAIL_DISTANCE must be a whole number");
  }

  @Test
  void metricsAreOffUnlessAPortIsGivenAndBindLoopbackByDefault() {
    assertThat(Config.from(Map.of()).metrics().enabled()).isFalse();
    Config.Metrics on = Config.from(Map.of("KANYAN_METRICS_PORT", "9464")).metrics();
    assertThat(on.enabled()).isTrue();
    assertThat(on.port()).isEqualTo(9464);
    assertThat(on.host()).isEqualTo("127.0.0.1");
    assertThatThrownBy(() -> Config.from(Map.of("KANYAN_METRICS_PORT", "70000")))
        .hasMessageContaining("KANYAN_METRICS_PORT");
  }

  @Test
  void refusesALogFormatLogbackWouldNotKnow() {
    assertThat(Config.from(Map.of("KANYAN_LOG_FORMAT", "json"))).isNotNull();
    assertThatThrownBy(() -> Config.from(Map.of("KANYAN_LOG_FORMAT", "JSON")))
        .hasMessageContaining("KANYAN_LOG_FORMAT must be text or json");
  }

  @Test
  void httpLimitsHaveSafeDefaultsAndRefuseZero() {
    Config.HttpLimits limits = Config.from(Map.of()).http();
    assertThat(limits.headerTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(limits.bodyTimeout()).isEqualTo(Duration.ofSeconds(120));
    assertThat(limits.idleTimeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(limits.connectionsPerAddress()).isEqualTo(200);
    assertThat(limits.snapshotMaxPixels()).isEqualTo(12_000_000);
    assertThat(Config.from(Map.of("KANYAN_UPLOADS_PER_USER", "2")).http().uploadsPerUser()).isEqualTo(2);
    assertThatThrownBy(() -> Config.from(Map.of("KANYAN_HTTP_HEADER_TIMEOUT", "0s")))
        .hasMessageContaining("KANYAN_HTTP_");
    assertThatThrownBy(() -> Config.from(Map.of("KANYAN_UPLOADS_TOTAL", "0"))).hasMessageContaining("KANYAN_UPLOADS_TOTAL");
  }

  @Test
  void describeNeverShowsSecrets() {
    Config c = Config.from(Map.of("KANYAN_ADMIN_PASSWORD", "s3cret-admin", "KANYAN_TURN_SECRET", "turn-s3cret"));
    assertThat(c.describe()).doesNotContain("s3cret").contains("(set)");
  }

  @Test
  void oneTurnHostStandsForUdpTcpAndTlsUnlessTheUrlsAreGiven() {
    assertThat(Config.from(Map.of("KANYAN_TURN_HOST", "turn.example.org", "KANYAN_TURN_TLS_PORT", "5349")).turnUrls())
        .containsExactly("turn:turn.example.org:3478?transport=udp", "turn:turn.example.org:3478?transport=tcp",
            "turns:turn.example.org:5349?transport=tcp");
    assertThat(Config.from(Map.of("KANYAN_TURN_HOST", "turn.example.org", "KANYAN_TURN_URLS",
        "turn:192.0.2.1:3478")).turnUrls()).containsExactly("turn:192.0.2.1:3478");
    assertThat(Config.from(Map.of()).turnUrls()).isEmpty();
  }
}
