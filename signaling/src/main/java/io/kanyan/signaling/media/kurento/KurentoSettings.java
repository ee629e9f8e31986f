package io.kanyan.signaling.media.kurento;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What Kurento mode needs from the configuration.
 *
 * @param kmsUrls           {@code KMS_URL}: one or more {@code ws://host:8888/kurento} URLs (a pool)
 * @param recordingsDir     where this server reads and finalises the recordings ({@code <KANYAN_DATA_DIR>/recordings})
 * @param kmsRecordingsUri  {@code KANYAN_KMS_RECORDINGS_URI}: the same directory as the media server sees it,
 *                          e.g. {@code file:///recordings} (it differs from {@code recordingsDir} in compose)
 * @param serverId          {@code KANYAN_SERVER_ID}: names this server's pipelines ({@code kanyan:<serverId>:<inspectionId>})
 *                          so that start-up clean-up releases only its own
 * @param connectTimeout    {@code KANYAN_KMS_CONNECT_TIMEOUT}: bound on connecting to one media server
 * @param requestTimeout    {@code KANYAN_KMS_REQUEST_TIMEOUT}: bound on one JSON-RPC request
 * @param pingInterval      {@code KANYAN_KMS_PING_INTERVAL}: our own keep-alive ping (the client's stops after a reconnect)
 * @param lossGrace         {@code KANYAN_KMS_LOSS_GRACE}: how long a dropped socket may take to resume the same
 *                          session before the calls on it are failed. A loss is noticed within
 *                          max(loss grace, ping interval + {@link #PING_TIMEOUT}), which the defaults keep at 3 s
 * @param retryInterval     how often an unreachable media server is tried again
 */
public record KurentoSettings(List<String> kmsUrls, Path recordingsDir, String kmsRecordingsUri, String serverId,
    Duration connectTimeout, Duration requestTimeout, Duration pingInterval, Duration lossGrace,
    Duration retryInterval) {

  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_PING_INTERVAL = Duration.ofSeconds(1);
  public static final Duration DEFAULT_LOSS_GRACE = Duration.ofSeconds(2);
  public static final Duration DEFAULT_RETRY_INTERVAL = Duration.ofSeconds(5);
  /** Ping replies slower than this count as a lost media server. */
  public static final Duration PING_TIMEOUT = Duration.ofSeconds(2);

  public KurentoSettings {
    kmsUrls = List.copyOf(kmsUrls);
    if (kmsUrls.isEmpty()) {
      throw new IllegalArgumentException("Kurento mode needs at least one media server: set KMS_URL "
          + "(comma-separated ws://host:8888/kurento URLs)");
    }
    for (String url : kmsUrls) {
      if (!url.startsWith("ws://") && !url.startsWith("wss://")) {
        throw new IllegalArgumentException("KMS_URL entry '" + url + "' must be a ws:// or wss:// URL");
      }
    }
    if (!kmsRecordingsUri.startsWith("file:///")) {
      throw new IllegalArgumentException("KANYAN_KMS_RECORDINGS_URI must be a file:/// URI, not '" + kmsRecordingsUri + "'");
    }
    while (kmsRecordingsUri.endsWith("/")) {
      kmsRecordingsUri = kmsRecordingsUri.substring(0, kmsRecordingsUri.length() - 1);
    }
    if (!serverId.matches("[A-Za-z0-9._-]{1,64}")) {
      throw new IllegalArgumentException("KANYAN_SERVER_ID must be 1-64 letters, digits, '.', '_' or '-'");
    }
  }

  /** Settings with the default timings. */
  public static KurentoSettings of(List<String> kmsUrls, Path recordingsDir, String kmsRecordingsUri, String serverId) {
    return new KurentoSettings(kmsUrls, recordingsDir, kmsRecordingsUri, serverId, DEFAULT_CONNECT_TIMEOUT,
        DEFAULT_REQUEST_TIMEOUT, DEFAULT_PING_INTERVAL, DEFAULT_LOSS_GRACE, DEFAULT_RETRY_INTERVAL);
  }

  /** The same settings with another connect timeout. */
  public KurentoSettings withConnectTimeout(Duration timeout) {
    return new KurentoSettings(kmsUrls, recordingsDir, kmsRecordingsUri, serverId, timeout, requestTimeout,
        pingInterval, lossGrace, retryInterval);
  }

  /** The name every pipeline of this server carries: {@code kanyan:<serverId>:<inspectionId>}. */
  String pipelineName(String inspectionId) {
    return pipelinePrefix() + inspectionId;
  }

  String pipelinePrefix() {
    return "kanyan:" + serverId + ":";
  }
}
