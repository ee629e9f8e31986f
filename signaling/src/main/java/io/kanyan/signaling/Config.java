package io.kanyan.signaling;

import io.kanyan.recorder.witness.TrustSettings;
import io.kanyan.signaling.media.IceServers;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Every setting of the server, read once at start-up from the environment and, optionally, one
 * properties file named by {@code KANYAN_CONFIG} (same keys; the environment wins). Each key is
 * documented in the README's configuration table. Secrets have no defaults.
 */
public record Config(
    String httpHost,
    int httpsPort,
    boolean devHttp,
    int devHttpPort,
    boolean tls,
    Path tlsCert,
    Path tlsKey,
    Path dataDir,
    String redisUrl,
    int embeddedRedisPort,
    boolean allowVolatileRedis,
    io.kanyan.recorder.redis.ReplicaAcks redisAcks,
    String redisSentinelPassword,
    String publicUrl,
    List<String> allowedOrigins,
    String adminUser,
    String adminPassword,
    Duration sessionIdle,
    Duration inviteTtl,
    Duration gracePeriod,
    io.kanyan.recorder.trail.LocationFixes.Settings locationTrail,
    int wsRate,
    Duration wsIdle,
    int loginAttempts,
    Duration loginWindow,
    List<String> stunUrls,
    List<String> turnUrls,
    String turnSecret,
    List<String> kmsUrls,
    String kmsRecordingsUri,
    Duration kmsConnectTimeout,
    Duration kmsRequestTimeout,
    Duration kmsPingInterval,
    Duration kmsLossGrace,
    String serverId,
    Duration turnTtl,
    java.time.ZoneId zone,
    Duration checkpointInterval,
    Path checkpointLog,
    Path signingKey,
    Path recordCert,
    Path recordKey,
    String phoneIndexKey,
    boolean readOnlyInvestigation,
    HttpLimits http,
    TrustSettings trust,
    io.kanyan.signaling.notify.NotifySettings notifications,
    io.kanyan.signaling.integration.Webhooks.Settings webhooks,
    Metrics metrics,
    boolean proxyProtocol,
    io.kanyan.signaling.booking.BookingSettings booking,
    ClusterSettings cluster) {

  /**
   * The Prometheus scrape endpoint: {@code GET /metrics} on a management port of its own, never on the public one.
   *
   * @param port the management port ({@code KANYAN_METRICS_PORT}); -1 = no metrics at all, 0 = any free port
   * @param host the address it binds ({@code KANYAN_METRICS_HOST}), loopback unless a scraper elsewhere needs it
   */
  public record Metrics(int port, String host) {

    public boolean enabled() {
      return port >= 0;
    }

    private static Metrics from(Settings s) {
      int port = s.integer("KANYAN_METRICS_PORT", -1);
      if (port < -1 || port > 65535) {
        throw new IllegalArgumentException("KANYAN_METRICS_PORT must be a port (0 = any free one), not " + port);
      }
      return new Metrics(port, s.str("KANYAN_METRICS_HOST", "127.0.0.1"));
    }
  }

  /**
   * Several nodes behind a load balancer (signaling/CLUSTER.md).
   *
   * @param nodeName this node's name, unique among the nodes ({@code KANYAN_NODE_NAME}; default the host name, which
   *                 is stable across restarts: the checkpoint writer's records of each node's log file are kept by it)
   * @param enabled  calls are owned through leases in Redis and bridged between nodes ({@code KANYAN_CLUSTER})
   * @param lease    how long a call's ownership lease lasts unrenewed ({@code KANYAN_CALL_LEASE}); renewed every
   *                 third of it; a dead node's calls move after at most this long
   * @param callLoops how many call loops beside the server loop this node runs its live calls on and takes
   *                 connections with ({@code KANYAN_CALL_LOOPS}; default one per core but one, so that the node's
   *                 signaling uses every core; 0: everything on the server's own event loop). Always 0 with
   *                 {@code KANYAN_CLUSTER}: there a node is one member
   */
  public record ClusterSettings(String nodeName, boolean enabled, Duration lease, int callLoops) {

    private static ClusterSettings from(Settings s, Duration grace) {
      String name = s.str("KANYAN_NODE_NAME", defaultNodeName());
      if (!name.matches("[A-Za-z0-9._-]{1,64}")) {
        throw new IllegalArgumentException("KANYAN_NODE_NAME must be 1-64 letters, digits, '.', '_' or '-', not '"
            + name + "'");
      }
      Duration lease = s.duration("KANYAN_CALL_LEASE", Duration.ofSeconds(10));
      boolean enabled = s.bool("KANYAN_CLUSTER", false);
      if (enabled && (lease.compareTo(Duration.ofSeconds(1)) < 0 || lease.compareTo(grace) >= 0)) {
        throw new IllegalArgumentException("KANYAN_CALL_LEASE must be at least 1s and shorter than "
            + "KANYAN_GRACE_PERIOD (" + grace.toSeconds() + "s): a dead node's calls must move within the grace period");
      }
      // One per core but one: with the server loop, one loop per core takes connections (README, "Event loops").
      int loops = s.integer("KANYAN_CALL_LOOPS", Math.min(64, Runtime.getRuntime().availableProcessors() - 1));
      if (loops < 0 || loops > 64) {
        throw new IllegalArgumentException("KANYAN_CALL_LOOPS must be 0 (the calls on the server's own event loop) "
            + "to 64, not " + loops);
      }
      return new ClusterSettings(name, enabled, lease, enabled ? 0 : loops);
    }

    private static String defaultNodeName() {
      String host;
      try {
        host = java.net.InetAddress.getLocalHost().getHostName();
      } catch (java.io.IOException e) {
        host = "kanyan";
      }
      String name = host.replaceAll("[^A-Za-z0-9._-]", "-");
      return name.isEmpty() ? "kanyan" : name.length() <= 64 ? name : name.substring(name.length() - 64);
    }

    String describe() {
      return "node=" + nodeName + (enabled ? " cluster(lease=" + lease.toSeconds() + "s)" : " callLoops=" + callLoops);
    }
  }

  /**
   * Limits that keep slow, many or large HTTP requests from exhausting the server.
   *
   * @param headerTimeout         a new connection must deliver its request headers within this
   * @param bodyTimeout           a request's whole body must arrive within this after its headers
   * @param idleTimeout           a connection with no traffic either way for this long is closed
   * @param connectionsPerAddress open connections allowed from one client address (0 = no limit)
   * @param uploadsPerUser        uploads (slices, snapshots) one user may send at the same time
   * @param uploadsTotal          uploads the server receives at the same time
   * @param snapshotMaxPixels     a snapshot JPEG whose header claims more pixels is refused undecoded
   */
  public record HttpLimits(Duration headerTimeout, Duration bodyTimeout, Duration idleTimeout,
      int connectionsPerAddress, int uploadsPerUser, int uploadsTotal, long snapshotMaxPixels) {

    private static HttpLimits from(Settings s) {
      HttpLimits limits = new HttpLimits(
          s.duration("KANYAN_HTTP_HEADER_TIMEOUT", Duration.ofSeconds(10)),
          s.duration("KANYAN_HTTP_BODY_TIMEOUT", Duration.ofSeconds(120)),
          s.duration("KANYAN_HTTP_IDLE_TIMEOUT", Duration.ofSeconds(60)),
          s.integer("KANYAN_MAX_CONNECTIONS_PER_ADDRESS", 200),
          s.integer("KANYAN_UPLOADS_PER_USER", 4),
          s.integer("KANYAN_UPLOADS_TOTAL", 16),
          s.integer("KANYAN_SNAPSHOT_MAX_PIXELS", 12_000_000));
      if (limits.headerTimeout.isZero() || limits.bodyTimeout.isZero() || limits.idleTimeout.isZero()
          || limits.uploadsPerUser < 1 || limits.uploadsTotal < 1 || limits.snapshotMaxPixels < 1
          || limits.connectionsPerAddress < 0) {
        throw new IllegalArgumentException("the KANYAN_HTTP_*_TIMEOUT durations, KANYAN_UPLOADS_PER_USER, "
            + "KANYAN_UPLOADS_TOTAL and KANYAN_SNAPSHOT_MAX_PIXELS must be above zero");
      }
      return limits;
    }
  }

  /** Reads the process environment (and the optional file). */
  public static Config load() {
    return from(System.getenv());
  }

  /** Builds the config from a map of the same keys as the environment; tests use this. */
  public static Config from(Map<String, String> env) {
    Map<String, String> all = new HashMap<>();
    String file = env.get("KANYAN_CONFIG");
    if (file != null && !file.isBlank()) {
      all.putAll(readFile(Path.of(file)));
    }
    env.forEach((k, v) -> {
      if (v != null && !v.isBlank()) {
        all.put(k, v);
      }
    });
    Settings s = new Settings(all);
    logFormat(s.str("KANYAN_LOG_FORMAT", "text"));
    Path dataDir = Path.of(s.str("KANYAN_DATA_DIR", "data")).toAbsolutePath().normalize();
    return new Config(
        s.str("KANYAN_HTTP_HOST", "0.0.0.0"),
        s.integer("KANYAN_HTTPS_PORT", 8443),
        s.bool("KANYAN_DEV_HTTP", true),
        s.integer("KANYAN_DEV_HTTP_PORT", 8080),
        s.bool("KANYAN_TLS", true),
        s.path("KANYAN_TLS_CERT"),
        s.path("KANYAN_TLS_KEY"),
        dataDir,
        s.str("REDIS_URL", null),
        s.integer("KANYAN_EMBEDDED_REDIS_PORT", 0),
        s.bool("KANYAN_ALLOW_VOLATILE_REDIS", false),
        new io.kanyan.recorder.redis.ReplicaAcks(s.integer("KANYAN_REDIS_REPLICA_ACKS", 0),
            Duration.ofMillis(s.integer("KANYAN_REDIS_ACK_TIMEOUT_MS", 1000))),
        s.str("KANYAN_REDIS_SENTINEL_PASSWORD", null),
        trimSlash(s.str("KANYAN_PUBLIC_URL", null)),
        s.list("KANYAN_ALLOWED_ORIGINS"),
        s.str("KANYAN_ADMIN_USER", "admin"),
        s.str("KANYAN_ADMIN_PASSWORD", null),
        s.duration("KANYAN_SESSION_IDLE", Duration.ofMinutes(30)),
        s.duration("KANYAN_INVITE_TTL", Duration.ofHours(24)),
        s.duration("KANYAN_GRACE_PERIOD", Duration.ofSeconds(30)),
        new io.kanyan.recorder.trail.LocationFixes.Settings(
            s.duration("KANYAN_LOCATION_TRAIL_INTERVAL", Duration.ofSeconds(30)),
            s.integer("KANYAN_LOCATION_TRAIL_DISTANCE", 10)),
        s.integer("KANYAN_WS_RATE", 50),
        s.duration("KANYAN_WS_IDLE", Duration.ofSeconds(45)),
        s.integer("KANYAN_LOGIN_ATTEMPTS", 5),
        s.duration("KANYAN_LOGIN_WINDOW", Duration.ofMinutes(5)),
        s.list("KANYAN_STUN_URLS"),
        turnUrls(s),
        s.str("KANYAN_TURN_SECRET", null),
        s.list("KMS_URL"),
        s.str("KANYAN_KMS_RECORDINGS_URI", null),
        s.duration("KANYAN_KMS_CONNECT_TIMEOUT", Duration.ofSeconds(5)),
        s.duration("KANYAN_KMS_REQUEST_TIMEOUT", Duration.ofSeconds(10)),
        s.duration("KANYAN_KMS_PING_INTERVAL", Duration.ofSeconds(1)),
        s.duration("KANYAN_KMS_LOSS_GRACE", Duration.ofSeconds(2)),
        s.str("KANYAN_SERVER_ID", "kanyan"),
        s.duration("KANYAN_TURN_TTL", Duration.ofHours(8)),
        java.time.ZoneId.of(s.str("KANYAN_TIME_ZONE", java.time.ZoneId.systemDefault().getId())),
        checkpointInterval(s.duration("KANYAN_CHECKPOINT_INTERVAL", Duration.ofSeconds(60))),
        s.path("KANYAN_CHECKPOINT_LOG"),
        s.path("KANYAN_SIGNING_KEY"),
        s.path("KANYAN_RECORD_CERT"),
        s.path("KANYAN_RECORD_KEY"),
        s.str("KANYAN_PHONE_INDEX_KEY", null),
        s.bool("KANYAN_READ_ONLY_INVESTIGATION", false),
        HttpLimits.from(s),
        TrustSettings.from(all),
        new io.kanyan.signaling.notify.NotifySettings(
            s.list("KANYAN_NOTIFIERS"),
            s.str("KANYAN_SMS_WEBHOOK_URL", null),
            s.str("KANYAN_SMS_WEBHOOK_SECRET", null),
            s.str("KANYAN_SMS_TEMPLATE_INVITE", io.kanyan.signaling.notify.NotifySettings.SMS_INVITE),
            s.str("KANYAN_SMS_TEMPLATE_REMINDER", io.kanyan.signaling.notify.NotifySettings.SMS_REMINDER),
            s.str("KANYAN_SMS_TEMPLATE_BOOKING", io.kanyan.signaling.notify.NotifySettings.SMS_BOOKING),
            s.str("KANYAN_SMS_TEMPLATE_MOVED", io.kanyan.signaling.notify.NotifySettings.SMS_MOVED),
            s.str("KANYAN_SMS_TEMPLATE_CANCELLED", io.kanyan.signaling.notify.NotifySettings.SMS_CANCELLED),
            s.str("KANYAN_SMS_TEMPLATE_INSPECTION_CANCELLED",
                io.kanyan.signaling.notify.NotifySettings.SMS_INSPECTION_CANCELLED),
            s.str("KANYAN_SMTP_HOST", null),
            s.integer("KANYAN_SMTP_PORT", 587),
            s.str("KANYAN_SMTP_USER", null),
            s.str("KANYAN_SMTP_PASSWORD", null),
            s.str("KANYAN_SMTP_STARTTLS", "optional").trim().toLowerCase(java.util.Locale.ROOT),
            s.bool("KANYAN_SMTP_SSL", false),
            s.str("KANYAN_MAIL_FROM", null),
            s.str("KANYAN_MAIL_SUBJECT_INVITE", io.kanyan.signaling.notify.NotifySettings.MAIL_SUBJECT),
            s.str("KANYAN_MAIL_TEMPLATE_INVITE", io.kanyan.signaling.notify.NotifySettings.MAIL_INVITE),
            s.str("KANYAN_MAIL_TEMPLATE_APPOINTMENT", io.kanyan.signaling.notify.NotifySettings.MAIL_APPOINTMENT),
            s.str("KANYAN_MAIL_TEMPLATE_MOVED", io.kanyan.signaling.notify.NotifySettings.MAIL_MOVED),
            s.str("KANYAN_MAIL_TEMPLATE_CANCELLED", io.kanyan.signaling.notify.NotifySettings.MAIL_CANCELLED),
            s.str("KANYAN_MAIL_TEMPLATE_INSPECTION_CANCELLED",
                io.kanyan.signaling.notify.NotifySettings.MAIL_INSPECTION_CANCELLED),
            s.integer("KANYAN_NOTIFY_ATTEMPTS", 5),
            s.duration("KANYAN_NOTIFY_BACKOFF", Duration.ofSeconds(2)),
            s.duration("KANYAN_NOTIFY_TIMEOUT", Duration.ofSeconds(10)),
            s.str("KANYAN_CONTACT_KEY", null)),
        new io.kanyan.signaling.integration.Webhooks.Settings(
            s.integer("KANYAN_WEBHOOK_ATTEMPTS", 8),
            s.duration("KANYAN_WEBHOOK_BACKOFF", Duration.ofSeconds(5)),
            s.duration("KANYAN_WEBHOOK_TIMEOUT", Duration.ofSeconds(10)),
            s.duration("KANYAN_WEBHOOK_POLL", Duration.ofSeconds(1))),
        Metrics.from(s),
        s.bool("KANYAN_PROXY_PROTOCOL", false),
        new io.kanyan.signaling.booking.BookingSettings(
            s.duration("KANYAN_BOOKING_CUTOFF", Duration.ofHours(2)),
            s.duration("KANYAN_REMINDER_BEFORE", Duration.ofHours(1)),
            s.duration("KANYAN_REMINDER_POLL", Duration.ofSeconds(30))),
        ClusterSettings.from(s, s.duration("KANYAN_GRACE_PERIOD", Duration.ofSeconds(30))));
  }

  public boolean embeddedRedis() {
    return redisUrl == null;
  }

  public boolean kurento() {
    return !kmsUrls.isEmpty();
  }

  public Path recordingsDir() {
    return dataDir.resolve("recordings");
  }

  /** A copy safe to log: secrets replaced by "(set)". */
  public String describe() {
    return "https=" + (tls ? httpHost + ":" + httpsPort : "off")
        + " devHttp=" + (devHttp ? "127.0.0.1:" + devHttpPort : "off")
        + " dataDir=" + dataDir
        + " redis=" + (embeddedRedis() ? "embedded" : redisUrl.startsWith("redis-sentinel") ? "sentinel" : "external")
        + (redisAcks.required() ? " redisReplicaAcks=" + redisAcks.replicas() : "")
        + (redisSentinelPassword == null ? "" : " redisSentinelPassword=(set)")
        + " media=" + (kurento() ? "kurento x" + kmsUrls.size() : "p2p")
        + " turnSecret=" + (turnSecret == null ? "(none)" : "(set)")
        + " adminPassword=" + (adminPassword == null ? "(none)" : "(set)")
        + " phoneIndexKey=" + (phoneIndexKey == null ? "(data dir)" : "(set)")
        + " " + trust.describe()
        + " " + notifications.describe()
        + " metrics=" + (metrics.enabled() ? metrics.host() + ":" + metrics.port() : "off")
        + (proxyProtocol ? " proxyProtocol=on" : "")
        + " " + cluster.describe()
        + (readOnlyInvestigation ? " READ-ONLY-INVESTIGATION" : "");
  }

  /** The trail promises a signed checkpoint at least every minute. */
  private static Duration checkpointInterval(Duration d) {
    if (d.isNegative() || d.isZero() || d.compareTo(Duration.ofSeconds(60)) > 0) {
      throw new IllegalArgumentException("KANYAN_CHECKPOINT_INTERVAL must be between 1s and 60s, not " + d);
    }
    return d;
  }

  /**
   * logback reads {@code KANYAN_LOG_FORMAT} itself (logback.xml names the appender after it); an unknown value would
   * silence the log, so the start is refused instead.
   */
  private static void logFormat(String format) {
    if (!format.equals("text") && !format.equals("json")) {
      throw new IllegalArgumentException("KANYAN_LOG_FORMAT must be text or json, not '" + format + "'");
    }
  }

  /**
   * {@code KANYAN_TURN_URLS} as given; without it, {@code KANYAN_TURN_HOST} stands for the three ways a phone may
   * reach coturn (UDP and TCP on {@code KANYAN_TURN_PORT}, TLS on {@code KANYAN_TURN_TLS_PORT}).
   */
  private static List<String> turnUrls(Settings s) {
    List<String> urls = s.list("KANYAN_TURN_URLS");
    String host = s.str("KANYAN_TURN_HOST", "").trim();
    if (!urls.isEmpty() || host.isEmpty()) {
      return urls;
    }
    return IceServers.allTransports(host, s.integer("KANYAN_TURN_PORT", 3478),
        s.integer("KANYAN_TURN_TLS_PORT", 443));
  }

  private static String trimSlash(String url) {
    return url == null ? null : url.replaceAll("/+$", "");
  }

  private static Map<String, String> readFile(Path file) {
    Properties props = new Properties();
    try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      props.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the config file " + file + " named by KANYAN_CONFIG", e);
    }
    Map<String, String> map = new HashMap<>();
    props.forEach((k, v) -> map.put(k.toString().trim(), v.toString().trim()));
    return map;
  }

  /** Typed reads with messages that name the bad key. */
  private record Settings(Map<String, String> values) {

    String str(String key, String def) {
      return values.getOrDefault(key, def);
    }

    Path path(String key) {
      String v = values.get(key);
      return v == null ? null : Path.of(v);
    }

    int integer(String key, int def) {
      String v = values.get(key);
      try {
        return v == null ? def : Integer.parseInt(v.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(key + " must be a whole number, not '" + v + "'");
      }
    }

    boolean bool(String key, boolean def) {
      String v = values.get(key);
      if (v == null) {
        return def;
      }
      return switch (v.trim().toLowerCase()) {
        case "true", "yes", "on", "1" -> true;
        case "false", "no", "off", "0" -> false;
        default -> throw new IllegalArgumentException(key + " must be true or false, not '" + v + "'");
      };
    }

    List<String> list(String key) {
      String v = values.get(key);
      if (v == null) {
        return List.of();
      }
      return Arrays.stream(v.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
    }

    /** {@code 90s}, {@code 30m}, {@code 24h}, {@code 7d}, {@code 500ms}, plain seconds, or ISO-8601 {@code PT30S}. */
    Duration duration(String key, Duration def) {
      String v = values.get(key);
      if (v == null) {
        return def;
      }
      String t = v.trim().toLowerCase();
      try {
        if (t.startsWith("p")) {
          return Duration.parse(v.trim().toUpperCase());
        }
        if (t.chars().allMatch(Character::isDigit)) {
          return Duration.ofSeconds(Long.parseLong(t));
        }
        if (t.endsWith("ms")) {
          return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
        }
        long n = Long.parseLong(t.substring(0, t.length() - 1));
        return switch (t.charAt(t.length() - 1)) {
          case 's' -> Duration.ofSeconds(n);
          case 'm' -> Duration.ofMinutes(n);
          case 'h' -> Duration.ofHours(n);
          case 'd' -> Duration.ofDays(n);
          default -> throw new NumberFormatException();
        };
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(key + " must be a duration like 30s, 15m, 24h or 7d, not '" + v + "'");
      }
    }
  }
}
