package io.kanyan.signaling.http;

import static io.kanyan.signaling.http.Api.body;
import static io.kanyan.signaling.http.Api.principal;
import static io.kanyan.signaling.http.Api.respond;

import io.kanyan.recorder.audit.CaseFile;
import io.kanyan.recorder.audit.CaseQuery;
import io.kanyan.signaling.Problem;
import io.kanyan.signaling.auth.Invites;
import io.kanyan.signaling.auth.Principal;
import io.kanyan.signaling.booking.Booking;
import io.kanyan.signaling.booking.Bookings;
import io.kanyan.signaling.inspection.Inspections;
import io.kanyan.signaling.inspection.Inspections.NewInspection;
import io.kanyan.signaling.notify.InviteNotices;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.ZoneId;

/** Inspections: create, list, read, invite, end, cancel, trail; and the applicant's view of an invite. */
public final class InspectionsResource implements Api.Resource {

  public static final String INVITE_HEADER = "X-Invite-Token";
  /** {@code GET /api/invite} per client address and minute; a real page opens it a few times. */
  static final int OPENS_PER_MINUTE = 30;

  private final Inspections inspections;
  private final String publicUrl;
  private final ZoneId zone;
  private final InviteNotices notices;
  private final PerMinute openRate = new PerMinute(OPENS_PER_MINUTE);
  /** Set while the server is wired ({@link #bookingWith}); volatile, as requests on every event loop read it. */
  private volatile Bookings bookings;

  /**
   * @param publicUrl the base of invite links; null to use the origin the inspector's browser used
   * @param zone      the bureau's time zone, for date-only search bounds
   */
  public InspectionsResource(Inspections inspections, String publicUrl, ZoneId zone) {
    this(inspections, publicUrl, zone, null);
  }

  /** @param notices sends the invite link to the applicant (null: nothing is sent) */
  public InspectionsResource(Inspections inspections, String publicUrl, ZoneId zone, InviteNotices notices) {
    this.notices = notices;
    this.inspections = inspections;
    this.publicUrl = publicUrl;
    this.zone = zone;
  }

  /** With appointments: a new inspection may name a {@code slotId} to be booked into at once. */
  public InspectionsResource bookingWith(Bookings bookings) {
    this.bookings = bookings;
    return this;
  }

  @Override
  public void mount(Router api) {
    api.post("/inspections").handler(Api.jsonBody()).handler(respond(201, this::create));
    api.get("/inspections").handler(respond(this::list));
    api.get("/inspections/:id").handler(respond(this::get));
    api.post("/inspections/:id/invite").handler(respond(this::reissue));
    api.delete("/inspections/:id/invite").handler(respond(this::cancelInvite));
    api.post("/inspections/:id/end").handler(Api.jsonBody()).handler(respond(this::end));
    api.post("/inspections/:id/reinspect").handler(Api.jsonBody()).handler(respond(201, this::reinspect));
    api.post("/inspections/:id/cancel").handler(Api.jsonBody()).handler(respond(this::cancel));
    api.get("/inspections/:id/trail").handler(respond(this::trail));
    api.get("/invite").handler(respond(this::invite));
  }

  private Future<JsonObject> create(RoutingContext ctx) {
    Principal who = principal(ctx, Principal.Role.INSPECTOR);
    JsonObject in = body(ctx);
    NewInspection fresh = NewInspection.from(in);
    String email = email(in);
    String slotId = text(in, "slotId");
    return inspections.create(who, fresh).compose(created -> bookAtCreation(created, who, slotId).map(booking -> {
      JsonObject invite = invite(ctx.request(), created.invite());
      Booking booked = booking.booked();
      // Not awaited: a gateway or mail server that is down never holds up the inspection. Booked at once, the
      // applicant gets one notice that names the time (with the link), not an invite and then a booking notice.
      if (notices != null && booked != null) {
        notices.createdAndBooked(created.inspection(), invite.getString("url"), fresh.applicantPhone(), email,
            booked.start(), booked.end());
      } else if (notices != null) {
        notices.created(created.inspection(), invite.getString("url"), created.invite().expiresAt(),
            fresh.applicantPhone(), email);
      }
      JsonObject out = new JsonObject().put("inspection", created.inspection().toJson()).put("invite", invite);
      if (booked != null) {
        out.put("booking", booked.toJson());
      }
      if (booking.problem() != null) {
        out.put("bookingError", new JsonObject().put("code", booking.problem().code())
            .put("message", booking.problem().getMessage()));
      }
      return out;
    }));
  }

  /** A booking asked for at creation: made, or the reason it was not (the inspection is created either way). */
  private record AtCreation(Booking booked, Problem problem) {
  }

  private Future<AtCreation> bookAtCreation(Inspections.Created created, Principal who, String slotId) {
    if (bookings == null || slotId == null || slotId.isBlank()) {
      return Future.succeededFuture(new AtCreation(null, null));
    }
    return bookings.book(created.inspection().id(), who.username(), slotId.trim(), Bookings.Booker.staff(who.username()))
        .map(change -> new AtCreation(change.now(), null))
        .recover(err -> err instanceof Problem p ? Future.succeededFuture(new AtCreation(null, p))
            : Future.failedFuture(err));
  }

  /** The optional {@code applicantEmail}: where the invite is also mailed. */
  static String email(JsonObject in) {
    String email = text(in, "applicantEmail");
    if (email == null || email.isBlank()) {
      return null;
    }
    email = email.trim();
    if (email.length() > 254 || !email.matches("[^@\\s]+@[^@\\s]+\\.[^@\\s]+")) {
      throw Problem.badRequest("bad_field", "applicantEmail must be an e-mail address like name@example.cn");
    }
    return email;
  }

  private Future<JsonArray> list(RoutingContext ctx) {
    Principal who = principal(ctx);
    CaseQuery q = CaseQueries.from(ctx.request(), zone, 50);
    return inspections.listChecked(who, q);
  }

  private Future<JsonObject> get(RoutingContext ctx) {
    return inspections.readChecked(principal(ctx), ctx.pathParam("id"));
  }

  private Future<JsonObject> reissue(RoutingContext ctx) {
    Principal who = principal(ctx);
    String id = ctx.pathParam("id");
    return inspections.reissueInvite(who, id).map(issued -> {
      JsonObject invite = invite(ctx.request(), issued);
      if (notices != null) {
        inspections.owned(who, id).onSuccess(file -> notices.reissued(file, invite.getString("url"),
            issued.expiresAt()));
      }
      return new JsonObject().put("invite", invite);
    });
  }

  private Future<Void> cancelInvite(RoutingContext ctx) {
    return inspections.cancelInvite(principal(ctx), ctx.pathParam("id"));
  }

  private Future<JsonObject> end(RoutingContext ctx) {
    JsonObject in = body(ctx);
    return inspections.end(principal(ctx), ctx.pathParam("id"), text(in, "conclusion"), text(in, "remark"),
        in.getValue("rectifyItems"), in.getValue("rectifyDeadline")).map(CaseFile::toJson);
  }

  /** A re-inspection of an inspection concluded "rectify": a new inspection of the items to rectify, and its invite. */
  private Future<JsonObject> reinspect(RoutingContext ctx) {
    Principal who = principal(ctx, Principal.Role.INSPECTOR);
    JsonObject in = body(ctx);
    String phone = text(in, "applicantPhone");
    String caseNumber = text(in, "caseNumber");
    String email = email(in);
    // Someone else's inspection is "not found" before anything about the body is said, as on every owner route.
    return inspections.owned(who, ctx.pathParam("id"))
        .compose(file -> phone == null || phone.isBlank()
            ? Future.failedFuture(Problem.badRequest("missing_field",
                "applicantPhone is required: the applicant's phone is not kept in full"))
            : inspections.reinspect(who, file.id(), phone, caseNumber == null || caseNumber.isBlank() ? null
                : caseNumber))
        .map(created -> {
          JsonObject invite = invite(ctx.request(), created.invite());
          if (notices != null) {
            notices.created(created.inspection(), invite.getString("url"), created.invite().expiresAt(), phone,
                email);
          }
          return new JsonObject().put("inspection", created.inspection().toJson()).put("invite", invite);
        });
  }

  private Future<JsonObject> cancel(RoutingContext ctx) {
    JsonObject in = ctx.body().available() && ctx.body().length() > 0 ? body(ctx) : new JsonObject();
    return inspections.cancel(principal(ctx), ctx.pathParam("id"), text(in, "reason")).map(CaseFile::toJson);
  }

  /** An optional text field; anything but a string (an object, a number) is refused rather than turned into one. */
  static String text(JsonObject in, String field) {
    Object v = in.getValue(field);
    if (v != null && !(v instanceof String)) {
      throw Problem.badRequest("bad_field", "'" + field + "' must be text");
    }
    return (String) v;
  }

  private Future<JsonObject> trail(RoutingContext ctx) {
    return inspections.trail(principal(ctx), ctx.pathParam("id"));
  }

  /** What an applicant's page shows before joining: enough to recognise the appointment, nothing private. */
  private Future<JsonObject> invite(RoutingContext ctx) {
    String token = ctx.request().getHeader(INVITE_HEADER);
    if (!openRate.allow(Api.clientAddress(ctx.request()))) {
      return Future.failedFuture(new Problem(Problem.Kind.TOO_MANY, "too_many_requests",
          "this link was opened too often from your network in the last minute; wait a minute and reload"));
    }
    return inspections.inviteOpened(token).map(opened -> {
      CaseFile f = opened.inspection();
      return new JsonObject()
          .put("inspectionId", f.id())
          .put("caseNumber", f.caseNumber())
          .put("matterType", f.matterType())
          .put("siteAddress", f.siteAddress())
          .put("inspectorName", f.inspectorName())
          .put("status", f.status().wire())
          .put("expiresAt", opened.expiresAt().toString());
    });
  }

  private JsonObject invite(HttpServerRequest req, Invites.Issued issued) {
    return invite(req, publicUrl, issued);
  }

  /** An invite as the API answers it: the link (on {@code publicUrl}, else the address the caller used), token, expiry. */
  static JsonObject invite(HttpServerRequest req, String publicUrl, Invites.Issued issued) {
    String base = publicUrl != null ? publicUrl : (req.isSSL() ? "https://" : "http://") + Api.authority(req);
    return new JsonObject()
        .put("url", base + "/applicant.html#invite=" + issued.token())
        .put("token", issued.token())
        .put("expiresAt", issued.expiresAt().toString());
  }
}
