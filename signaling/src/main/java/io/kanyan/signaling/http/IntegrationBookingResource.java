package io.kanyan.signaling.http;

import static io.kanyan.signaling.http.Api.body;
import static io.kanyan.signaling.http.Api.respond;

import io.kanyan.recorder.audit.CaseFile;
import io.kanyan.recorder.redis.RedisStore;
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
import io.kanyan.signaling.integration.Integration;
import io.kanyan.signaling.integration.IntegrationKeys;
import io.kanyan.signaling.notify.InviteNotices;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;

/**
 * Appointments for the approval system, with an API key holding {@value Integration#BOOK}: the free slots an
 * inspector has, and booking, moving and cancelling the appointment of an inspection this integration created.
 * The same scripts and rules as for anyone ({@link Bookings}); the integration is bound by the cutoff as the
 * applicant is (it books the times the applicant picked in the approval system), and is the actor on the trail
 * ({@code integration:<id>}). The applicant is told of each change ({@link BookingNotices}); every use of the key
 * goes on the integrations chain and the inspection's trail ({@link IntegrationKeys#used}), a refused one with
 * its reason.
 */
public final class IntegrationBookingResource implements Api.Resource {

  private final Slots slots;
  private final Bookings bookings;
  private final Inspections inspections;
  private final Accounts accounts;
  private final IntegrationKeys keys;
  private final BookingNotices notices;
  private final RedisStore redis;
  private final Clock clock;
  private final ZoneId zone;

  public IntegrationBookingResource(Slots slots, Bookings bookings, Inspections inspections, Accounts accounts,
      IntegrationKeys keys, InviteNotices notices, RedisStore redis, Clock clock, ZoneId zone) {
    this.slots = slots;
    this.bookings = bookings;
    this.inspections = inspections;
    this.accounts = accounts;
    this.keys = keys;
    this.notices = new BookingNotices(notices);
    this.redis = redis;
    this.clock = clock;
    this.zone = zone;
  }

  @Override
  public void mount(Router api) {
    api.get("/integration/slots").handler(respond(this::freeSlots));
    api.get("/integration/inspections/:id/booking").handler(respond(this::booking));
    api.post("/integration/inspections/:id/booking").handler(IntegrationBookingResource::keyFirst)
        .handler(Api.jsonBody()).handler(respond(201, ctx -> change(ctx, "book")));
    api.put("/integration/inspections/:id/booking").handler(IntegrationBookingResource::keyFirst)
        .handler(Api.jsonBody()).handler(respond(ctx -> change(ctx, "move")));
    api.delete("/integration/inspections/:id/booking").handler(respond(ctx -> change(ctx, "cancel")));
  }

  /** The key is checked before the body is read: a caller without one gets its 401 and nothing is buffered. */
  private static void keyFirst(RoutingContext ctx) {
    try {
      Api.integration(ctx, Integration.BOOK);
      ctx.next();
    } catch (Problem p) {
      Api.refuse(ctx, p);
    }
  }

  /**
   * {@code ?inspector=&from=&to=}: the free slots of an enabled inspector (default: the integration's) that can be
   * booked now, i.e. that start after the cutoff, by start.
   */
  private Future<JsonArray> freeSlots(RoutingContext ctx) {
    Integration who = Api.integration(ctx, Integration.BOOK);
    String named = ctx.request().getParam("inspector");
    String inspector = named == null || named.isBlank() ? who.inspector() : named.trim();
    Instant earliest = clock.instant().plus(bookings.settings().cutoff()).plusMillis(1);
    Instant asked = BookingResource.time(ctx.request().getParam("from"), "from", earliest, zone);
    Instant from = asked.isBefore(earliest) ? earliest : asked;
    Instant to = BookingResource.time(ctx.request().getParam("to"), "to", from.plus(Duration.ofDays(31)), zone);
    if (!to.isAfter(from) || Duration.between(from, to).toDays() > 366) {
      throw Problem.badRequest("bad_query", "'to' must come after 'from' (and after now plus the cutoff, "
          + bookings.settings().cutoff().toMinutes() + " min), at most a year later");
    }
    return accounts.enabled(inspector)
        .compose(found -> found.filter(p -> p.role() == Principal.Role.INSPECTOR).isEmpty()
            ? Future.failedFuture(Problem.badRequest("bad_field", "there is no enabled inspector named " + inspector))
            : keys.used(who, "list slots of " + inspector, null))
        .compose(x -> slots.list(inspector, from, to))
        .map(list -> {
          JsonArray out = new JsonArray();
          list.stream().filter(Slot::free).limit(BookingResource.MAX_LIST)
              .forEach(s -> out.add(s.forApplicant().put("inspector", s.inspector())));
          return out;
        });
  }

  /** {@code {booking | null, changeable?, cutoffMinutes, slots}}: as the applicant's page sees it. */
  private Future<JsonObject> booking(RoutingContext ctx) {
    Integration who = Api.integration(ctx, Integration.BOOK);
    return created(who, ctx.pathParam("id"))
        .compose(file -> keys.used(who, "read booking", file.id()).compose(x -> bookings.of(file.id()))
            .compose(b -> free(file).map(free -> {
              Duration cutoff = bookings.settings().cutoff();
              JsonObject out = new JsonObject().put("booking", b.map(Booking::toJson).orElse(null))
                  .put("cutoffMinutes", cutoff.toMinutes()).put("slots", free);
              b.ifPresent(x -> out.put("changeable", x.start().minus(cutoff).isAfter(clock.instant())));
              return out;
            })));
  }

  private Future<JsonArray> free(CaseFile file) {
    Instant from = clock.instant().plus(bookings.settings().cutoff()).plusMillis(1);
    return slots.list(file.inspector(), from, from.plus(BookingResource.APPLICANT_HORIZON)).map(list -> {
      JsonArray out = new JsonArray();
      list.stream().filter(Slot::free).limit(BookingResource.MAX_LIST).forEach(s -> out.add(s.forApplicant()));
      return out;
    });
  }

  /** Books ({@code book}), moves ({@code move}) or cancels ({@code cancel}) the inspection's appointment. */
  private Future<JsonObject> change(RoutingContext ctx, String what) {
    Integration who = Api.integration(ctx, Integration.BOOK);
    String slotId = "cancel".equals(what) ? null : InspectionsResource.text(body(ctx), "slotId");
    Booker booker = Booker.integration(who.actor());
    return created(who, ctx.pathParam("id")).compose(BookingResource::open).compose(file -> {
      Future<Bookings.Change> change = switch (what) {
        case "book" -> bookings.book(file.id(), file.inspector(), slotId, booker);
        case "move" -> bookings.move(file.id(), file.inspector(), slotId, booker);
        default -> bookings.cancel(file.id(), booker);
      };
      return change.transform(ar -> keys.used(who, ar.succeeded() ? what : what + " (refused: " + code(ar.cause())
              + ")", file.id()).transform(x -> ar.succeeded()
              ? Future.succeededFuture(ar.result()) : Future.<Bookings.Change>failedFuture(ar.cause())))
          .map(c -> {
            notices.changed(file, c, booker);
            return c.now() == null ? null : c.now().toJson();
          });
    });
  }

  private static String code(Throwable err) {
    return err instanceof Problem p ? p.code() : "error";
  }

  /** An inspection this integration created; any other is "not found", so its existence does not leak. */
  private Future<CaseFile> created(Integration who, String id) {
    Problem missing = Problem.notFound("there is no inspection " + id + " that this integration created");
    if (!Inspections.isId(id)) {
      return Future.failedFuture(missing);
    }
    return redis.call(c -> c.sismember(IntegrationsResource.inspectionsKey(who.id()), id))
        .compose(mine -> !mine ? Future.<CaseFile>failedFuture(missing)
            : inspections.readable(new Principal(who.actor(), who.name(), Principal.Role.AUDITOR), id));
  }
}
