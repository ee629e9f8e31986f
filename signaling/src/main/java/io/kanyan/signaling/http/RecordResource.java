package io.kanyan.signaling.http;

import static io.kanyan.signaling.http.Api.principal;
import static io.kanyan.signaling.http.Api.respond;

import io.kanyan.recorder.audit.CaseFile;
import io.kanyan.recorder.report.RecordContent;
import io.kanyan.recorder.report.RecordException;
import io.kanyan.recorder.report.RecordState;
import io.kanyan.recorder.report.Records;
import io.kanyan.recorder.report.SignatureInput;
import io.kanyan.recorder.trail.EventType;
import io.kanyan.recorder.trail.Trail;
import io.kanyan.signaling.Problem;
import io.kanyan.signaling.auth.Principal;
import io.kanyan.signaling.inspection.Inspections;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.nio.file.Path;

/**
 * The inspection record (勘验笔录): its state and PDF for staff, the inspector's signature and the retry of a
 * failed rendering; for the applicant (by the invite link, after the conclusion) the record's content, their
 * signature or refusal, and the finalised PDF once they have signed. The applicant's invite is checked before a
 * body is read.
 */
public final class RecordResource implements Api.Resource {

  /** A signature (strokes and a PNG of a phone-sized pad) is well under this. */
  static final long MAX_SIGNATURE_BODY = 1024 * 1024;

  private final Inspections inspections;
  private final Records records;
  private final Trail trail;

  public RecordResource(Inspections inspections, Records records, Trail trail) {
    this.inspections = inspections;
    this.records = records;
    this.trail = trail;
  }

  @Override
  public void mount(Router api) {
    api.get("/inspections/:id/record").handler(respond(this::state));
    api.get("/inspections/:id/record/pdf").handler(this::pdf);
    api.post("/inspections/:id/record/retry").handler(respond(this::retry));
    api.post("/inspections/:id/record/signature").handler(signatureBody()).handler(respond(201, this::inspectorSigns))
        .failureHandler(RecordResource::tooLarge);
    // The invite is checked on a route of its own, ahead of the routes that read bodies (Vert.x Web runs a body
    // handler only first on its route).
    api.route("/invite/record*").handler(InviteGate.first(inspections::concludedForInvite));
    api.get("/invite/record").handler(respond(this::applicantView));
    api.post("/invite/record/signature").handler(signatureBody())
        .handler(respond(201, this::applicantSigns)).failureHandler(RecordResource::tooLarge);
    api.post("/invite/record/refusal").handler(Api.jsonBody()).handler(respond(201, this::refuses));
    api.get("/invite/record/pdf").handler(this::applicantPdf);
  }

  private static BodyHandler signatureBody() {
    return BodyHandler.create(false).setBodyLimit(MAX_SIGNATURE_BODY);
  }

  private static void tooLarge(RoutingContext ctx) {
    if (ctx.failure() == null && ctx.statusCode() == 413) {
      Api.problem(ctx, new Problem(Problem.Kind.TOO_LARGE, "signature_too_large", "the signature is larger than "
          + MAX_SIGNATURE_BODY / 1024 + " KB; clear the pad and sign again"));
    } else {
      ctx.next();
    }
  }

  private Future<JsonObject> state(RoutingContext ctx) {
    return inspections.readable(principal(ctx), ctx.pathParam("id"))
        .compose(file -> records.state(file.id())).map(RecordState::toJson).recover(RecordResource::mapped);
  }

  private void pdf(RoutingContext ctx) {
    Principal who;
    try {
      who = principal(ctx);
    } catch (Problem p) {
      Api.problem(ctx, p);
      return;
    }
    inspections.readable(who, ctx.pathParam("id"))
        .compose(file -> (file.inspector().equals(who.username()) ? Future.succeededFuture()
            : trail.append(file.id(), EventType.AUDIT_ACCESS, who.actor(), new JsonObject().put("what", "record")))
            .map(file))
        .compose(file -> records.file(file.id()).compose(path -> send(ctx, path, file)))
        .recover(RecordResource::mapped)
        .onFailure(err -> Api.fail(ctx, err));
  }

  private Future<JsonObject> retry(RoutingContext ctx) {
    Principal who = principal(ctx, Principal.Role.INSPECTOR);
    return inspections.owned(who, ctx.pathParam("id"))
        .compose(file -> records.retry(file.id())).map(RecordState::toJson).recover(RecordResource::mapped);
  }

  private Future<JsonObject> inspectorSigns(RoutingContext ctx) {
    Principal who = principal(ctx, Principal.Role.INSPECTOR);
    return inspections.owned(who, ctx.pathParam("id"))
        .compose(file -> signature(ctx).compose(input -> records.sign(file.id(), RecordState.INSPECTOR, who.actor(),
            input)))
        .map(RecordState::toJson).recover(RecordResource::mapped);
  }

  /** Checks the applicant's invite before anything else (the body included) is read. */
  private Future<JsonObject> applicantView(RoutingContext ctx) {
    CaseFile file = InviteGate.inspection(ctx);
    return Future.all(records.state(file.id()), records.content(file.id())).map(all -> {
      RecordState state = all.resultAt(0);
      return state.toJson().put("record", contentJson(all.resultAt(1)));
    }).recover(RecordResource::mapped);
  }

  private Future<JsonObject> applicantSigns(RoutingContext ctx) {
    CaseFile file = InviteGate.inspection(ctx);
    return signature(ctx).compose(input -> records.sign(file.id(), RecordState.APPLICANT, "applicant", input))
        .map(RecordState::toJson)
        .recover(RecordResource::mapped);
  }

  private Future<JsonObject> refuses(RoutingContext ctx) {
    CaseFile file = InviteGate.inspection(ctx);
    Object reason = Api.body(ctx).getValue("reason");
    if (reason != null && !(reason instanceof String)) {
      throw Problem.badRequest("bad_field", "'reason' must be text");
    }
    return records.refuse(file.id(), "applicant", (String) reason).map(RecordState::toJson)
        .recover(RecordResource::mapped);
  }

  private void applicantPdf(RoutingContext ctx) {
    CaseFile file = InviteGate.inspection(ctx);
    records.state(file.id()).compose(state -> state.finalised() == null || !state.done(RecordState.APPLICANT)
            ? Future.failedFuture(Problem.conflict("record_not_final",
                "the signed record can be downloaded once you and the inspector have signed it"))
            : records.file(file.id()).compose(path -> send(ctx, path, file)))
        .recover(RecordResource::mapped)
        .onFailure(err -> Api.fail(ctx, err));
  }

  private static Future<Void> send(RoutingContext ctx, Path path, CaseFile file) {
    String name = "kanyan-record-" + file.caseNumber().replaceAll("[^A-Za-z0-9._-]", "_") + ".pdf";
    ctx.response().putHeader("Content-Disposition", "inline; filename=\"" + name + "\"");
    return FileResponses.send(ctx, path, "application/pdf");
  }

  /** Parses and checks a signature (up to 1 MiB of JSON and a PNG to decode) off the event loop. */
  private static Future<SignatureInput> signature(RoutingContext ctx) {
    io.vertx.core.buffer.Buffer body = ctx.body().buffer();
    return ctx.vertx().executeBlocking(() -> {
      JsonObject json;
      try {
        json = body == null ? null : body.toJsonObject();
      } catch (RuntimeException e) {
        throw Problem.badRequest("bad_json", "the request body is not valid JSON");
      }
      try {
        return SignatureInput.from(json);
      } catch (RecordException e) {
        throw Problem.badRequest("bad_signature", e.getMessage());
      }
    }, false);
  }

  /** The record as the applicant's page shows it: text only (the page escapes it), photos counted. */
  static JsonObject contentJson(RecordContent c) {
    JsonArray items = new JsonArray();
    for (RecordContent.Item item : c.items()) {
      items.add(new JsonObject().put("title", item.title()).put("required", item.required())
          .put("result", item.result()).put("value", item.value()).put("unit", item.unit())
          .put("remark", item.remark()).put("photos", item.photos().size()));
    }
    JsonArray notes = new JsonArray();
    c.notes().forEach(n -> notes.add(new JsonObject().put("time", n.time().toString()).put("text", n.text())));
    return new JsonObject()
        .put("caseNumber", c.caseNumber())
        .put("matterName", c.matterName())
        .put("checklistVersion", c.checklistVersion())
        .put("applicantName", c.applicantName())
        .put("siteAddress", c.siteAddress())
        .put("distanceMeters", c.distanceMeters())
        .put("inspectorName", c.inspectorName())
        .put("start", c.start() == null ? null : c.start().toString())
        .put("end", c.end() == null ? null : c.end().toString())
        .put("items", items)
        .put("notes", notes)
        .put("photos", c.otherPhotos().size())
        .put("conclusion", c.conclusion())
        .put("remark", c.remark())
        .put("rectifyItems", new JsonArray(c.rectifyItems()))
        .put("rectifyDeadline", c.rectifyDeadline());
  }

  private static <T> Future<T> mapped(Throwable err) {
    if (err instanceof RecordException e) {
      Problem p = switch (e.code()) {
        case NOT_READY -> Problem.conflict("record_not_ready", e.getMessage());
        case FINALISED -> Problem.conflict("record_finalised", e.getMessage());
        case ALREADY_SIGNED -> Problem.conflict("already_signed", e.getMessage());
        case BAD_SIGNATURE -> Problem.badRequest("bad_signature", e.getMessage());
        case NOTHING_TO_RETRY -> Problem.conflict("nothing_to_retry", e.getMessage());
        case RENDER_FAILED -> new Problem(Problem.Kind.UNAVAILABLE, "record_failed", e.getMessage());
      };
      return Future.failedFuture(p);
    }
    return Future.failedFuture(err);
  }
}
