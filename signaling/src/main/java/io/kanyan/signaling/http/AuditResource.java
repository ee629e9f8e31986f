package io.kanyan.signaling.http;

import static io.kanyan.signaling.http.Api.principal;
import static io.kanyan.signaling.http.Api.respond;

import io.kanyan.recorder.audit.AuditServices;
import io.kanyan.recorder.audit.CaseQuery;
import io.kanyan.recorder.audit.UnknownInspectionException;
import io.kanyan.signaling.Problem;
import io.kanyan.signaling.auth.Principal;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.file.Files;
import java.time.ZoneId;

/**
 * The auditor's API: search, an inspection's detail in one request, verification, the evidence package,
 * and the public key that checkpoints are signed with. Reads only; every view of one inspection, every
 * verification and every download is first put on that inspection's trail (an access that cannot be
 * logged does not happen).
 */
public final class AuditResource implements Api.Resource {

  private final Vertx vertx;
  private final AuditServices audit;
  private final ZoneId zone;

  public AuditResource(Vertx vertx, AuditServices audit, ZoneId zone) {
    this.vertx = vertx;
    this.audit = audit;
    this.zone = zone;
  }

  @Override
  public void mount(Router api) {
    api.get("/audit/public-key").handler(this::publicKey);
    api.get("/audit/inspections").handler(respond(this::search));
    api.get("/audit/inspections/:id").handler(respond(this::detail));
    api.get("/audit/inspections/:id/verify").handler(respond(this::verify));
    api.get("/audit/inspections/:id/export").handler(this::export);
  }

  private static Principal auditor(RoutingContext ctx) {
    return principal(ctx, Principal.Role.AUDITOR, Principal.Role.ADMIN);
  }

  /** The Ed25519 public key (PEM) that signs checkpoints: public, so anyone can check an exported package. */
  private void publicKey(RoutingContext ctx) {
    ctx.response().putHeader("Content-Type", "application/x-pem-file")
        .putHeader("Content-Disposition", "inline; filename=\"kanyan-checkpoint-key.pub.pem\"")
        .end(audit.checkpoints().publicKeyPem());
  }

  private Future<JsonObject> search(RoutingContext ctx) {
    auditor(ctx);
    CaseQuery q = CaseQueries.from(ctx.request(), zone, 20);
    return audit.archive().search(q);
  }

  private Future<JsonObject> detail(RoutingContext ctx) {
    Principal who = auditor(ctx);
    String id = ctx.pathParam("id");
    return known(id).compose(x -> audit.archive().recordAccess(id, who.actor(), "detail"))
        .compose(x -> audit.archive().detail(id))
        .recover(err -> err instanceof UnknownInspectionException
            ? Future.failedFuture(new Problem(Problem.Kind.GONE, "tampered", "inspection " + id + " was committed "
                + "by the commitment log but its records are gone from the store: verify it to see what was removed"))
            : Future.failedFuture(err));
  }

  private Future<JsonObject> verify(RoutingContext ctx) {
    Principal who = auditor(ctx);
    String id = ctx.pathParam("id");
    return known(id).compose(x -> audit.archive().recordAccess(id, who.actor(), "verify"))
        .compose(x -> audit.verifier().verify(id))
        .map(verdict -> verdict.toJson());
  }

  /** The evidence package as one zip download, built in a temporary file that is deleted once sent. */
  private void export(RoutingContext ctx) {
    Principal who;
    try {
      who = auditor(ctx);
    } catch (Problem p) {
      Api.problem(ctx, p);
      return;
    }
    String id = ctx.pathParam("id");
    known(id)
        .compose(x -> audit.archive().recordAccess(id, who.actor(), "export"))
        .compose(x -> vertx.executeBlocking(() -> Files.createTempFile("kanyan-evidence-", ".zip"), false))
        .compose(tmp -> audit.archive().detail(id).map(d -> d.getJsonObject("inspection"))
            .recover(err -> err instanceof UnknownInspectionException
                ? Future.succeededFuture((JsonObject) null) : Future.failedFuture(err))
            .compose(facts -> audit.export().export(id, tmp, facts))
            .compose(zip -> ctx.response()
                .putHeader("Content-Type", "application/zip")
                .putHeader("Content-Disposition", "attachment; filename=\"kanyan-evidence-" + id + ".zip\"")
                .sendFile(zip.toString()))
            .eventually(() -> vertx.fileSystem().delete(tmp.toString()).otherwiseEmpty()))
        .onFailure(err -> Api.fail(ctx, err));
  }

  /**
   * Fails with 404 for an id with no trail that the commitment log never committed, before anything is
   * logged against it. An inspection the log committed is known even when its records were deleted: verify
   * and export then report what was removed.
   */
  private Future<Void> known(String id) {
    return audit.archive().detail(id).<Void>mapEmpty().recover(err -> {
      if (!(err instanceof UnknownInspectionException)) {
        return Future.failedFuture(err);
      }
      return audit.checkpoints().commitLog().committed(id).isEmpty()
          ? Future.failedFuture(Problem.notFound("there is no inspection " + id)) : Future.succeededFuture();
    });
  }
}
