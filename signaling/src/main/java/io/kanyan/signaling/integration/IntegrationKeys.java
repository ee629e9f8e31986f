package io.kanyan.signaling.integration;

import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.trail.EventType;
import io.kanyan.recorder.trail.Trail;
import io.kanyan.signaling.Problem;
import io.kanyan.signaling.auth.Principal;
import io.kanyan.signaling.auth.Sealed;
import io.kanyan.signaling.auth.Tokens;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Integrations and their API keys: created by an admin (the key and the webhook secret are shown once, only
 * the key's SHA-256 is stored, the secret is sealed), looked up on every request that carries
 * {@code Authorization: Bearer <key>}, revoked at once. Creation, every use and revocation go on the
 * integrations chain ({@value #CHAIN}), a trail of its own that checkpoints commit like any other.
 */
public final class IntegrationKeys {

  private static final Logger log = LoggerFactory.getLogger(IntegrationKeys.class);
  /** The trail id of the integrations chain. */
  public static final String CHAIN = "kanyan-integrations";
  /** Every key starts so, which makes one easy to spot in a leaked file (and by secret scanners). */
  public static final String KEY_PREFIX = "kyk_";
  private static final String ALL = "kanyan:integrations";

  private final RedisStore redis;
  private final Trail trail;
  private final Sealed sealed;
  private final Clock clock;

  public IntegrationKeys(RedisStore redis, Trail trail, Sealed sealed, Clock clock) {
    this.redis = redis;
    this.trail = trail;
    this.sealed = sealed;
    this.clock = clock;
  }

  private static String key(String id) {
    return "kanyan:integration:" + id;
  }

  private static String digestKey(String digest) {
    return "kanyan:integration-key:" + digest;
  }

  /** What {@link #create} answers: the integration, its key and its webhook secret, each shown this once. */
  public record Created(Integration integration, String apiKey, String webhookSecret) {
    public JsonObject toJson() {
      return new JsonObject().put("integration", integration.toJson()).put("apiKey", apiKey)
          .put("webhookSecret", webhookSecret);
    }
  }

  /**
   * Creates an integration from {@code {name, scopes[], inspector, webhookUrl?}}; {@code inspectorExists}
   * checks that the named account is an enabled inspector.
   */
  public Future<Created> create(Principal admin, JsonObject in,
      java.util.function.Function<String, Future<Boolean>> inspectorExists) {
    String name = in.getValue("name") instanceof String s ? s.trim() : "";
    if (name.isEmpty() || name.length() > 64) {
      return Future.failedFuture(Problem.badRequest("bad_field", "name is required (at most 64 characters)"));
    }
    Set<String> scopes;
    try {
      scopes = scopes(in);
    } catch (Problem p) {
      return Future.failedFuture(p);
    }
    String inspector = in.getValue("inspector") instanceof String s ? s.trim() : null;
    if (inspector == null || inspector.isEmpty()) {
      return Future.failedFuture(Problem.badRequest("missing_field",
          "inspector is required: the inspector account that will own the inspections this integration creates"));
    }
    String url = in.getValue("webhookUrl") instanceof String s && !s.isBlank() ? s.trim() : null;
    if (in.getValue("webhookUrl") != null && !(in.getValue("webhookUrl") instanceof String)) {
      return Future.failedFuture(Problem.badRequest("bad_field", "webhookUrl must be text"));
    }
    if (url != null && !validUrl(url)) {
      return Future.failedFuture(Problem.badRequest("bad_field", "webhookUrl must be an http:// or https:// address"));
    }
    return inspectorExists.apply(inspector).compose(ok -> {
      if (!ok) {
        return Future.failedFuture(Problem.badRequest("bad_field", "there is no enabled inspector named " + inspector));
      }
      String id = UUID.randomUUID().toString();
      String apiKey = KEY_PREFIX + Tokens.random();
      String secret = url == null ? null : "whsec_" + Tokens.random();
      Map<String, String> fields = new HashMap<>();
      fields.put("id", id);
      fields.put("name", name);
      fields.put("scopes", String.join(",", scopes));
      fields.put("inspector", inspector);
      fields.put("keyDigest", Tokens.digest(apiKey));
      fields.put("createdAt", clock.instant().toString());
      fields.put("createdBy", admin.username());
      if (url != null) {
        fields.put("webhookUrl", url);
        fields.put("webhookSecret", sealed.seal(secret, "integration/" + id));
      }
      Integration made = Integration.from(fields);
      return redis.call(c -> {
        c.hset(key(id), fields);
        c.set(digestKey(fields.get("keyDigest")), id);
        return c.sadd(ALL, id);
      }).compose(x -> trail.append(CHAIN, io.kanyan.recorder.trail.EventType.INTEGRATION_KEY_CREATED, admin.actor(),
          made.toJson()))
          .map(x -> {
            log.info("integration {}: created by {} ({}, scopes {})", id, admin.username(), name, scopes);
            return new Created(made, apiKey, secret);
          });
    });
  }

  /** The {@code scopes} of a request body: a non-empty list of known scopes. */
  private static Set<String> scopes(JsonObject in) {
    if (!(in.getValue("scopes") instanceof JsonArray list) || list.isEmpty()) {
      throw Problem.badRequest("bad_field", "scopes must be a list of " + new TreeSet<>(Integration.SCOPES)
          + " (to stop an integration, revoke its key)");
    }
    Set<String> scopes = new TreeSet<>();
    for (Object s : list) {
      if (!Integration.SCOPES.contains(s)) {
        throw Problem.badRequest("bad_field", "unknown scope '" + s + "'; use " + new TreeSet<>(Integration.SCOPES));
      }
      scopes.add((String) s);
    }
    return scopes;
  }

  /**
   * Sets an integration's scopes to {@code {scopes: [...]}}, with the same key: an approval system whose key was made
   * before a scope existed (or with too few) gets it without a new key to install, and one that should do less loses
   * the rest, from its next request. The change goes on the integrations chain ({@code integration.scopes_changed},
   * the scopes before and after); the same scopes again change nothing and add nothing to the chain. A revoked
   * integration cannot be changed (409 {@code integration_revoked}): create a new one.
   */
  public Future<Integration> changeScopes(Principal admin, String id, JsonObject in) {
    Set<String> scopes;
    try {
      scopes = scopes(in);
    } catch (Problem p) {
      return Future.failedFuture(p);
    }
    return find(id).compose(found -> {
      if (found.isEmpty()) {
        return Future.failedFuture(Problem.notFound("there is no integration " + id));
      }
      Integration before = found.get();
      if (before.revoked()) {
        return Future.failedFuture(Problem.conflict("integration_revoked", "the key of integration " + before.name()
            + " was revoked, so its scopes cannot change; create a new integration instead"));
      }
      if (before.scopes().equals(scopes)) {
        return Future.succeededFuture(before);
      }
      return redis.call(c -> c.hset(key(id), "scopes", String.join(",", scopes)))
          .compose(x -> trail.append(CHAIN, EventType.INTEGRATION_SCOPES_CHANGED, admin.actor(),
              new JsonObject().put("integration", id).put("name", before.name())
                  .put("from", new JsonArray(List.copyOf(before.scopes()))).put("to", new JsonArray(List.copyOf(scopes)))))
          .compose(x -> find(id)).map(Optional::orElseThrow)
          .onSuccess(i -> log.info("integration {}: scopes changed by {} from {} to {}", id, admin.username(),
              before.scopes(), scopes));
    });
  }

  private static boolean validUrl(String url) {
    try {
      URI u = new URI(url);
      return ("http".equals(u.getScheme()) || "https".equals(u.getScheme())) && u.getHost() != null;
    } catch (java.net.URISyntaxException e) {
      return false;
    }
  }

  /**
   * The active integration a bearer key belongs to; empty for an unknown or revoked key. A revoked key that is
   * still used goes on the integrations chain ({@code what: "refused: revoked"}): someone holds it.
   */
  public Future<Optional<Integration>> authenticate(String apiKey) {
    if (apiKey == null || !apiKey.startsWith(KEY_PREFIX) || apiKey.length() > 100) {
      return Future.succeededFuture(Optional.empty());
    }
    return redis.call(c -> c.get(digestKey(Tokens.digest(apiKey))))
        .compose(id -> id == null ? Future.succeededFuture(Optional.<Integration>empty()) : find(id))
        .compose(found -> found.isEmpty() || !found.get().revoked() ? Future.succeededFuture(found)
            : used(found.get(), "refused: revoked", null).map(Optional.<Integration>empty()));
  }

  public Future<Optional<Integration>> find(String id) {
    return redis.call(c -> c.hgetall(key(id))).map(f -> f.isEmpty() ? Optional.empty() : Optional.of(Integration.from(f)));
  }

  public Future<List<Integration>> list() {
    return redis.call(c -> c.smembers(ALL)).compose(ids -> {
      List<Future<Optional<Integration>>> loads = new ArrayList<>();
      ids.forEach(id -> loads.add(find(id)));
      return Future.all(loads).map(x -> loads.stream().map(Future::result).flatMap(Optional::stream)
          .sorted((a, b) -> a.createdAt().compareTo(b.createdAt())).toList());
    });
  }

  /** Revokes an integration's key: the next request with it is refused. */
  public Future<Integration> revoke(Principal admin, String id) {
    return find(id).compose(found -> {
      if (found.isEmpty()) {
        return Future.failedFuture(Problem.notFound("there is no integration " + id));
      }
      if (found.get().revoked()) {
        return Future.succeededFuture(found.get());
      }
      String now = clock.instant().toString();
      return redis.call(c -> c.hset(key(id), "revokedAt", now))
          .compose(x -> trail.append(CHAIN, EventType.INTEGRATION_KEY_REVOKED, admin.actor(),
              new JsonObject().put("integration", id).put("name", found.get().name())))
          .compose(x -> find(id)).map(Optional::orElseThrow)
          .onSuccess(i -> log.info("integration {}: key revoked by {}", id, admin.username()));
    });
  }

  /** Puts a use of the key on the integrations chain (and, when it concerns one, the inspection's trail). */
  public Future<Void> used(Integration who, String what, String inspectionId) {
    JsonObject facts = new JsonObject().put("integration", who.id()).put("name", who.name()).put("what", what);
    if (inspectionId != null) {
      facts.put("inspection", inspectionId);
    }
    Future<?> chain = trail.append(CHAIN, EventType.INTEGRATION_KEY_USED, who.actor(), facts);
    Future<?> own = inspectionId == null ? Future.succeededFuture()
        : trail.append(inspectionId, EventType.INTEGRATION_KEY_USED, who.actor(), facts);
    return Future.all(chain, own).mapEmpty();
  }

  /** The webhook secret of an integration (for signing). */
  public String secret(Integration i) {
    return i.sealedSecret() == null ? null : sealed.open(i.sealedSecret(), "integration/" + i.id());
  }

  /** The integrations chain, newest last. */
  public Future<JsonArray> trail() {
    return trail.read(CHAIN).map(events -> {
      JsonArray out = new JsonArray();
      events.forEach(e -> out.add(e.toJson().put("payload", e.payloadJson())));
      return out;
    });
  }
}
