package io.kanyan.signaling.booking;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.stats.StatsBackfill;
import io.kanyan.recorder.stats.StatsRecorder;
import io.kanyan.recorder.trail.Trail;
import io.kanyan.signaling.http.InspectionsResource;
import io.kanyan.signaling.testing.Http;
import io.kanyan.signaling.testing.Staff;
import io.kanyan.signaling.testing.TestServer;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Appointments over real HTTP against a real Redis: slots, booking by staff and by the applicant's link, moving,
 * cancelling, double booking under simultaneous requests, and bad input that gets a clear answer and loses nothing.
 * Each test uses its own inspector, so their slots never overlap; times are taken from the server's clock, which
 * one test moves forward.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BookingTest {

  static TestServer server;
  static final AtomicInteger counter = new AtomicInteger();

  @BeforeAll
  static void start() {
    // Many clients from 127.0.0.1 at the same moment: no per-address cap.
    server = TestServer.start(Map.of("KANYAN_MAX_CONNECTIONS_PER_ADDRESS", "0", "KANYAN_BOOKING_CUTOFF", "2h"));
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void manySimultaneousApplicantsForOneSlotLetExactlyOneWin() {
    Http ann = Staff.as(server, "ann", "inspector");
    String slot = publish(ann, hoursAhead(24), 30).getString("id");
    int n = 24;
    List<String> ids = new ArrayList<>();
    List<String> tokens = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      JsonObject created = create(ann);
      ids.add(created.getJsonObject("inspection").getString("id"));
      tokens.add(created.getJsonObject("invite").getString("token"));
    }
    List<Future<HttpResponse<Buffer>>> all = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      // A client (and so a connection) of its own per applicant, all sent before any answer is awaited.
      all.add(new Http(server.vertx(), server.httpPort()).raw()
          .request(HttpMethod.POST, server.httpPort(), "localhost", "/api/invite/booking")
          .putHeader(InspectionsResource.INVITE_HEADER, tokens.get(i))
          .sendJsonObject(new JsonObject().put("slotId", slot)));
    }
    Future.join(all).await();
    List<Integer> statuses = all.stream().map(f -> f.result().statusCode()).toList();
    assertThat(statuses).filteredOn(s -> s == 201).hasSize(1);
    assertThat(statuses).filteredOn(s -> s == 409).hasSize(n - 1);
    all.stream().map(Future::result).filter(r -> r.statusCode() == 409)
        .forEach(r -> assertThat(r.bodyAsJsonObject().getString("code")).isEqualTo("slot_taken"));

    int winner = statuses.indexOf(201);
    JsonObject slotNow = findSlot(ann, slot);
    assertThat(slotNow.getString("inspection")).isEqualTo(ids.get(winner));
    int booked = 0;
    for (String id : ids) {
      JsonObject b = ann.get("/api/inspections/" + id + "/booking").bodyAsJsonObject();
      if (b.getValue("booking") != null) {
        booked++;
        assertThat(id).isEqualTo(ids.get(winner));
      }
    }
    assertThat(booked).isEqualTo(1);
    assertThat(events(ann, ids.get(winner), "booking.made")).hasSize(1)
        .first().satisfies(e -> {
          JsonObject p = e.getJsonObject("payload");
          assertThat(p.getString("slotId")).isEqualTo(slot);
          assertThat(p.getString("inspector")).isEqualTo("ann");
          assertThat(p.getString("by")).isEqualTo("applicant");
          assertThat(e.getString("actor")).isEqualTo("applicant");
        });
  }

  @Test
  void twoSlotsRacingForOneInspectionBookItOnce() {
    Http bo = Staff.as(server, "bo", "inspector");
    List<String> slots = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      slots.add(publish(bo, hoursAhead(30).plus(Duration.ofHours(i)), 30).getString("id"));
    }
    String id = create(bo).getJsonObject("inspection").getString("id");
    List<Future<HttpResponse<Buffer>>> all = new ArrayList<>();
    for (String slot : slots) {
      all.add(new Http(server.vertx(), server.httpPort()).login("bo", Staff.PASSWORD).raw()
          .request(HttpMethod.POST, server.httpPort(), "localhost", "/api/inspections/" + id + "/booking")
          .sendJsonObject(new JsonObject().put("slotId", slot)));
    }
    Future.join(all).await();
    List<HttpResponse<Buffer>> answers = all.stream().map(Future::result).toList();
    assertThat(answers).filteredOn(r -> r.statusCode() == 201).hasSize(1);
    assertThat(answers).filteredOn(r -> r.statusCode() == 409
        && "already_booked".equals(r.bodyAsJsonObject().getString("code"))).hasSize(slots.size() - 1);
    String won = answers.stream().filter(r -> r.statusCode() == 201).findFirst().orElseThrow().bodyAsJsonObject()
        .getString("slotId");
    for (String slot : slots) {
      assertThat(findSlot(bo, slot).getBoolean("free")).isEqualTo(!slot.equals(won));
    }
    assertThat(events(bo, id, "booking.made")).hasSize(1);
    assertThat(events(bo, id, "booking.made").get(0).getJsonObject("payload").getString("by")).isEqualTo("bo");
  }

  @Test
  void theApplicantBooksMovesAndCancelsFromTheLinkAndStaffSeeEachChange() {
    Http cy = Staff.as(server, "cy", "inspector");
    String first = publish(cy, hoursAhead(48), 30).getString("id");
    String second = publish(cy, hoursAhead(49), 30).getString("id");
    JsonObject created = create(cy);
    String id = created.getJsonObject("inspection").getString("id");
    String token = created.getJsonObject("invite").getString("token");

    JsonObject view = applicant(HttpMethod.GET, token, null).bodyAsJsonObject();
    assertThat(view.getValue("booking")).isNull();
    assertThat(view.getJsonArray("slots").stream().map(s -> ((JsonObject) s).getString("id")))
        .contains(first, second);
    assertThat(view.getLong("cutoffMinutes")).isEqualTo(120);
    // The applicant sees times only: not whose inspection holds a slot.
    assertThat(view.getJsonArray("slots").getJsonObject(0).fieldNames()).doesNotContain("inspection", "inspector");

    HttpResponse<Buffer> booked = applicant(HttpMethod.POST, token, first);
    assertThat(booked.statusCode()).isEqualTo(201);
    // A retried request changes nothing and is answered as before.
    assertThat(applicant(HttpMethod.POST, token, first).statusCode()).isEqualTo(201);
    assertThat(applicant(HttpMethod.PUT, token, second).statusCode()).isEqualTo(200);
    JsonObject after = applicant(HttpMethod.GET, token, null).bodyAsJsonObject();
    assertThat(after.getJsonObject("booking").getString("slotId")).isEqualTo(second);
    assertThat(after.getBoolean("changeable")).isTrue();
    assertThat(findSlot(cy, first).getBoolean("free")).isTrue();
    assertThat(findSlot(cy, second).getString("inspection")).isEqualTo(id);
    assertThat(applicant(HttpMethod.DELETE, token, null).statusCode()).isEqualTo(204);
    assertThat(findSlot(cy, second).getBoolean("free")).isTrue();
    assertThat(cy.get("/api/inspections/" + id + "/booking").bodyAsJsonObject().getValue("booking")).isNull();

    assertThat(events(cy, id, "booking.made")).hasSize(1);
    JsonObject moved = events(cy, id, "booking.moved").get(0).getJsonObject("payload");
    assertThat(moved.getString("fromSlotId")).isEqualTo(first);
    assertThat(moved.getString("slotId")).isEqualTo(second);
    assertThat(moved.getString("by")).isEqualTo("applicant");
    assertThat(events(cy, id, "booking.cancelled")).hasSize(1);
    // The booking notice names the time, once per change (not for the retry); the invite went at creation.
    assertThat(awaitNotices(cy, id, "booking", 2)).hasSize(2);
  }

  @Test
  void staffBookForTheirInspectionsAndTheDeskForAnyInspectorsButOnlyInThatInspectorsTime() {
    Http admin = new Http(server.vertx(), server.httpPort()).login("admin", TestServer.ADMIN_PASSWORD);
    Http dee = Staff.as(server, "dee", "inspector");
    Http eli = Staff.as(server, "eli", "inspector");
    // The desk publishes for dee; dee may not publish for eli.
    HttpResponse<Buffer> forDee = admin.post("/api/slots", new JsonObject().put("inspector", "dee")
        .put("start", hoursAhead(60).toString()).put("end", hoursAhead(60).plusSeconds(1800).toString()));
    assertThat(forDee.statusCode()).isEqualTo(201);
    String deeSlot = forDee.bodyAsJsonObject().getString("id");
    assertThat(dee.post("/api/slots", new JsonObject().put("inspector", "eli")
        .put("start", hoursAhead(61).toString()).put("end", hoursAhead(61).plusSeconds(1800).toString()))
        .statusCode()).isEqualTo(403);
    assertThat(admin.post("/api/slots", new JsonObject().put("inspector", "nobody")
        .put("start", hoursAhead(61).toString()).put("end", hoursAhead(61).plusSeconds(1800).toString()))
        .statusCode()).isEqualTo(400);
    String eliSlot = publish(eli, hoursAhead(60), 30).getString("id");
    String id = create(dee).getJsonObject("inspection").getString("id");

    HttpResponse<Buffer> foreign = dee.post("/api/inspections/" + id + "/booking", new JsonObject().put("slotId", eliSlot));
    assertThat(foreign.statusCode()).isEqualTo(400);
    assertThat(foreign.bodyAsJsonObject().getString("code")).isEqualTo("foreign_slot");
    assertThat(eli.post("/api/inspections/" + id + "/booking", new JsonObject().put("slotId", eliSlot)).statusCode())
        .isEqualTo(404);
    HttpResponse<Buffer> none = dee.post("/api/inspections/" + id + "/booking",
        new JsonObject().put("slotId", "00000000-0000-4000-8000-000000000000"));
    assertThat(none.statusCode()).isEqualTo(404);
    assertThat(none.bodyAsJsonObject().getString("code")).isEqualTo("no_slot");

    HttpResponse<Buffer> byDesk = admin.post("/api/inspections/" + id + "/booking", new JsonObject().put("slotId", deeSlot));
    assertThat(byDesk.statusCode()).isEqualTo(201);
    assertThat(events(dee, id, "booking.made").get(0).getJsonObject("payload").getString("by")).isEqualTo("admin");
    HttpResponse<Buffer> busy = dee.delete("/api/slots/" + deeSlot);
    assertThat(busy.statusCode()).isEqualTo(409);
    assertThat(busy.bodyAsJsonObject().getString("code")).isEqualTo("slot_booked");

    // The inspector's day lists it (the contract the desk's day list builds on).
    Bookings bookings = server.running().server().bookings();
    LocalDate day = hoursAhead(60).atZone(ZoneOffset.systemDefault()).toLocalDate();
    assertThat(bookings.day("dee", day, ZoneOffset.systemDefault()).await()).extracting(Booking::inspectionId)
        .containsExactly(id);
    assertThat(bookings.day("eli", day, ZoneOffset.systemDefault()).await()).isEmpty();

    // The wait in the statistics now runs from the booking.
    long bookedAt = Instant.parse(events(dee, id, "booking.made").get(0).getString("time")).toEpochMilli();
    var redis = server.running().storage().redis();
    assertThat(redis.call(c -> c.hget(StatsRecorder.caseKey(id), StatsRecorder.WAIT_FROM_FIELD)).await())
        .isEqualTo(Long.toString(bookedAt));
    // The backfill, replaying the stored trail through the same recorder, arrives at the same start of the wait.
    redis.call(c -> c.del(StatsRecorder.caseKey(id), StatsBackfill.DONE_KEY)).await();
    new StatsBackfill(redis, new Trail(redis, server.clock()), new StatsRecorder(redis, ZoneOffset.UTC),
        server.clock()).runOnce().await();
    assertThat(redis.call(c -> c.hget(StatsRecorder.caseKey(id), StatsRecorder.WAIT_FROM_FIELD)).await())
        .isEqualTo(Long.toString(bookedAt));

    assertThat(dee.delete("/api/inspections/" + id + "/booking").statusCode()).isEqualTo(204);
    assertThat(dee.delete("/api/slots/" + deeSlot).statusCode()).isEqualTo(204);
    assertThat(findSlot(dee, deeSlot)).isNull();
  }

  @Test
  void pastCutoffPastAndClosedAreRefusedInWordsAndNothingIsLost() {
    Http fay = Staff.as(server, "fay", "inspector");
    String soon = publish(fay, hoursAhead(1), 30).getString("id");
    String later = publish(fay, hoursAhead(5), 30).getString("id");
    JsonObject created = create(fay);
    String id = created.getJsonObject("inspection").getString("id");
    String token = created.getJsonObject("invite").getString("token");

    // Within the cutoff: not for the applicant (and not offered), but staff may.
    assertThat(applicant(HttpMethod.GET, token, null).bodyAsJsonObject().getJsonArray("slots").stream()
        .map(s -> ((JsonObject) s).getString("id"))).doesNotContain(soon).contains(later);
    HttpResponse<Buffer> late = applicant(HttpMethod.POST, token, soon);
    assertThat(late.statusCode()).isEqualTo(409);
    assertThat(late.bodyAsJsonObject().getString("code")).isEqualTo("past_cutoff");
    assertThat(late.bodyAsJsonObject().getString("message")).contains("2 h");

    assertThat(applicant(HttpMethod.POST, token, later).statusCode()).isEqualTo(201);
    HttpResponse<Buffer> twice = fay.post("/api/inspections/" + id + "/booking", new JsonObject().put("slotId", soon));
    assertThat(twice.statusCode()).isEqualTo(409);
    assertThat(twice.bodyAsJsonObject().getString("code")).isEqualTo("already_booked");

    // Four hours on, the booked slot starts within the cutoff: the applicant can no longer move or cancel it.
    server.clock().advance(Duration.ofHours(4));
    fay = new Http(server.vertx(), server.httpPort()).login("fay", Staff.PASSWORD);
    HttpResponse<Buffer> locked = applicant(HttpMethod.DELETE, token, null);
    assertThat(locked.statusCode()).isEqualTo(409);
    assertThat(locked.bodyAsJsonObject().getString("code")).isEqualTo("booking_locked");
    assertThat(applicant(HttpMethod.PUT, token, soon).bodyAsJsonObject().getString("code")).isIn("slot_past",
        "booking_locked", "past_cutoff");
    // The slot that has started is refused even to staff.
    HttpResponse<Buffer> past = fay.put("/api/inspections/" + id + "/booking", new JsonObject().put("slotId", soon));
    assertThat(past.statusCode()).isEqualTo(400);
    assertThat(past.bodyAsJsonObject().getString("code")).isEqualTo("slot_past");
    assertThat(fay.get("/api/inspections/" + id + "/booking").bodyAsJsonObject().getJsonObject("booking")
        .getString("slotId")).isEqualTo(later);

    // Concluded: refused for staff and the link alike; the appointment still ahead is released for someone else.
    assertThat(fay.post("/api/inspections/" + id + "/end", new JsonObject().put("conclusion", "pass")).statusCode())
        .isEqualTo(200);
    HttpResponse<Buffer> closed = fay.delete("/api/inspections/" + id + "/booking");
    assertThat(closed.statusCode()).isEqualTo(409);
    assertThat(closed.bodyAsJsonObject().getString("code")).isEqualTo("inspection_closed");
    assertThat(applicant(HttpMethod.GET, token, null).bodyAsJsonObject().getString("code"))
        .isEqualTo("inspection_closed");
    for (int i = 0; i < 100 && !findSlot(fay, later).getBoolean("free"); i++) {
      sleep(50);
    }
    assertThat(findSlot(fay, later).getBoolean("free")).isTrue();
  }

  @Test
  void aCancelledInspectionFreesItsSlotAndSlotsNeverOverlap() {
    Http gus = Staff.as(server, "gus", "inspector");
    JsonObject slot = publish(gus, hoursAhead(70), 60);
    HttpResponse<Buffer> overlap = gus.post("/api/slots", new JsonObject()
        .put("start", hoursAhead(70).plusSeconds(1800).toString()).put("end", hoursAhead(72).toString()));
    assertThat(overlap.statusCode()).isEqualTo(409);
    assertThat(overlap.bodyAsJsonObject().getString("code")).isEqualTo("slot_overlaps");
    HttpResponse<Buffer> backwards = gus.post("/api/slots", new JsonObject()
        .put("start", hoursAhead(80).toString()).put("end", hoursAhead(79).toString()));
    assertThat(backwards.statusCode()).isEqualTo(400);
    assertThat(gus.post("/api/slots", new JsonObject().put("start", "tomorrow at nine").put("end", "ten"))
        .bodyAsJsonObject().getString("code")).isEqualTo("bad_field");

    String id = create(gus).getJsonObject("inspection").getString("id");
    assertThat(gus.post("/api/inspections/" + id + "/booking", new JsonObject().put("slotId", slot.getString("id")))
        .statusCode()).isEqualTo(201);
    assertThat(gus.post("/api/inspections/" + id + "/cancel", new JsonObject()).statusCode()).isEqualTo(200);
    for (int i = 0; i < 100 && !findSlot(gus, slot.getString("id")).getBoolean("free"); i++) {
      sleep(50);
    }
    assertThat(findSlot(gus, slot.getString("id")).getBoolean("free")).isTrue();
    assertThat(events(gus, id, "booking.cancelled").get(0).getString("actor")).isEqualTo("system");
  }

  @Test
  void anInspectionBookedAtCreationSendsOneNoticeThatNamesTheTime() {
    Http hal = Staff.as(server, "hal", "inspector");
    String slot = publish(hal, hoursAhead(90), 30).getString("id");
    HttpResponse<Buffer> created = hal.post("/api/inspections", server.inspectionBody("B-AT-1").put("slotId", slot));
    assertThat(created.statusCode()).isEqualTo(201);
    String id = created.bodyAsJsonObject().getJsonObject("inspection").getString("id");
    assertThat(created.bodyAsJsonObject().getJsonObject("booking").getString("slotId")).isEqualTo(slot);
    assertThat(awaitNotices(hal, id, "booking", 1)).hasSize(1);
    assertThat(events(hal, id, "notification.sent").stream().map(e -> e.getJsonObject("payload").getString("kind")))
        .containsExactly("booking");

    // The slot is taken now: the next inspection is created all the same, and told why it is not booked.
    HttpResponse<Buffer> second = hal.post("/api/inspections", server.inspectionBody("B-AT-2").put("slotId", slot));
    assertThat(second.statusCode()).isEqualTo(201);
    assertThat(second.bodyAsJsonObject().getJsonObject("bookingError").getString("code")).isEqualTo("slot_taken");
    String secondId = second.bodyAsJsonObject().getJsonObject("inspection").getString("id");
    assertThat(awaitNotices(hal, secondId, "invite", 1)).hasSize(1);
    assertThat(hal.get("/api/inspections/" + secondId + "/booking").bodyAsJsonObject().getValue("booking")).isNull();
  }

  @Test
  void anAppointmentBeyondTheInvitesLifetimeKeepsTheLinkWorkingUntilItIsOver() {
    Http joy = Staff.as(server, "joy", "inspector");
    // The invite lives 24 hours; the appointment is in three days.
    String slot = publish(joy, hoursAhead(72), 30).getString("id");
    JsonObject created = create(joy);
    String token = created.getJsonObject("invite").getString("token");
    assertThat(applicant(HttpMethod.POST, token, slot).statusCode()).isEqualTo(201);
    server.clock().advance(Duration.ofHours(71));
    HttpResponse<Buffer> opened = new Http(server.vertx(), server.httpPort())
        .getWithHeader("/api/invite", InspectionsResource.INVITE_HEADER, token);
    assertThat(opened.statusCode()).as(opened.bodyAsString()).isEqualTo(200);
    assertThat(Instant.parse(opened.bodyAsJsonObject().getString("expiresAt")))
        .isAfterOrEqualTo(Instant.parse(applicant(HttpMethod.GET, token, null).bodyAsJsonObject()
            .getJsonObject("booking").getString("end")));
  }

  // ---- helpers

  static Instant hoursAhead(long hours) {
    return server.clock().instant().plus(Duration.ofHours(hours)).truncatedTo(java.time.temporal.ChronoUnit.MINUTES);
  }

  static JsonObject publish(Http who, Instant start, int minutes) {
    HttpResponse<Buffer> r = who.post("/api/slots", new JsonObject().put("start", start.toString())
        .put("end", start.plus(Duration.ofMinutes(minutes)).toString()));
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);
    return r.bodyAsJsonObject();
  }

  static JsonObject create(Http who) {
    HttpResponse<Buffer> r = who.post("/api/inspections", server.inspectionBody("B-" + counter.incrementAndGet()));
    assertThat(r.statusCode()).isEqualTo(201);
    return r.bodyAsJsonObject();
  }

  static JsonObject findSlot(Http who, String slotId) {
    return who.get("/api/slots?from=" + LocalDate.now().minusDays(2) + "&to=" + LocalDate.now().plusDays(300))
        .bodyAsJsonArray().stream()
        .map(JsonObject.class::cast).filter(s -> s.getString("id").equals(slotId)).findFirst().orElse(null);
  }

  static HttpResponse<Buffer> applicant(HttpMethod method, String token, String slotId) {
    var request = new Http(server.vertx(), server.httpPort()).raw()
        .request(method, server.httpPort(), "localhost", "/api/invite/booking")
        .putHeader(InspectionsResource.INVITE_HEADER, token);
    return (slotId == null ? request.send() : request.sendJsonObject(new JsonObject().put("slotId", slotId))).await();
  }

  static List<JsonObject> events(Http who, String id, String type) {
    return who.get("/api/inspections/" + id + "/trail").bodyAsJsonObject().getJsonArray("events").stream()
        .map(JsonObject.class::cast).filter(e -> type.equals(e.getString("type"))).toList();
  }

  /** The notices of {@code kind} delivered for the inspection, once at least {@code atLeast} are. */
  static List<JsonObject> awaitNotices(Http who, String id, String kind, int atLeast) {
    List<JsonObject> sent = List.of();
    for (int i = 0; i < 200; i++) {
      sent = events(who, id, "notification.sent").stream()
          .filter(e -> kind.equals(e.getJsonObject("payload").getString("kind"))).toList();
      if (sent.size() >= atLeast) {
        return sent;
      }
      sleep(50);
    }
    return sent;
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
