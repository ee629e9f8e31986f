package io.kanyan.signaling.integration;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A system that works with Kanyan (the bureau's approval system): its scoped API key (stored as a digest) and,
 * optionally, the URL its webhooks go to (signed with a secret kept sealed).
 *
 * @param inspector the inspector account that owns the inspections this integration creates (a request may
 *                  name another)
 */
public record Integration(String id, String name, Set<String> scopes, String inspector, String webhookUrl,
    String sealedSecret, Instant createdAt, String createdBy, Instant revokedAt) {

  /** Create inspections and receive their invite link. */
  public static final String CREATE = "inspections:create";
  /** Read the inspections it created; receive webhooks of every inspection's state changes. */
  public static final String READ = "inspections:read";
  /**
   * List inspectors' free slots; book, move and cancel the appointment of the inspections it created (bound by the
   * cutoff, as the applicant is).
   */
  public static final String BOOK = "inspections:book";
  public static final Set<String> SCOPES = Set.of(CREATE, READ, BOOK);

  public boolean revoked() {
    return revokedAt != null;
  }

  /** The trail's actor name. */
  public String actor() {
    return "integration:" + id;
  }

  static Integration from(Map<String, String> f) {
    return new Integration(f.get("id"), f.get("name"), new TreeSet<>(Set.of(f.get("scopes").split(","))),
        f.get("inspector"), f.get("webhookUrl"), f.get("webhookSecret"), Instant.parse(f.get("createdAt")),
        f.get("createdBy"), f.get("revokedAt") == null ? null : Instant.parse(f.get("revokedAt")));
  }

  /** What admins see: never the key or the secret. */
  public JsonObject toJson() {
    return new JsonObject().put("id", id).put("name", name).put("scopes", new JsonArray(scopes.stream().toList()))
        .put("inspector", inspector).put("webhookUrl", webhookUrl).put("createdAt", createdAt.toString())
        .put("createdBy", createdBy).put("revokedAt", revokedAt == null ? null : revokedAt.toString())
        .put("status", revoked() ? "revoked" : "active");
  }
}
