package io.kanyan.signaling.http;

import static io.kanyan.signaling.http.Api.body;
import static io.kanyan.signaling.http.Api.principal;
import static io.kanyan.signaling.http.Api.respond;

import io.kanyan.recorder.trail.EventType;
import io.kanyan.signaling.Problem;
import io.kanyan.signaling.auth.Principal;
import io.kanyan.signaling.catalog.ChecklistState;
import io.kanyan.signaling.catalog.Checklists;
import io.kanyan.signaling.inspection.Inspections;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;

/**
 * An inspection's checklist: its state (items, latest answers, item checked now, re-inspection links), answers
 * and the current item from the inspector's desk, and the applicant's "what to prepare" list via the invite.
 */
public final class ChecklistResource implements Api.Resource {

  private final Inspections inspections;
  private final Checklists checklists;
  private final PerMinute prepareRate = new PerMinute(InspectionsResource.OPENS_PER_MINUTE);

  public ChecklistResource(Inspections inspections) {
    this.inspections = inspections;
    this.checklists = inspections.checklists();
  }

  @Override
  public void mount(Router api) {
    api.get("/inspections/:id/checklist").handler(respond(this::state));
    api.post("/inspections/:id/checklist/answers").handler(Api.jsonBody()).handler(respond(201, this::answer));
    api.post("/inspections/:id/checklist/current").handler(Api.jsonBody()).handler(respond(this::current));
    api.get("/invite/checklist").handler(respond(this::prepare));
  }

  /** The owner, auditors and admins read it; someone else's read is put on the trail first. */
  private Future<JsonObject> state(RoutingContext ctx) {
    Principal who = principal(ctx);
    String id = ctx.pathParam("id");
    return inspections.readable(who, id)
        .compose(file -> file.inspector().equals(who.username()) ? Future.succeededFuture()
            : inspections.trailStore().append(id, EventType.AUDIT_ACCESS, who.actor(),
                new JsonObject().put("what", "checklist")))
        .compose(x -> Future.all(checklists.state(id), inspections.reinspections(id)))
        .map(all -> {
          ChecklistState s = all.resultAt(0);
          List<String> rounds = all.resultAt(1);
          return s.toJson().put("reinspections", new JsonArray(new ArrayList<>(rounds)));
        });
  }

  private Future<JsonObject> answer(RoutingContext ctx) {
    Principal who = principal(ctx, Principal.Role.INSPECTOR);
    JsonObject in = body(ctx);
    return inspections.ownedOpen(who, ctx.pathParam("id"))
        .compose(file -> checklists.answer(file.id(), who.actor(), in));
  }

  private Future<JsonObject> current(RoutingContext ctx) {
    Principal who = principal(ctx, Principal.Role.INSPECTOR);
    JsonObject in = body(ctx);
    return inspections.ownedOpen(who, ctx.pathParam("id"))
        .compose(file -> checklists.current(file.id(), who.actor(), in));
  }

  /**
   * The applicant's "what to prepare" list: the matter, and each item's title and guidance, readable with the
   * invite at any time before (and during) the call; also the item checked now, for a page that joins late.
   */
  private Future<JsonObject> prepare(RoutingContext ctx) {
    String token = ctx.request().getHeader(InspectionsResource.INVITE_HEADER);
    if (!prepareRate.allow(Api.clientAddress(ctx.request()))) {
      return Future.failedFuture(new Problem(Problem.Kind.TOO_MANY, "too_many_requests",
          "this link was opened too often from your network in the last minute; wait a minute and reload"));
    }
    return inspections.forInvite(token).compose(file -> checklists.state(file.id())).map(s -> {
      if (!s.bound()) {
        return new JsonObject().put("bound", false);
      }
      JsonArray items = new JsonArray();
      for (JsonObject item : s.items()) {
        items.add(new JsonObject().put("id", item.getString("id")).put("title", item.getString("title"))
            .put("guidance", item.getString("guidance")).put("required", item.getBoolean("required", true))
            .put("photoRequired", item.getBoolean("photoRequired", false))
            .put("answerType", item.getString("answerType")).put("unit", item.getString("unit")));
      }
      JsonObject out = new JsonObject().put("bound", true).put("matterName", s.boundPayload().getString("matterName"))
          .put("checklistVersion", s.version()).put("items", items);
      if (s.current() != null) {
        out.put("current", Checklists.currentMessage(s, s.current()));
      }
      return out;
    });
  }
}
