package io.kanyan.signaling.http;

import static io.kanyan.signaling.http.Api.body;
import static io.kanyan.signaling.http.Api.principal;
import static io.kanyan.signaling.http.Api.respond;

import io.kanyan.signaling.Problem;
import io.kanyan.signaling.auth.Principal;
import io.kanyan.signaling.catalog.Catalogue;
import io.kanyan.signaling.catalog.Matter;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The matter catalogue: every staff member reads it (inspectors pick a matter from it); admins save matters
 * (a changed checklist becomes a new version), export and import it as JSON.
 */
public final class CatalogResource implements Api.Resource {

  /** An import holds up to 500 matters of up to 200 items: far below this in practice. */
  static final long MAX_IMPORT_BYTES = 2L * 1024 * 1024;

  private final Catalogue catalogue;

  public CatalogResource(Catalogue catalogue) {
    this.catalogue = catalogue;
  }

  @Override
  public void mount(Router api) {
    api.get("/catalog/matters").handler(respond(this::list));
    api.get("/catalog/matters/:code").handler(respond(this::get));
    Handler<RoutingContext> small = Api.jsonBody();
    Handler<RoutingContext> large = Api.jsonBody(MAX_IMPORT_BYTES);
    api.put("/catalog/matters/:code").handler(ctx -> adminThen(ctx, small)).handler(respond(this::put));
    api.get("/catalog/export").handler(ctx -> adminThen(ctx, RoutingContext::next)).handler(respond(this::export));
    api.post("/catalog/import").handler(ctx -> adminThen(ctx, large)).handler(respond(this::importAll));
  }

  /** Checks the role before the body is read, so only an admin's body is ever buffered. */
  private static void adminThen(RoutingContext ctx, Handler<RoutingContext> next) {
    try {
      principal(ctx, Principal.Role.ADMIN);
    } catch (Problem p) {
      Api.problem(ctx, p);
      return;
    }
    next.handle(ctx);
  }

  private Future<JsonArray> list(RoutingContext ctx) {
    principal(ctx);
    return catalogue.list().map(all -> {
      JsonArray out = new JsonArray();
      all.forEach(m -> out.add(m.toJson()));
      return out;
    });
  }

  private Future<JsonObject> get(RoutingContext ctx) {
    principal(ctx);
    String v = ctx.request().getParam("version");
    int version;
    try {
      version = v == null ? 0 : Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw Problem.badRequest("bad_field", "version must be a whole number");
    }
    if (version < 0) {
      throw Problem.badRequest("bad_field", "version must be 1 or more");
    }
    return catalogue.get(ctx.pathParam("code"), version).map(Matter::toJson);
  }

  private Future<JsonObject> put(RoutingContext ctx) {
    JsonObject in = body(ctx);
    Object code = in.getValue("code");
    if (code == null) {
      in.put("code", ctx.pathParam("code"));
    } else if (!ctx.pathParam("code").equals(code)) {
      throw Problem.badRequest("bad_field", "the code in the body differs from the one in the path");
    }
    return catalogue.put(Matter.from(in, "the matter")).map(Matter::toJson);
  }

  private Future<JsonObject> export(RoutingContext ctx) {
    ctx.response().putHeader("Content-Disposition", "attachment; filename=\"kanyan-catalogue.json\"");
    return catalogue.export();
  }

  private Future<JsonObject> importAll(RoutingContext ctx) {
    JsonObject doc = Catalogue.document(ctx.body().asString("UTF-8"));
    return catalogue.importAll(doc).map(saved -> {
      JsonArray list = new JsonArray();
      saved.forEach(m -> list.add(new JsonObject().put("code", m.code()).put("version", m.version())));
      return new JsonObject().put("imported", list);
    });
  }
}
