package io.kanyan.signaling.integration;

import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.trail.EventType;
import io.kanyan.recorder.trail.Trail;
import io.kanyan.recorder.trail.TrailEvent;
import io.kanyan.signaling.Problem;
import io.kanyan.signaling.auth.Principal;
import io.kanyan.signaling.auth.Signatures;
import io.kanyan.signaling.notify.Masks;
import io.lettuce.core.ScriptOutputType;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Outbound webhooks to integrations on every state change of an inspection: {@code inspection.created},
 * {@code inspection.started} (the call connected), {@code inspection.ended} (concluded or cancelled) and any
 * {@code record.*} event (the signed record). Events are taken from the trail as they are appended, and each
 * becomes one delivery per integration with a webhook URL in a Redis outbox, so a receiver that is down, or a
 * server restart, loses nothing: due deliveries are claimed with a lease (a crashed sender's claim falls due
 * again), sent signed ({@link Signatures}) with {@code Idempotency-Key} (the trail event id: the same on every
 * retry and replay), retried with backoff, and after {@code attempts} failures moved to a dead-letter list an
 * admin can read and replay. Deliveries, failures, dead-lettering and replays go on the integrations chain.
 */
public final class Webhooks {

  private static final Logger log = LoggerFactory.getLogger(Webhooks.class);
  /** Deliveries waiting (sorted set, score = when due): the metrics count it. */
  public static final String DUE = "kanyan:webhooks:due";
  /** Deliveries given up (sorted set). */
  public static final String DEAD = "kanyan:webhooks:dead";
  private static final int BATCH = 20;
  /** Queueing an event is retried this often, this far apart (as long as the trail retries an append). */
  private static final int ENQUEUE_ATTEMPTS = 40;
  private static final long ENQUEUE_RETRY_MS = 250;
  /** Claims up to ARGV[3] due deliveries by pushing their due time to the lease's end; answers their ids. */
  private static final String CLAIM = "local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[3])\n"
      + "for _, id in ipairs(ids) do redis.call('ZADD', KEYS[1], 'XX', ARGV[2], id) end\n"
      + "return ids";
  /**
   * Moves a dead letter back to the outbox with a fresh set of tries, if it is still dead-lettered: one step, so of
   * two replays at once (a double click, two admins, two event loops) one moves it and the other finds it gone.
   */
  private static final String REPLAY = "if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return 0 end\n"
      + "redis.call('HSET', KEYS[3], 'attempts', '0', 'state', 'pending')\n"
      + "redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])\n"
      + "return 1";

  /** Retry policy and polling. */
  public record Settings(int attempts, Duration backoff, Duration timeout, Duration poll) {
    public Settings {
      if (attempts < 1 || backoff.isNegative() || timeout.isZero() || poll.isZero()) {
        throw new IllegalArgumentException("KANYAN_WEBHOOK_ATTEMPTS must be 1 or more and the webhook durations"
            + " above zero");
      }
    }
  }

  private final Vertx vertx;
  private final RedisStore redis;
  private final Trail trail;
  private final IntegrationKeys keys;
  private final HttpClient client;
  private final Settings settings;
  private final Clock clock;
  private long timer = -1;
  private boolean polling;

  public Webhooks(Vertx vertx, RedisStore redis, Trail trail, IntegrationKeys keys, HttpClient client,
      Settings settings, Clock clock) {
    this.vertx = vertx;
    this.redis = redis;
    this.trail = trail;
    this.keys = keys;
    this.client = client;
    this.settings = settings;
    this.clock = clock;
  }

  private static String key(String deliveryId) {
    return "kanyan:webhook:" + deliveryId;
  }

  /** The webhook type of a trail event, or null when it is not a state change. */
  static String typeOf(TrailEvent e) {
    String code = e.type().code();
    if (code.equals(EventType.INSPECTION_CREATED.code()) || code.equals(EventType.INSPECTION_ENDED.code())) {
      return code;
    }
    if (code.equals(EventType.CALL_CONNECTED.code())) {
      return "inspection.started";
    }
    // Appointments (booking.made, .moved, .cancelled) are state changes the approval system tracks too.
    return code.startsWith("record.") || code.startsWith("booking.") ? code : null;
  }

  /** The trail listener: every state change of an inspection is put in the outbox of each integration. */
  public void onTrailEvent(TrailEvent e) {
    String type = typeOf(e);
    if (type == null || Trail.isSystemChain(e.inspectionId())) {
      return;
    }
    enqueueRetrying(e, type, 1);
  }

  /** The event is on the trail already: a store hiccup must not drop its webhook, so queueing is retried. */
  private void enqueueRetrying(TrailEvent e, String type, int attempt) {
    enqueue(e, type).onFailure(err -> {
      if (attempt >= ENQUEUE_ATTEMPTS) {
        log.error("inspection {}: webhook {} of event {} not queued after {} tries: {}", e.inspectionId(), type,
            e.id(), attempt, err.getMessage());
        return;
      }
      log.warn("inspection {}: webhook {} not queued yet ({}); trying again", e.inspectionId(), type, err.getMessage());
      vertx.setTimer(ENQUEUE_RETRY_MS, t -> enqueueRetrying(e, type, attempt + 1));
    });
  }

  /** Queues one delivery of {@code e} per integration with a webhook URL; completes when they are in Redis. */
  public Future<Void> enqueue(TrailEvent e, String type) {
    JsonObject body = new JsonObject().put("id", e.id()).put("type", type).put("occurredAt", e.time().toString())
        .put("inspectionId", e.inspectionId()).put("data", data(e));
    return keys.list().compose(all -> {
      List<Future<?>> queued = new ArrayList<>();
      long now = clock.millis();
      for (Integration i : all) {
        if (i.revoked() || i.webhookUrl() == null || !i.scopes().contains(Integration.READ)) {
          continue;
        }
        String id = e.id() + "." + i.id();
        Map<String, String> fields = new HashMap<>();
        fields.put("integration", i.id());
        fields.put("body", body.encode());
        fields.put("type", type);
        fields.put("inspectionId", e.inspectionId());
        fields.put("attempts", "0");
        fields.put("state", "pending");
        fields.put("createdAt", e.time().toString());
        // HSETNX on the body makes a repeated enqueue of the same event (a replayed listener) a no-op.
        queued.add(redis.call(c -> c.hsetnx(key(id), "body", body.encode())).compose(fresh -> !fresh
            ? Future.succeededFuture()
            : redis.call(c -> {
              c.hset(key(id), fields);
              return c.zadd(DUE, now, id);
            })));
      }
      return Future.all(queued).mapEmpty();
    });
  }

  /** What a receiver learns of an event: the case facts (never the phone) or how it ended. */
  private static JsonObject data(TrailEvent e) {
    JsonObject p = e.payloadJson();
    if (e.type() == EventType.INSPECTION_CREATED) {
      JsonObject out = new JsonObject();
      for (String f : List.of("caseNumber", "matterCode", "matterType", "applicantName", "siteAddress", "inspector",
          "createdAt", "reinspectionOf")) {
        if (p.getValue(f) != null) {
          out.put(f, p.getValue(f));
        }
      }
      return out;
    }
    if (e.type() == EventType.CALL_CONNECTED) {
      return new JsonObject().put("startedAt", e.time().toString());
    }
    if (e.type() == EventType.INSPECTION_ENDED) {
      return p.copy().put("endedAt", e.time().toString());
    }
    return p;
  }

  /** Starts polling the outbox. */
  public void start() {
    timer = vertx.setPeriodic(settings.poll().toMillis(), t -> {
      if (!polling) {
        polling = true;
        runDue().onComplete(x -> polling = false);
      }
    });
  }

  public void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  /** Sends every delivery due now, once each; completes when each was delivered, rescheduled or dead-lettered. */
  public Future<Void> runDue() {
    long now = clock.millis();
    long lease = now + settings.timeout().toMillis() * 3;
    return redis.<List<String>>call(c -> c.eval(CLAIM, ScriptOutputType.MULTI, new String[] {DUE},
            Long.toString(now), Long.toString(lease), Integer.toString(BATCH)))
        .compose(ids -> Future.join(ids.stream().map(this::deliver).toList()).mapEmpty())
        .<Void>mapEmpty()
        .recover(err -> {
          log.warn("webhooks: outbox not read: {}", err.getMessage());
          return Future.succeededFuture();
        });
  }

  private Future<Void> deliver(String id) {
    return redis.call(c -> c.hgetall(key(id))).compose(f -> {
      if (f.isEmpty()) {
        return redis.call(c -> c.zrem(DUE, id)).mapEmpty();
      }
      int attempt = Integer.parseInt(f.getOrDefault("attempts", "0")) + 1;
      return keys.find(f.get("integration")).compose(found -> {
        if (found.isEmpty() || found.get().revoked() || found.get().webhookUrl() == null) {
          return failed(id, f, attempt, "the integration was revoked or has no webhook URL", true);
        }
        return post(found.get(), f.get("body")).transform(ar -> ar.succeeded() ? delivered(id, f, attempt)
            : failed(id, f, attempt, Masks.scrub(ar.cause().getMessage()), false));
      });
    });
  }

  private Future<Integer> post(Integration to, String body) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    String secret;
    try {
      secret = keys.secret(to);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(new IllegalStateException("the webhook secret does not open: was KANYAN_CONTACT_KEY"
          + " changed? Create the integration again"));
    }
    String signature = Signatures.sign(secret, clock.instant().getEpochSecond(), bytes);
    String eventId = new JsonObject(body).getString("id");
    return client.request(new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(to.webhookUrl()))
        .compose(req -> req.putHeader("Content-Type", "application/json")
            .putHeader(Signatures.HEADER, signature)
            .putHeader("Idempotency-Key", eventId)
            .send(Buffer.buffer(bytes)))
        .compose(resp -> resp.body().compose(answer -> resp.statusCode() / 100 == 2
            ? Future.succeededFuture(resp.statusCode())
            : Future.failedFuture(new IllegalStateException("the receiver answered " + resp.statusCode()))))
        .timeout(settings.timeout().toMillis(), TimeUnit.MILLISECONDS);
  }

  private Future<Void> delivered(String id, Map<String, String> f, int attempt) {
    return redis.call(c -> {
      c.hset(key(id), Map.of("state", "delivered", "attempts", Integer.toString(attempt),
          "deliveredAt", clock.instant().toString()));
      c.expire(key(id), Duration.ofDays(7).toSeconds());
      return c.zrem(DUE, id);
    }).compose(x -> onChain(EventType.WEBHOOK_DELIVERED, "system", facts(id, f, attempt)))
        .onSuccess(x -> log.info("webhook {}: delivered ({}, try {})", id, f.get("type"), attempt));
  }

  private Future<Void> failed(String id, Map<String, String> f, int attempt, String error, boolean giveUp) {
    boolean dead = giveUp || attempt >= settings.attempts();
    long next = clock.millis() + (settings.backoff().toMillis() << Math.min(attempt - 1, 16));
    log.warn("webhook {}: try {} of {} failed: {}{}", id, attempt, settings.attempts(), error,
        dead ? "; dead-lettered" : "");
    return redis.call(c -> {
      c.hset(key(id), Map.of("attempts", Integer.toString(attempt), "lastError", error,
          "state", dead ? "dead" : "pending", "lastTriedAt", clock.instant().toString()));
      if (dead) {
        c.zrem(DUE, id);
        return c.zadd(DEAD, clock.millis(), id);
      }
      return c.zadd(DUE, next, id);
    }).compose(x -> onChain(dead ? EventType.WEBHOOK_DEAD_LETTERED : EventType.WEBHOOK_FAILED, "system",
        facts(id, f, attempt).put("error", error)));
  }

  private static JsonObject facts(String id, Map<String, String> f, int attempt) {
    return new JsonObject().put("delivery", id).put("integration", f.get("integration")).put("type", f.get("type"))
        .put("inspection", f.get("inspectionId")).put("attempt", attempt);
  }

  private Future<Void> onChain(EventType type, String actor, JsonObject facts) {
    return trail.append(IntegrationKeys.CHAIN, type, actor, facts).<Void>mapEmpty().recover(err -> {
      log.error("webhooks: {} not on the integrations chain: {}", type.code(), err.getMessage());
      return Future.succeededFuture();
    });
  }

  /** The dead-letter list, newest first. */
  public Future<JsonArray> deadLetters() {
    return redis.call(c -> c.zrevrange(DEAD, 0, 499)).compose(ids -> {
      List<Future<Map<String, String>>> loads = ids.stream()
          .map(id -> redis.<Map<String, String>>call(c -> c.hgetall(key(id)))).toList();
      return Future.all(loads).map(x -> {
        JsonArray out = new JsonArray();
        for (int i = 0; i < ids.size(); i++) {
          Map<String, String> f = loads.get(i).result();
          out.add(new JsonObject().put("id", ids.get(i)).put("integration", f.get("integration"))
              .put("type", f.get("type")).put("inspectionId", f.get("inspectionId"))
              .put("attempts", Integer.parseInt(f.getOrDefault("attempts", "0")))
              .put("lastError", f.get("lastError")).put("lastTriedAt", f.get("lastTriedAt"))
              .put("createdAt", f.get("createdAt")));
        }
        return out;
      });
    });
  }

  /** Sends a dead-lettered delivery again (with a fresh set of tries), at once; replayed once however often asked. */
  public Future<JsonObject> replay(Principal admin, String id) {
    return redis.<Long>call(c -> c.eval(REPLAY, ScriptOutputType.INTEGER, new String[] {DEAD, DUE, key(id)}, id,
            Long.toString(clock.millis())))
        .compose(moved -> moved == 0
            ? Future.failedFuture(Problem.notFound("there is no dead-lettered webhook " + id))
            : redis.call(c -> c.hgetall(key(id)))
                .compose(f -> onChain(EventType.WEBHOOK_REPLAYED, admin.actor(), facts(id, f, 0)))
                .map(x -> new JsonObject().put("id", id).put("state", "pending")));
  }
}
