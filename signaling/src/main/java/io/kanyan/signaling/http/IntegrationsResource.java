package io.kanyan.signaling.http;

import static io.kanyan.signaling.http.Api.body;
import static io.kanyan.signaling.http.Api.principal;
import static io.kanyan.signaling.http.Api.respond;

import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.signaling.Problem;
import io.kanyan.signaling.auth.Accounts;
import io.kanyan.signaling.auth.Principal;
import io.kanyan.signaling.inspection.Inspections;
import io.kanyan.signaling.inspection.Inspections.NewInspection;
import io.kanyan.signaling.integration.Integration;
import io.kanyan.signaling.integration.IntegrationKeys;
import io.kanyan.signaling.integration.Webhooks;
import io.kanyan.signaling.notify.InviteNotices;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The hand-off to the approval system. Admins manage integrations (API keys, webhook URLs) and the webhook
 * dead-letter list; an integration, with its key as {@code Authorization: Bearer}, creates inspections (and
 * gets the invite link) and reads the ones it created.
 */
public final class IntegrationsResource implements Api.Resource {

  private final IntegrationKeys keys;
  private final Webhooks webhooks;
  private final Inspections inspections;
  private final Accounts accounts;
  private final InviteNotices notices;
  private final RedisStore redis;
  private final String publicUrl;

  public IntegrationsResource(IntegrationKeys keys, Webhooks webhooks, Inspections inspections, Accounts accounts,
      InviteNotices notices, RedisStore redis, String publicUrl) {
    this.keys = keys;
    this.webhooks = webhooks;
    this.inspections = inspections;
    this.accounts = accounts;
    this.notices = notices;
    this.redis = redis;
    this.publicUrl = publicUrl;
  }

  @Override
  public void mount(Router api) {
    api.get("/integrations").handler(respond(this::list));
    api.post("/integrations").handler(Api.jsonBody()).handler(respond(201, this::create));
    api.post("/integrations/:id/revoke").handler(respond(this::revoke));
    api.put("/integrations/:id/scopes").handler(Api.jsonBody()).handler(respond(this::changeScopes));
    api.get("/integrations/trail").handler(respond(this::chain));
    api.get("/webhooks/dead-letters").handler(respond(this::deadLetters));
    api.post("/webhooks/dead-letters/:delivery/replay").handler(respond(this::replay));
    api.post("/integration/inspections").handler(this::keyFirst).handler(Api.jsonBody())
        .handler(respond(201, this::createInspection));
    api.get("/integration/inspections/:id").handler(respond(this::readInspection));
  }

  private Future<JsonArray> list(RoutingContext ctx) {
    principal(ctx, Principal.Role.ADMIN);
    return keys.list().map(all -> new JsonArray(all.stream().map(Integration::toJson).toList()));
  }

  private Future<JsonObject> create(RoutingContext ctx) {
    Principal admin = principal(ctx, Principal.Role.ADMIN);
    return keys.create(admin, body(ctx), name -> accounts.enabled(name)
        .map(p -> p.filter(x -> x.role() == Principal.Role.INSPECTOR).isPresent()))
        .map(IntegrationKeys.Created::toJson);
  }

  private Future<JsonObject> revoke(RoutingContext ctx) {
    return keys.revoke(principal(ctx, Principal.Role.ADMIN), ctx.pathParam("id")).map(Integration::toJson);
  }

  /** {@code {scopes: [...]}}: the integration's new scopes; its key stays the same. */
  private Future<JsonObject> changeScopes(RoutingContext ctx) {
    Principal admin = principal(ctx, Principal.Role.ADMIN);
    return keys.changeScopes(admin, ctx.pathParam("id"), body(ctx)).map(Integration::toJson);
  }

  private Future<JsonObject> chain(RoutingContext ctx) {
    principal(ctx, Principal.Role.ADMIN);
    return keys.trail().map(events -> new JsonObject().put("events", events));
  }

  private Future<JsonArray> deadLetters(RoutingContext ctx) {
    principal(ctx, Principal.Role.ADMIN);
    return webhooks.deadLetters();
  }

  private Future<JsonObject> replay(RoutingContext ctx) {
    return webhooks.replay(principal(ctx, Principal.Role.ADMIN), ctx.pathParam("delivery"));
  }

  /** The key is checked before the body is read: a caller without one gets its 401 and nothing is buffered. */
  private void keyFirst(RoutingContext ctx) {
    try {
      Api.integration(ctx, Integration.CREATE);
      ctx.next();
    } catch (Problem p) {
      Api.refuse(ctx, p);
    }
  }

  static String inspectionsKey(String integrationId) {
    return "kanyan:integration:" + integrationId + ":inspections";
  }

  /**
   * Creates an inspection for the approval system: the body of {@code POST /api/inspections} (case number,
   * {@code matterCode} from the catalogue, applicant, site), optionally {@code applicantEmail} and
   * {@code inspector} (else the integration's). Answers the inspection and its invite link.
   */
  private Future<JsonObject> createInspection(RoutingContext ctx) {
    Integration who = Api.integration(ctx, Integration.CREATE);
    JsonObject in = body(ctx);
    NewInspection fresh = NewInspection.from(in);
    String email = InspectionsResource.email(in);
    String named = InspectionsResource.text(in, "inspector");
    String inspector = named == null || named.isBlank() ? who.inspector() : named.trim();
    String retryKey = ctx.request().getHeader("Idempotency-Key");
    if (retryKey != null && (retryKey.isBlank() || retryKey.length() > 200)) {
      throw Problem.badRequest("bad_header", "Idempotency-Key must be 1-200 characters");
    }
    return accounts.enabled(inspector)
        .compose(found -> found.filter(p -> p.role() == Principal.Role.INSPECTOR).map(Future::succeededFuture)
            .orElseGet(() -> Future.failedFuture(Problem.badRequest("bad_field",
                "there is no enabled inspector named " + inspector + " to conduct the inspection"))))
        .compose(p -> retryKey == null ? create(ctx, who, p, fresh, email)
            : once(ctx, who, p, retryKey, () -> create(ctx, who, p, fresh, email)));
  }

  private Future<JsonObject> create(RoutingContext ctx, Integration who, Principal owner, NewInspection fresh,
      String email) {
    return inspections.create(owner, fresh).compose(created -> {
      String id = created.inspection().id();
      JsonObject invite = InspectionsResource.invite(ctx.request(), publicUrl, created.invite());
      notices.created(created.inspection(), invite.getString("url"), created.invite().expiresAt(),
          fresh.applicantPhone(), email);
      return redis.call(c -> c.sadd(inspectionsKey(who.id()), id))
          .compose(x -> keys.used(who, "create", id))
          .map(x -> new JsonObject().put("inspection", created.inspection().toJson()).put("invite", invite));
    });
  }

  /**
   * A create the approval system sends again with the same {@code Idempotency-Key} (within a day) creates
   * nothing new: it answers the inspection already made, with its invite issued again (the old link stops
   * working; the token is not stored, so it cannot be answered twice). While the first is still running: 409.
   */
  private Future<JsonObject> once(RoutingContext ctx, Integration who, Principal owner, String retryKey,
      java.util.function.Supplier<Future<JsonObject>> create) {
    String key = "kanyan:integration:" + who.id() + ":idem:" + io.kanyan.signaling.auth.Tokens.digest(retryKey);
    return redis.call(c -> c.set(key, "pending", io.lettuce.core.SetArgs.Builder.nx().ex(86_400))).compose(set -> {
      if ("OK".equals(set)) {
        return create.get()
            .compose(made -> redis.call(c -> c.set(key, made.getJsonObject("inspection").getString("id"),
                io.lettuce.core.SetArgs.Builder.xx().keepttl())).map(made))
            .recover(err -> redis.call(c -> c.del(key)).transform(x -> Future.failedFuture(err)));
      }
      return redis.call(c -> c.get(key)).compose(id -> {
        if (id == null || "pending".equals(id)) {
          return Future.failedFuture(Problem.conflict("in_progress", "a request with this Idempotency-Key is still"
              + " being processed; try again in a moment"));
        }
        Principal reader = new Principal(who.actor(), who.name(), Principal.Role.AUDITOR);
        // The inspection's own inspector re-issues, whoever this repeat names.
        return inspections.readable(reader, id)
            .compose(file -> accounts.enabled(file.inspector()).map(p -> p.orElse(owner)))
            .compose(conductor -> inspections.reissueInvite(conductor, id))
            .compose(issued -> keys.used(who, "create (repeated)", id)
                .compose(x -> inspections.readable(reader, id))
                .map(file -> new JsonObject().put("inspection", file.toJson()).put("repeated", true)
                    .put("invite", InspectionsResource.invite(ctx.request(), publicUrl, issued))));
      });
    });
  }

  /** An inspection this integration created: its facts (status, conclusion) as the trail states them. */
  private Future<JsonObject> readInspection(RoutingContext ctx) {
    Integration who = Api.integration(ctx, Integration.READ);
    String id = ctx.pathParam("id");
    Problem missing = Problem.notFound("there is no inspection " + id + " that this integration created");
    if (!Inspections.isId(id)) {
      return Future.failedFuture(missing);
    }
    return redis.call(c -> c.sismember(inspectionsKey(who.id()), id))
        .compose(mine -> !mine ? Future.<JsonObject>failedFuture(missing)
            : keys.used(who, "read", id).compose(x -> inspections.readChecked(
                new Principal(who.actor(), who.name(), Principal.Role.AUDITOR), id)));
  }
}
