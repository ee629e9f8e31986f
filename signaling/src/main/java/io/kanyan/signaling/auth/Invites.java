package io.kanyan.signaling.auth;

import io.kanyan.signaling.Problem;
import io.kanyan.recorder.redis.RedisStore;
import io.vertx.core.Future;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import io.kanyan.recorder.redis.LuaScript;
import io.lettuce.core.ScriptOutputType;
import java.util.List;

/**
 * Applicant invites: a random 256-bit token bound to one inspection, valid for a configured time.
 *
 * <p>Keys: {@code kanyan:invite:<sha256(token)>} (hash: inspectionId, expiresAt), kept 30 days past expiry
 * so a late applicant hears "expired" rather than "unknown"; {@code kanyan:invite-of:<id>} points at an
 * inspection's current invite so re-issuing can revoke the old one. (That pointer used to be
 * {@code kanyan:case:<id>:invite}, inside the inspections' own key space, where the id {@code <id>:invite}
 * named it; it is still read and removed on revoking, so invites issued before the rename stay revocable.)
 */
public final class Invites {

  /** A freshly issued invite; {@code token} goes into the link and is never stored. */
  public record Issued(String token, Instant expiresAt) {
  }

  /** Reads again this often when the invite changed between the read and the write of {@link #coverUntil}. */
  private static final int COVER_ATTEMPTS = 20;

  private final RedisStore redis;
  private final Revocations revocations;
  private final Duration ttl;
  private final Clock clock;
  private final LuaScript issue;
  private final LuaScript revoke;
  private final LuaScript cover;

  public Invites(RedisStore redis, Revocations revocations, Duration ttl, Clock clock) {
    this.redis = redis;
    this.revocations = revocations;
    this.ttl = ttl;
    this.clock = clock;
    this.issue = new LuaScript(redis, Invites.class, "invite_issue.lua");
    this.revoke = new LuaScript(redis, Invites.class, "invite_revoke.lua");
    this.cover = new LuaScript(redis, Invites.class, "invite_cover.lua");
  }

  static String inviteKey(String digest) {
    return "kanyan:invite:" + digest;
  }

  static String currentKey(String inspectionId) {
    return "kanyan:invite-of:" + inspectionId;
  }

  /** Where the pointer was kept before the rename. */
  static String legacyCurrentKey(String inspectionId) {
    return "kanyan:case:" + inspectionId + ":invite";
  }

  /**
   * Issues a new invite for the inspection, revoking the previous one, in one script: two issued at once (two
   * requests, on two event loops or nodes) leave exactly one that works, the one the inspection's pointer names.
   */
  public Future<Issued> issue(String inspectionId) {
    String token = Tokens.random();
    String digest = Tokens.digest(token);
    Instant expires = clock.instant().plus(ttl);
    return issue.<List<Object>>run(ScriptOutputType.MULTI,
            new String[] {currentKey(inspectionId), legacyCurrentKey(inspectionId), inviteKey(digest)},
            new String[] {inspectionId, expires.toString(),
                Long.toString(expires.plus(Duration.ofDays(30)).getEpochSecond()), digest})
        .onSuccess(this::announce)
        .map(revoked -> new Issued(token, expires));
  }

  /**
   * Keeps the inspection's current invite valid at least until {@code until} (an appointment booked beyond its
   * expiry): the link the applicant holds then still opens the call. An invite already valid longer is left alone.
   *
   * <p>The expiry is moved by compare-and-set (read, then set only if unchanged, else read again): two bookings at
   * once keep the later time, and an invite revoked or replaced meanwhile is not brought back (the new one is covered).
   *
   * @return when the invite is now valid until, or empty when the inspection has no current invite
   */
  public Future<java.util.Optional<Instant>> coverUntil(String inspectionId, Instant until) {
    return coverUntil(inspectionId, until, 1);
  }

  private Future<java.util.Optional<Instant>> coverUntil(String inspectionId, Instant until, int attempt) {
    return redis.call(c -> c.get(currentKey(inspectionId))).compose(digest -> digest == null
        ? Future.succeededFuture(java.util.Optional.<Instant>empty())
        : redis.call(c -> c.hget(inviteKey(digest), "expiresAt")).compose(at -> {
          if (at == null) {
            return Future.succeededFuture(java.util.Optional.<Instant>empty());
          }
          Instant current = Instant.parse(at);
          if (!current.isBefore(until)) {
            return Future.succeededFuture(java.util.Optional.of(current));
          }
          return cover.<Long>run(ScriptOutputType.INTEGER,
                  new String[] {currentKey(inspectionId), inviteKey(digest)},
                  new String[] {digest, at, until.toString(),
                      Long.toString(until.plus(Duration.ofDays(30)).getEpochSecond())})
              .compose(moved -> moved == 1 ? Future.succeededFuture(java.util.Optional.of(until))
                  : attempt >= COVER_ATTEMPTS
                      ? Future.failedFuture(new IllegalStateException("inspection " + inspectionId
                          + ": the invite kept changing while its expiry was moved; try again"))
                      : coverUntil(inspectionId, until, attempt + 1));
        }));
  }

  /**
   * Makes the inspection's current invite stop working, and closes the connections opened with it. One script: the
   * invite current when it runs is the one revoked, whatever is issued at the same moment.
   */
  public Future<Void> revoke(String inspectionId) {
    return revoke.<List<Object>>run(ScriptOutputType.MULTI,
            new String[] {currentKey(inspectionId), legacyCurrentKey(inspectionId)}, new String[0])
        .onSuccess(this::announce)
        .mapEmpty();
  }

  /** Closes the connections opened with the invites a script revoked. */
  private void announce(List<Object> revoked) {
    for (Object digest : revoked) {
      revocations.publish(Revocations.Kind.INVITE, String.valueOf(digest), "invite_revoked");
    }
  }

  /** A known invite: the inspection it belongs to, until when it is valid, and whether that is past. */
  public record Found(String inspectionId, Instant expiresAt, boolean expired) {
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
    return redis.call(c -> c.hgetall(inviteKey(Tokens.digest(token)))).compose(fields -> {
      if (fields.isEmpty()) {
        return Future.failedFuture(unknown());
      }
      Instant expiresAt = Instant.parse(fields.get("expiresAt"));
      return Future.succeededFuture(new Found(fields.get("inspectionId"), expiresAt,
          expiresAt.isBefore(clock.instant())));
    });
  }

  /**
   * The inspection a still-valid invite token admits to.
   *
   * @throws Problem (as a failed future) {@code invite_unknown} or {@code invite_expired}
   */
  public Future<String> resolve(String token) {
    return find(token).compose(found -> found.expired() ? Future.failedFuture(expired())
        : Future.succeededFuture(found.inspectionId()));
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
