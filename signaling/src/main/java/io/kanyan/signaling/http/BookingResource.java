package io.kanyan.signaling.http;

import static io.kanyan.signaling.http.Api.body;
import static io.kanyan.signaling.http.Api.principal;
import static io.kanyan.signaling.http.Api.respond;

import io.kanyan.recorder.audit.CaseFile;
import io.kanyan.signaling.Problem;
import io.kanyan.signaling.auth.Accounts;
import io.kanyan.signaling.auth.Principal;
import io.kanyan.signaling.booking.Booking;
import io.kanyan.signaling.booking.BookingNotices;
import io.kanyan.signaling.booking.Bookings;
import io.kanyan.signaling.booking.Bookings.Booker;
import io.kanyan.signaling.booking.Slot;
import io.kanyan.signaling.booking.Slots;
import io.kanyan.signaling.inspection.Inspections;
import io.kanyan.signaling.notify.InviteNotices;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;

/**
 * Appointments: inspectors' availability slots (published by the inspector, or by the desk's admin for any
 * inspector), booking an inspection into one by staff (its inspector or an admin) or by the applicant from the
 * invite link (the free slots of the inspection's own inspector), moving and cancelling.
 */
public final class BookingResource implements Api.Resource {

  /** How far ahead the applicant's page offers free slots. */
  static final Duration APPLICANT_HORIZON = Duration.ofDays(30);
  /** The most slots one list answers. */
  static final int MAX_LIST = 500;

  private final Slots slots;
  private final Bookings bookings;
  private final Inspections inspections;
  private final Accounts accounts;
  private final BookingNotices notices;
  private final Clock clock;
  private final ZoneId zone;

  /** @param notices tells the applicant the booked time (null: nothing is sent) */
  public BookingResource(Slots slots, Bookings bookings, Inspections inspections, Accounts accounts,
      InviteNotices notices, Clock clock, ZoneId zone) {
    this.slots = slots;
    this.bookings = bookings;
    this.inspections = inspections;
    this.accounts = accounts;
    this.notices = new BookingNotices(notices);
    this.clock = clock;
    this.zone = zone;
  }

  @Override
  public void mount(Router api) {
    api.get("/slots").handler(respond(this::list));
    api.post("/slots").handler(Api.jsonBody()).handler(respond(201, this::publish));
    api.delete("/slots/:slot").handler(respond(this::remove));
    api.get("/inspections/:id/booking").handler(respond(this::booking));
    api.post("/inspections/:id/booking").handler(Api.jsonBody()).handler(respond(201, ctx -> staffChange(ctx, true)));
    api.put("/inspections/:id/booking").handler(Api.jsonBody()).handler(respond(ctx -> staffChange(ctx, false)));
    api.delete("/inspections/:id/booking").handler(respond(this::staffCancel));
    api.get("/invite/booking").handler(respond(this::applicantView));
    // The invite is checked before the body is read (InviteGate), as on every applicant route with a body.
    api.post("/invite/booking").handler(InviteGate.first(inspections::forInvite));
    api.post("/invite/booking").handler(Api.jsonBody()).handler(respond(201, ctx -> applicantChange(ctx, true)));
    api.put("/invite/booking").handler(InviteGate.first(inspections::forInvite));
    api.put("/invite/booking").handler(Api.jsonBody()).handler(respond(ctx -> applicantChange(ctx, false)));
    api.delete("/invite/booking").handler(respond(this::applicantCancel));
  }

  // ---- slots

  /** {@code ?inspector=&from=&to=}: an inspector's own slots; an admin's for any inspector. */
  private Future<JsonArray> list(RoutingContext ctx) {
    Principal who = principal(ctx, Principal.Role.INSPECTOR, Principal.Role.ADMIN);
    String inspector = ctx.request().getParam("inspector");
    if (who.role() == Principal.Role.INSPECTOR) {
      if (inspector != null && !inspector.equals(who.username())) {
        throw Problem.forbidden("an inspector sees only their own availability");
      }
      inspector = who.username();
    } else if (inspector == null || inspector.isBlank()) {
      throw Problem.badRequest("missing_field", "name the inspector whose availability to list (?inspector=)");
    }
    Instant from = time(ctx.request().getParam("from"), "from", clock.instant().minus(Duration.ofDays(1)));
    Instant to = time(ctx.request().getParam("to"), "to", from.plus(Duration.ofDays(31)));
    if (!to.isAfter(from) || Duration.between(from, to).toDays() > 366) {
      throw Problem.badRequest("bad_query", "'to' must come after 'from', at most a year later");
    }
    return slots.list(inspector, from, to).map(list -> {
      JsonArray out = new JsonArray();
      list.stream().limit(MAX_LIST).forEach(s -> out.add(s.toJson()));
      return out;
    });
  }

  /** {@code {start, end, inspector?, capacity?}}: the desk (admin) names the inspector; an inspector publishes their own. */
  private Future<JsonObject> publish(RoutingContext ctx) {
    Principal who = principal(ctx, Principal.Role.INSPECTOR, Principal.Role.ADMIN);
    JsonObject in = body(ctx);
    Instant start = required(in, "start");
    Instant end = required(in, "end");
    Object capacity = in.getValue("capacity");
    if (capacity != null && !(capacity instanceof Number n && n.intValue() == 1 && n.doubleValue() == 1)) {
      throw Problem.badRequest("bad_field", "capacity must be 1 (one inspection per slot) or left out");
    }
    String named = InspectionsResource.text(in, "inspector");
    if (who.role() == Principal.Role.INSPECTOR) {
      if (named != null && !named.equals(who.username())) {
        throw Problem.forbidden("an inspector publishes only their own availability; the desk publishes for others");
      }
      return slots.publish(who.username(), start, end, who.actor()).map(Slot::toJson);
    }
    if (named == null || named.isBlank()) {
      throw Problem.badRequest("missing_field", "inspector is required: whose availability this is");
    }
    return accounts.enabled(named).compose(found -> found.filter(p -> p.role() == Principal.Role.INSPECTOR).isEmpty()
        ? Future.failedFuture(Problem.badRequest("bad_field", "there is no active inspector " + named))
        : slots.publish(named, start, end, who.actor()).map(Slot::toJson));
  }

  private Future<Void> remove(RoutingContext ctx) {
    Principal who = principal(ctx, Principal.Role.INSPECTOR, Principal.Role.ADMIN);
    String id = ctx.pathParam("slot");
    return slots.get(id).compose(found -> found.isEmpty() || who.role() == Principal.Role.INSPECTOR
        && !found.get().inspector().equals(who.username())
        ? Future.failedFuture(Problem.notFound("there is no slot " + id + " of yours"))
        : slots.remove(id));
  }

  // ---- staff

  private Future<JsonObject> booking(RoutingContext ctx) {
    return inspections.readable(principal(ctx), ctx.pathParam("id"))
        .compose(file -> bookings.of(file.id()))
        .map(b -> new JsonObject().put("booking", b.map(Booking::toJson).orElse(null)));
  }

  /** The inspection {@code who} may book: its inspector's own, or any for the desk (admin); open. */
  private Future<CaseFile> bookable(Principal who, String id) {
    Future<CaseFile> found = who.role() == Principal.Role.ADMIN ? inspections.readable(who, id)
        : inspections.owned(who, id);
    return found.compose(BookingResource::open);
  }

  private Future<JsonObject> staffChange(RoutingContext ctx, boolean fresh) {
    Principal who = principal(ctx, Principal.Role.INSPECTOR, Principal.Role.ADMIN);
    return bookable(who, ctx.pathParam("id")).compose(file -> {
      String slotId = InspectionsResource.text(body(ctx), "slotId");
      Booker booker = Booker.staff(who.username());
      return changed(file, booker, fresh ? bookings.book(file.id(), file.inspector(), slotId, booker)
          : bookings.move(file.id(), file.inspector(), slotId, booker));
    });
  }

  private Future<Void> staffCancel(RoutingContext ctx) {
    Principal who = principal(ctx, Principal.Role.INSPECTOR, Principal.Role.ADMIN);
    Booker booker = Booker.staff(who.username());
    return bookable(who, ctx.pathParam("id"))
        .compose(file -> changed(file, booker, bookings.cancel(file.id(), booker)))
        .mapEmpty();
  }

  // ---- applicant

  /** The applicant's view: the booking, or the free slots of the inspection's inspector to pick from. */
  private Future<JsonObject> applicantView(RoutingContext ctx) {
    return inspections.forInvite(ctx.request().getHeader(InspectionsResource.INVITE_HEADER)).compose(file ->
        bookings.of(file.id()).compose(b -> freeSlots(file).map(free -> {
          Duration cutoff = bookings.settings().cutoff();
          JsonObject out = new JsonObject().put("booking", b.map(this::forApplicant).orElse(null))
              .put("cutoffMinutes", cutoff.toMinutes()).put("slots", free);
          b.ifPresent(x -> out.put("changeable", x.start().minus(cutoff).isAfter(clock.instant())));
          return out;
        })));
  }

  private JsonObject forApplicant(Booking b) {
    return new JsonObject().put("slotId", b.slotId()).put("start", b.start().toString()).put("end", b.end().toString())
        .put("changeableUntil", b.start().minus(bookings.settings().cutoff()).toString());
  }

  /** The inspector's free slots the applicant may still pick (past the cutoff from now, within the horizon). */
  private Future<JsonArray> freeSlots(CaseFile file) {
    Instant from = clock.instant().plus(bookings.settings().cutoff()).plusMillis(1);
    return slots.list(file.inspector(), from, from.plus(APPLICANT_HORIZON)).map(list -> {
      JsonArray out = new JsonArray();
      list.stream().filter(Slot::free).limit(MAX_LIST).forEach(s -> out.add(s.forApplicant()));
      return out;
    });
  }

  private Future<JsonObject> applicantChange(RoutingContext ctx, boolean fresh) {
    CaseFile file = InviteGate.inspection(ctx);
    String slotId = InspectionsResource.text(body(ctx), "slotId");
    Future<Bookings.Change> change = fresh ? bookings.book(file.id(), file.inspector(), slotId, Booker.applicant())
        : bookings.move(file.id(), file.inspector(), slotId, Booker.applicant());
    return changed(file, Booker.applicant(), change).map(j -> forApplicant(bookingOf(j)));
  }

  private Future<Void> applicantCancel(RoutingContext ctx) {
    return inspections.forInvite(ctx.request().getHeader(InspectionsResource.INVITE_HEADER))
        .compose(file -> bookings.cancel(file.id(), Booker.applicant()))
        .mapEmpty();
  }

  // ---- shared

  /**
   * After a change the applicant is told what {@link BookingNotices} says they should be (not awaited: a notifier
   * that is down never holds up a booking). Answers the booking now (null after a cancel).
   */
  private Future<JsonObject> changed(CaseFile file, Booker who, Future<Bookings.Change> change) {
    return change.map(c -> {
      notices.changed(file, c, who);
      return c.now() == null ? null : c.now().toJson();
    });
  }

  private static Booking bookingOf(JsonObject j) {
    return new Booking(j.getString("inspectionId"), j.getString("slotId"), j.getString("inspector"),
        Instant.parse(j.getString("start")), Instant.parse(j.getString("end")), Instant.parse(j.getString("bookedAt")));
  }

  static Future<CaseFile> open(CaseFile file) {
    return file.status().closed()
        ? Future.failedFuture(Problem.conflict("inspection_closed", "inspection " + file.caseNumber() + " has already "
            + (file.status() == CaseFile.Status.ENDED ? "been concluded" : "been cancelled")
            + "; its appointment can no longer be booked or changed"))
        : Future.succeededFuture(file);
  }

  private static Instant required(JsonObject in, String field) {
    Object v = in.getValue(field);
    if (!(v instanceof String s) || s.isBlank()) {
      throw Problem.badRequest("missing_field", field + " is required, as a time like 2026-12-01T09:00:00+08:00");
    }
    try {
      return java.time.OffsetDateTime.parse(s).toInstant();
    } catch (DateTimeParseException e) {
      try {
        return Instant.parse(s);
      } catch (DateTimeParseException e2) {
        throw Problem.badRequest("bad_field", field + " must be a time like 2026-12-01T09:00:00+08:00");
      }
    }
  }

  private Instant time(String v, String field, Instant otherwise) {
    return time(v, field, otherwise, zone);
  }

  /** A query bound: a date (its start, in the bureau's zone) or a time with an offset. */
  static Instant time(String v, String field, Instant otherwise, ZoneId zone) {
    if (v == null || v.isBlank()) {
      return otherwise;
    }
    try {
      return v.length() == 10 ? LocalDate.parse(v).atStartOfDay(zone).toInstant()
          : java.time.OffsetDateTime.parse(v).toInstant();
    } catch (DateTimeParseException e) {
      throw Problem.badRequest("bad_query", field + " must be a date (2026-12-01) or a time with its offset");
    }
  }
}
