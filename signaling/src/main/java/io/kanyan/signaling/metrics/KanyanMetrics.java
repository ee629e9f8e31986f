package io.kanyan.signaling.metrics;

import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.trail.Checkpoints;
import io.kanyan.recorder.trail.EventType;
import io.kanyan.recorder.trail.Trail;
import io.kanyan.recorder.trail.TrailEvent;
import io.kanyan.signaling.Config;
import io.kanyan.signaling.integration.Webhooks;
import io.kanyan.signaling.media.Media;
import io.kanyan.signaling.ws.Protocol;
import io.kanyan.signaling.ws.RelayTimer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's Prometheus metrics: Vert.x's own (HTTP requests, WebSockets, event-loop and worker pools) and the
 * JVM's through Vert.x's Micrometer integration, and Kanyan's below, every one named {@code kanyan_*}. Gauges read
 * state that exists anyway (the live calls, the media pool, the last checkpoint); timers sit at two points (a relayed
 * signaling message, a trail append); counters are fed by the trail. The names are listed in the README
 * ("Metrics"); {@code deploy/grafana/kanyan-dashboard.json} queries them.
 *
 * <p>With metrics off ({@link #NONE}) nothing is registered, Vert.x runs without a metrics SPI and every hook is a
 * no-op.
 */
public final class KanyanMetrics {

  private static final Logger log = LoggerFactory.getLogger(KanyanMetrics.class);

  /** Metrics off. */
  public static final KanyanMetrics NONE = new KanyanMetrics(null, null);

  /** How often the Redis-side queue lengths (webhook outbox, dead letters) are read. */
  static final Duration QUEUE_POLL = Duration.ofSeconds(10);
  /** Trail events already counted, by id: a resent event is heard again (see Trail.onAppended) but counted once. */
  private static final int SEEN_EVENTS = 8192;

  private final PrometheusMeterRegistry registry;
  private final Config.Metrics settings;
  private final Set<String> seen = Collections.newSetFromMap(Collections.synchronizedMap(
      new LinkedHashMap<>(256, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
          return size() > SEEN_EVENTS;
        }
      }));
  private final Map<EventType, Counter> joins = new EnumMap<>(EventType.class);
  private final Map<EventType, Counter> notifications = new EnumMap<>(EventType.class);
  private final Map<EventType, Counter> webhookOutcomes = new EnumMap<>(EventType.class);
  private final AtomicLong webhooksDue = new AtomicLong();
  private final AtomicLong webhooksDead = new AtomicLong();
  private Timer offers;
  private Timer answers;
  private Timer candidates;
  private Timer appends;
  private Counter appendFailures;
  private Counter browserBytes;
  private Counter mediaServerBytes;
  private Counter stillBytes;
  private long queueTimer = -1;
  /** Gauges on one server's state: removed at its stop, so a restarted server in the same process reads its own. */
  private final List<Meter> watching = new ArrayList<>();

  private KanyanMetrics(PrometheusMeterRegistry registry, Config.Metrics settings) {
    this.registry = registry;
    this.settings = settings;
    if (registry != null) {
      register();
    }
  }

  /** Metrics as configured: a Prometheus registry when {@code KANYAN_METRICS_PORT} is set, {@link #NONE} otherwise. */
  public static KanyanMetrics create(Config.Metrics settings) {
    return settings.enabled() ? new KanyanMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), settings)
        : NONE;
  }

  public boolean enabled() {
    return registry != null;
  }

  public Config.Metrics settings() {
    return settings;
  }

  /** The registry (null when off); the scrape endpoint renders it. */
  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /**
   * A Vert.x instance that reports into this registry (HTTP server, WebSocket, pool and JVM metrics), or a plain one
   * when metrics are off. Each registry gets a name of its own, so two servers in one JVM (tests) do not share one.
   */
  public Vertx vertx() {
    if (registry == null) {
      return Vertx.vertx();
    }
    MicrometerMetricsOptions options = new MicrometerMetricsOptions()
        .setEnabled(true)
        .setJvmMetricsEnabled(true)
        .setRegistryName("kanyan-" + UUID.randomUUID())
        .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true));
    return Vertx.builder().with(new VertxOptions().setMetricsOptions(options))
        .withMetrics(new MicrometerMetricsFactory(registry)).build();
  }

  private void register() {
    offers = relayTimer("offer");
    answers = relayTimer("answer");
    candidates = relayTimer("ice");
    appends = Timer.builder("kanyan.trail.append")
        .description("Trail appends as their callers saw them: queueing behind the inspection's earlier appends and"
            + " Redis retries included")
        .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(10))
        .register(registry);
    appendFailures = Counter.builder("kanyan.trail.append.failures")
        .description("Trail appends that failed (after the retries Redis outages get)").register(registry);
    joins.put(EventType.PARTICIPANT_JOINED, joinCounter("joined"));
    joins.put(EventType.PARTICIPANT_RECONNECTED, joinCounter("reconnected"));
    browserBytes = recordingBytes("browser");
    mediaServerBytes = recordingBytes("media-server");
    stillBytes = recordingBytes("still");
    notifications.put(EventType.NOTIFICATION_SENT, outcome("kanyan.notifications", "sent",
        "Invite and reminder notices delivered or given up, by outcome"));
    notifications.put(EventType.NOTIFICATION_FAILED, outcome("kanyan.notifications", "failed",
        "Invite and reminder notices delivered or given up, by outcome"));
    webhookOutcomes.put(EventType.WEBHOOK_FAILED, outcome("kanyan.webhooks.deliveries", "failed",
        "Webhook delivery attempts that failed, and deliveries moved to the dead letters"));
    webhookOutcomes.put(EventType.WEBHOOK_DEAD_LETTERED, outcome("kanyan.webhooks.deliveries", "dead-lettered",
        "Webhook delivery attempts that failed, and deliveries moved to the dead letters"));
    Gauge.builder("kanyan.webhooks.queued", webhooksDue, AtomicLong::get).strongReference(true)
        .description("Webhook deliveries waiting in the outbox (read from Redis every 10 s)").register(registry);
    Gauge.builder("kanyan.webhooks.dead", webhooksDead, AtomicLong::get).strongReference(true)
        .description("Webhook deliveries given up, kept for an admin to replay (read from Redis every 10 s)")
        .register(registry);
  }

  private Timer relayTimer(String type) {
    return Timer.builder("kanyan.relay").tag("type", type)
        .description("Handling of a signaling message passed on: parsed to written to the peer's socket"
            + " (peer-to-peer) or answered by the media server (Kurento)")
        .publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(50_000))
        .maximumExpectedValue(Duration.ofSeconds(10)).register(registry);
  }

  private Counter joinCounter(String kind) {
    return Counter.builder("kanyan.joins").tag("kind", kind)
        .description("Participants seated in a call: first joins and reconnections").register(registry);
  }

  private Counter recordingBytes(String source) {
    return Counter.builder("kanyan.recording.bytes").baseUnit("bytes").tag("source", source)
        .description("Evidence bytes stored: browser recording slices, media-server recording files, stills"
            + " (snapshots and the phone's photos)").register(registry);
  }

  private Counter outcome(String name, String outcome, String description) {
    return Counter.builder(name).tag("outcome", outcome).description(description).register(registry);
  }

  /** {@code kanyan_calls_live}: the calls this node holds. Read on scrape. */
  public void watchCalls(java.util.function.IntSupplier live) {
    if (registry != null) {
      watching.add(Gauge.builder("kanyan.calls.live", live, java.util.function.IntSupplier::getAsInt).strongReference(true)
          .description("Live calls on this node").register(registry));
    }
  }

  /**
   * {@code kanyan_media_servers{state}} and {@code kanyan_media_pipelines}: the Kurento pool as {@link Media#servers()}
   * and {@link Media#pipelines()} report it (all zero in peer-to-peer mode).
   */
  public void watchMedia(Media media) {
    if (registry == null) {
      return;
    }
    watching.add(Gauge.builder("kanyan.media.servers", media, m -> mediaFigure(m, "reachable")).tag("state", "reachable")
        .strongReference(true).description("Media servers connected and taking calls").register(registry));
    watching.add(Gauge.builder("kanyan.media.servers", media, m -> mediaFigure(m, "of")).tag("state", "configured")
        .strongReference(true).description("Media servers configured (KMS_URL)").register(registry));
    watching.add(Gauge.builder("kanyan.media.pipelines", media, Media::pipelines).strongReference(true)
        .description("Call pipelines this node holds on its media servers").register(registry));
  }

  private static double mediaFigure(Media media, String field) {
    JsonObject servers = media.servers();
    return servers == null ? 0 : servers.getInteger(field, 0);
  }

  /** Times every append and counts joins, evidence bytes, notices and webhook failures from the trail's events. */
  public void watchTrail(Trail trail) {
    if (registry != null) {
      trail.timeAppends(this::appended);
      trail.onAppended(this::heard);
    }
  }

  private void appended(long nanos, boolean failed) {
    if (failed) {
      appendFailures.increment();
    } else {
      appends.record(nanos, TimeUnit.NANOSECONDS);
    }
  }

  private void heard(TrailEvent e) {
    if (!seen.add(e.id())) {
      return;
    }
    EventType type = e.type();
    Counter c = joins.get(type);
    if (c == null) {
      c = notifications.get(type);
    }
    if (c == null) {
      c = webhookOutcomes.get(type);
    }
    if (c != null) {
      if (type != EventType.NOTIFICATION_FAILED || new JsonObject(e.payload()).getBoolean("final", true)) {
        c.increment();
      }
      return;
    }
    Counter bytes = switch (type) {
      case RECORDING_SLICE -> browserBytes;
      // Browser recordings are counted by their slices; a finalised file is the media server's own only in Kurento
      // mode, where it carries kind=recording.file.
      case RECORDING_FINALISED -> "recording.file".equals(new JsonObject(e.payload()).getString("kind"))
          ? mediaServerBytes : null;
      case SNAPSHOT_TAKEN -> stillBytes;
      default -> null;
    };
    if (bytes != null) {
      JsonObject payload = new JsonObject(e.payload());
      // Slices, stills and browser recordings say "size"; a media server's file (KurentoCallMedia) "sizeBytes".
      Object size = payload.getValue("size", payload.getValue("sizeBytes"));
      if (size instanceof Number n) {
        bytes.increment(n.doubleValue());
      }
    }
  }

  /**
   * {@code kanyan_checkpoint_age_seconds}: time since the last signed tree head this node knows of (it should stay
   * under the checkpoint interval while trails move; a node that is not the checkpoint writer sees the writer's
   * heads only after its own next read).
   */
  public void watchCheckpoints(Supplier<Checkpoints> checkpoints, Clock clock) {
    if (registry == null) {
      return;
    }
    watching.add(Gauge.builder("kanyan.checkpoint.age", checkpoints, c -> {
      Checkpoints cp = c.get();
      return cp == null ? Double.NaN : cp.latest()
          .map(head -> Duration.between(head.time(), clock.instant()).toMillis() / 1000.0).orElse(Double.NaN);
    }).baseUnit("seconds").strongReference(true)
        .description("Seconds since the last signed tree head of the commitment log").register(registry));
  }

  /** Reads the webhook outbox and dead-letter lengths from Redis every {@link #QUEUE_POLL}, on this context. */
  public void watchWebhookQueue(Vertx vertx, RedisStore redis) {
    if (registry == null) {
      return;
    }
    readQueues(redis);
    queueTimer = vertx.setPeriodic(QUEUE_POLL.toMillis(), id -> readQueues(redis));
  }

  private void readQueues(RedisStore redis) {
    Future.all(redis.call(c -> c.zcard(Webhooks.DUE)), redis.call(c -> c.zcard(Webhooks.DEAD)))
        .onSuccess(all -> {
          webhooksDue.set(all.<Long>resultAt(0));
          webhooksDead.set(all.<Long>resultAt(1));
        })
        .onFailure(err -> log.debug("metrics: webhook queue lengths not read: {}", err.getMessage()));
  }

  /** Times offers, answers and ICE candidates passed on (other messages are not relays). */
  public RelayTimer relayTimer() {
    if (registry == null) {
      return RelayTimer.NONE;
    }
    return (message, nanos) -> {
      Timer t = message instanceof Protocol.Offer ? offers : message instanceof Protocol.Answer ? answers
          : message instanceof Protocol.Ice ? candidates : null;
      if (t != null) {
        t.record(nanos, TimeUnit.NANOSECONDS);
      }
    };
  }

  /** Stops the queue reads and drops the gauges on the stopped server's state. */
  public void stop(Vertx vertx) {
    if (queueTimer >= 0) {
      vertx.cancelTimer(queueTimer);
      queueTimer = -1;
    }
    if (registry != null) {
      watching.forEach(registry::remove);
    }
    watching.clear();
  }
}
