package io.kanyan.signaling.notify;

import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.signaling.auth.Sealed;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The applicant's phone and e-mail while their inspection is open, so a re-issued link (and, later, a
 * reminder before an appointment) can be sent without asking for the number again. The case record keeps
 * only a masked phone and a keyed hash; here the full values are sealed ({@link Sealed}, AES-256-GCM with a key
 * outside Redis, bound to the inspection id), expire with the invite, and are deleted when the inspection closes.
 */
public final class Contacts {

  /** What the store holds for one inspection (either may be null). */
  public record Contact(String phone, String email) {
  }

  private final RedisStore redis;
  private final Sealed sealed;

  public Contacts(RedisStore redis, Sealed sealed) {
    this.redis = redis;
    this.sealed = sealed;
  }

  static String key(String inspectionId) {
    return "kanyan:contact:" + inspectionId;
  }

  /** Keeps the contact for {@code ttl} (the invite's lifetime; a re-issue calls {@link #extend}). */
  public Future<Void> keep(String inspectionId, Contact contact, Duration ttl) {
    Map<String, String> fields = new HashMap<>();
    if (contact.phone() != null) {
      fields.put("phone", sealed.seal(contact.phone(), inspectionId + "/phone"));
    }
    if (contact.email() != null) {
      fields.put("email", sealed.seal(contact.email(), inspectionId + "/email"));
    }
    if (fields.isEmpty()) {
      return Future.succeededFuture();
    }
    return redis.call(c -> {
      c.hset(key(inspectionId), fields);
      return c.expire(key(inspectionId), Math.max(1, ttl.toSeconds()));
    }).mapEmpty();
  }

  public Future<Void> extend(String inspectionId, Duration ttl) {
    return redis.call(c -> c.expire(key(inspectionId), Math.max(1, ttl.toSeconds()))).mapEmpty();
  }

  /** The contact, or an empty one when none is kept (expired, closed, or never given). */
  public Future<Contact> find(String inspectionId) {
    return redis.call(c -> c.hgetall(key(inspectionId))).map(f -> new Contact(
        f.get("phone") == null ? null : sealed.open(f.get("phone"), inspectionId + "/phone"),
        f.get("email") == null ? null : sealed.open(f.get("email"), inspectionId + "/email")));
  }

  /**
   * Keeps the applicant's current invite link beside the contact, sealed like it, so a booking notice and a
   * reminder can carry it (the token itself is stored nowhere else: only its hash). Nothing is kept when no
   * contact is.
   */
  public Future<Void> keepLink(String inspectionId, String link) {
    return redis.call(c -> c.exists(key(inspectionId))).compose(n -> n == 0 ? Future.<Void>succeededFuture()
        : redis.call(c -> c.hset(key(inspectionId), "link", sealed.seal(link, inspectionId + "/link"))).mapEmpty());
  }

  /** The kept invite link, or null. */
  public Future<String> link(String inspectionId) {
    return redis.call(c -> c.hget(key(inspectionId), "link"))
        .map(v -> v == null ? null : sealed.open(v, inspectionId + "/link"));
  }

  /** Keeps the contact until at least {@code until} (an appointment beyond the invite's lifetime). */
  public Future<Void> keepUntil(String inspectionId, java.time.Instant until) {
    return redis.call(c -> c.ttl(key(inspectionId))).compose(ttl -> ttl == null || ttl < 0
        || java.time.Instant.now().plusSeconds(ttl).isAfter(until) ? Future.<Void>succeededFuture()
        : redis.call(c -> c.expireat(key(inspectionId), until.getEpochSecond())).mapEmpty());
  }

  public Future<Void> forget(String inspectionId) {
    return redis.call(c -> c.del(key(inspectionId))).mapEmpty();
  }
}
