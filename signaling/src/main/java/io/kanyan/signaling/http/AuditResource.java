package io.kanyan.signaling.http;

import static io.kanyan.signaling.http.Api.principal;
import static io.kanyan.signaling.http.Api.respond;

import io.kanyan.recorder.audit.AuditServices;
import io.kanyan.recorder.audit.CaseQuery;
import io.kanyan.recorder.audit.TamperedInspectionException;
import io.kanyan.recorder.audit.UnknownInspectionException;
import io.kanyan.recorder.audit.Verdict;
import io.kanyan.signaling.Problem;
import io.kanyan.signaling.auth.Principal;
import io.kanyan.signaling.inspection.Inspections;
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
    // A committed inspection whose case record and trail are gone fails here with "tampered" (410).
    return known(id).compose(x -> audit.archive().recordAccess(id, who.actor(), "detail"))
        .compose(x -> audit.archive().detail(id));
  }

  private Future<JsonObject> verify(RoutingContext ctx) {
    Principal who = auditor(ctx);
    String id = ctx.pathParam("id");
    return known(id).compose(x -> audit.archive().recordAccess(id, who.actor(), "verify"))
        .compose(x -> audit.verifier().verify(id))
        .recover(err -> err instanceof TamperedInspectionException t
            // Nothing of it is left to log an access on (an append would start a new chain under its id): the
            // verdict leads with the finding, then says, from the log's commitments, what was removed.
            ? audit.verifier().verify(id).map(verdict -> {
              verdict.problems().add(0, t.getMessage());
              return verdict;
            })
            : Future.failedFuture(err))
        .map(Verdict::toJson);
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
        .compose(x -> audit.archive().recordAccess(id, who.actor(), "export").<Void>mapEmpty())
        // A committed inspection whose case record and trail are gone is exported anyway (nothing to log the
        // access on): its package holds the log's commitments and shows that its events were removed.
        .recover(err -> err instanceof TamperedInspectionException ? Future.succeededFuture()
            : Future.failedFuture(err))
        .compose(x -> vertx.executeBlocking(() -> Files.createTempFile("kanyan-evidence-", ".zip"), false))
        .compose(tmp -> audit.archive().detail(id).map(d -> d.getJsonObject("inspection"))
            .recover(err -> err instanceof UnknownInspectionException || err instanceof TamperedInspectionException
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
   * Fails before anything is logged against the id: with 404 for an id that never existed (no case record,
   * no trail, never committed by the commitment log), and with {@link TamperedInspectionException} ("tampered",
   * 410) for an inspection the log committed whose case record and trail are gone. Verify and export recover
   * from the latter and report, through the log's commitments, what was removed; detail answers it.
   */
  private Future<Void> known(String id) {
    if (!Inspections.isId(id)) {
      return Future.failedFuture(Problem.notFound("there is no inspection " + id));
    }
    return audit.archive().detail(id).<Void>mapEmpty().recover(err -> err instanceof UnknownInspectionException
        ? Future.failedFuture(Problem.notFound("there is no inspection " + id))
        : Future.failedFuture(err));
  }
}
