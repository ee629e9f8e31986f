package io.kanyan.signaling.auth;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

/**
 * Announces that a credential stopped working (a session logged out, a user disabled, an invite re-issued or
 * cancelled) so that every live connection opened with it is closed. The announcement goes over the Vert.x
 * event bus: on one node it is delivered locally; on a clustered event bus it would reach every node.
 */
public final class Revocations {

  /** The event bus address; the body is a {@link Revoked} as JSON. */
  public static final String ADDRESS = "kanyan.credentials.revoked";

  /** What was revoked: a session (by token digest), every session of a user, or an invite (by token digest). */
  public enum Kind { SESSION, USER, INVITE }

  /**
   * One revocation.
   *
   * @param key  the session digest, the username, or the invite digest
   * @param code the error code the closed connection is told ({@code session_ended}, {@code account_disabled},
   *             {@code invite_revoked})
   */
  public record Revoked(Kind kind, String key, String code) {

    JsonObject toJson() {
      return new JsonObject().put("kind", kind.name()).put("key", key).put("code", code);
    }

    static Revoked fromJson(JsonObject json) {
      return new Revoked(Kind.valueOf(json.getString("kind")), json.getString("key"), json.getString("code"));
    }
  }

  private final Vertx vertx;

  public Revocations(Vertx vertx) {
    this.vertx = vertx;
  }

  public void publish(Kind kind, String key, String code) {
    vertx.eventBus().publish(ADDRESS, new Revoked(kind, key, code).toJson());
  }

  /** Calls {@code handler} on the caller's context for every revocation. */
  public MessageConsumer<JsonObject> subscribe(Handler<Revoked> handler) {
    return vertx.eventBus().<JsonObject>consumer(ADDRESS, message -> handler.handle(Revoked.fromJson(message.body())));
  }
}
