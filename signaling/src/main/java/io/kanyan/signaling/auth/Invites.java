package io.kanyan.signaling.auth;

import io.kanyan.signaling.Problem;
import io.kanyan.recorder.redis.RedisStore;
import io.vertx.core.Future;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * Applicant invites: a random 256-bit token bound to one inspection, valid for a configured time.
 *
 * <p>Keys: {@code kanyan:invite:<sha256(token)>} (hash: inspectionId, expiresAt), kept 30 days past expiry
 * so a late applicant hears "expired" rather than "unknown"; {@code kanyan:case:<id>:invite} points at an
 * inspection's current invite so re-issuing can revoke the old one.
 */
public final class Invites {

  /** A freshly issued invite; {@code token} goes into the link and is never stored. */
  public record Issued(String token, Instant expiresAt) {
  }

  private final RedisStore redis;
  private final Duration ttl;
  private final Clock clock;

  public Invites(RedisStore redis, Duration ttl, Clock clock) {
    this.redis = redis;
    this.ttl = ttl;
    this.clock = clock;
  }

  static String inviteKey(String digest) {
    return "kanyan:invite:" + digest;
  }

  static String currentKey(String inspectionId) {
    return "kanyan:case:" + inspectionId + ":invite";
  }

  /** Issues a new invite for the inspection, revoking the previous one. */
  public Future<Issued> issue(String inspectionId) {
    String token = Tokens.random();
    String digest = Tokens.digest(token);
    Instant expires = clock.instant().plus(ttl);
    return revoke(inspectionId).compose(x -> redis.call(c -> {
      c.hset(inviteKey(digest), Map.of("inspectionId", inspectionId, "expiresAt", expires.toString()));
      c.expireat(inviteKey(digest), expires.plus(Duration.ofDays(30)).getEpochSecond());
      return c.set(currentKey(inspectionId), digest);
    })).map(ok -> new Issued(token, expires));
  }

  /** Makes the inspection's current invite stop working. */
  public Future<Void> revoke(String inspectionId) {
    return redis.call(c -> c.get(currentKey(inspectionId))).compose(digest -> digest == null
        ? Future.succeededFuture()
        : redis.call(c -> {
          c.del(inviteKey(digest));
          return c.del(currentKey(inspectionId));
        }).mapEmpty());
  }

  /** A known invite: the inspection it belongs to and whether it is past its validity. */
  public record Found(String inspectionId, boolean expired) {
  }

  /**
   * The invite a token names, expired or not, so a caller can first say that its inspection has ended
   * (an ended inspection keeps its invite until it expires; re-issuing or cancelling deletes it).
   *
   * @throws Problem (as a failed future) {@code invite_unknown}
   */
  public Future<Found> find(String token) {
    if (token == null || token.isBlank() || token.length() > 100) {
      return Future.failedFuture(unknown());
    }
    return redis.call(c -> c.hgetall(inviteKey(Tokens.digest(token)))).compose(fields -> fields.isEmpty()
        ? Future.failedFuture(unknown())
        : Future.succeededFuture(new Found(fields.get("inspectionId"),
            Instant.parse(fields.get("expiresAt")).isBefore(clock.instant()))));
  }

  /** The answer for an invite past its validity. */
  public static Problem expired() {
    return Problem.gone("invite_expired", "this invitation link has expired; ask the inspector to send a new one");
  }

  private static Problem unknown() {
    return Problem.unauthorized("invite_unknown",
        "this invitation link is not valid (it may have been replaced by a newer one); ask the inspector for the current link");
  }
}
