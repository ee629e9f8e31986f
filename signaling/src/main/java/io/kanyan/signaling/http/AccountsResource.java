package io.kanyan.signaling.http;

import static io.kanyan.signaling.http.Api.body;
import static io.kanyan.signaling.http.Api.principal;
import static io.kanyan.signaling.http.Api.respond;

import io.kanyan.signaling.Problem;
import io.kanyan.signaling.auth.Accounts;
import io.kanyan.signaling.auth.Principal;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/** Login, logout, the current user, and user management (admins). */
public final class AccountsResource implements Api.Resource {

  private final Accounts accounts;

  public AccountsResource(Accounts accounts) {
    this.accounts = accounts;
  }

  @Override
  public void mount(Router api) {
    api.post("/login").handler(Api.jsonBody()).handler(respond(this::login));
    api.post("/logout").handler(respond(this::logout));
    api.get("/me").handler(respond(ctx -> Future.succeededFuture(toJson(principal(ctx)))));
    api.get("/users").handler(respond(this::list));
    api.post("/users").handler(Api.jsonBody()).handler(respond(201, this::create));
    api.post("/users/:username/disable").handler(respond(ctx -> setDisabled(ctx, true)));
    api.post("/users/:username/enable").handler(respond(ctx -> setDisabled(ctx, false)));
    api.post("/users/:username/unlock").handler(respond(this::unlock));
  }

  private Future<JsonObject> login(RoutingContext ctx) {
    JsonObject in = body(ctx);
    return accounts.login(in.getString("username"), in.getString("password"), Api.clientAddress(ctx.request()))
        .map(login -> {
          ctx.response().addCookie(Api.sessionCookie(ctx.request(), login.token()));
          return toJson(login.principal());
        });
  }

  private Future<Void> logout(RoutingContext ctx) {
    String token = Api.sessionToken(ctx);
    return accounts.logout(token).onSuccess(x ->
        ctx.response().addCookie(Api.sessionCookie(ctx.request(), "").setMaxAge(0)));
  }

  private Future<?> list(RoutingContext ctx) {
    principal(ctx, Principal.Role.ADMIN);
    return accounts.list();
  }

  private Future<JsonObject> create(RoutingContext ctx) {
    principal(ctx, Principal.Role.ADMIN);
    JsonObject in = body(ctx);
    Principal.Role role;
    try {
      role = Principal.Role.fromWire(in.getString("role", ""));
    } catch (IllegalArgumentException e) {
      throw Problem.badRequest("bad_field", e.getMessage());
    }
    return accounts.create(in.getString("username"), in.getString("displayName"), role, in.getString("password"));
  }

  private Future<JsonObject> setDisabled(RoutingContext ctx, boolean disabled) {
    Principal admin = principal(ctx, Principal.Role.ADMIN);
    String username = ctx.pathParam("username");
    if (disabled && admin.username().equals(username)) {
      throw Problem.badRequest("bad_request", "you cannot disable your own account");
    }
    return accounts.setDisabled(username, disabled);
  }

  /** Clears a user's login back-off at every address, so they can log in again at once. */
  private Future<JsonObject> unlock(RoutingContext ctx) {
    principal(ctx, Principal.Role.ADMIN);
    return accounts.unlock(ctx.pathParam("username"));
  }

  static JsonObject toJson(Principal p) {
    return new JsonObject().put("username", p.username()).put("displayName", p.displayName()).put("role", p.role().wire());
  }
}
