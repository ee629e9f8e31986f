package io.kanyan.signaling.booking;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.signaling.testing.Http;
import io.kanyan.signaling.testing.Staff;
import io.kanyan.signaling.testing.TestServer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Reminders before an appointment, with the server's clock moved forward: sent once when due, not before; kept
 * in Redis across a restart; dropped by a cancel; re-timed by a move. A reminder that must not be sent is checked
 * beside one that must, due at the same moment: once the witness is sent, the same look would have sent the other.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RemindersTest {

  TestServer server;
  final AtomicInteger counter = new AtomicInteger();

  @BeforeEach
  void start() {
    server = TestServer.start(Map.of("KANYAN_REMINDER_BEFORE", "1h", "KANYAN_REMINDER_POLL", "100ms",
        "KANYAN_SESSION_IDLE", "7d"));
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void aReminderIsSentOnceWhenDueAndNotAfterACancel() {
    Http ivy = Staff.as(server, "ivy", "inspector");
    Instant at = ahead(3);
    String kept = book(ivy, at);
    String cancelled = book(ivy, at.plus(Duration.ofHours(1)));
    // The second one's reminder would be due an hour later; move it to the same time as the first, then cancel it.
    String sameTime = publish(ivy, at.plus(Duration.ofMinutes(40)));
    assertThat(ivy.put("/api/inspections/" + cancelled + "/booking", new JsonObject().put("slotId", sameTime))
        .statusCode()).isEqualTo(200);
    assertThat(ivy.delete("/api/inspections/" + cancelled + "/booking").statusCode()).isEqualTo(204);

    server.clock().advance(Duration.ofMinutes(90));
    // Not due yet (3 h ahead, 1 h before): still waiting in Redis, nothing sent.
    assertThat(score(kept)).isNotNull();
    assertThat(reminders(ivy, kept)).isEmpty();

    server.clock().advance(Duration.ofMinutes(31));
    List<JsonObject> sent = awaitReminders(ivy, kept, 1);
    assertThat(sent).hasSize(1);
    awaitClaimsSettled();
    assertThat(reminders(ivy, kept)).hasSize(1);
    assertThat(reminders(ivy, cancelled)).isEmpty();
    assertThat(score(kept)).isNull();
  }

  @Test
  void aReminderWaitsInRedisAcrossARestart() {
    Http jo = Staff.as(server, "jo", "inspector");
    String id = book(jo, ahead(3));
    server.restart();
    server.clock().advance(Duration.ofMinutes(121));
    jo = new Http(server.vertx(), server.httpPort()).login("jo", Staff.PASSWORD);
    assertThat(awaitReminders(jo, id, 1)).hasSize(1);
    awaitClaimsSettled();
    assertThat(reminders(jo, id)).hasSize(1);
  }

  @Test
  void aMovedBookingIsRemindedAtItsNewTime() {
    Http kit = Staff.as(server, "kit", "inspector");
    Instant at = ahead(3);
    String witness = book(kit, at);
    String moved = book(kit, at.plus(Duration.ofMinutes(30)));
    Instant later = at.plus(Duration.ofHours(3));
    assertThat(kit.put("/api/inspections/" + moved + "/booking", new JsonObject().put("slotId", publish(kit, later)))
        .statusCode()).isEqualTo(200);
    assertThat(score(moved)).isEqualTo((double) later.minus(Duration.ofHours(1)).toEpochMilli());

    server.clock().advance(Duration.ofMinutes(150));
    assertThat(awaitReminders(kit, witness, 1)).hasSize(1);
    awaitClaimsSettled();
    assertThat(reminders(kit, moved)).isEmpty();
    server.clock().advance(Duration.ofHours(3));
    assertThat(awaitReminders(kit, moved, 1)).hasSize(1);
  }

  // ---- helpers

  Instant ahead(long hours) {
    return server.clock().instant().plus(Duration.ofHours(hours)).truncatedTo(java.time.temporal.ChronoUnit.MINUTES);
  }

  String publish(Http who, Instant start) {
    HttpResponse<Buffer> r = who.post("/api/slots", new JsonObject().put("start", start.toString())
        .put("end", start.plus(Duration.ofMinutes(20)).toString()));
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);
    return r.bodyAsJsonObject().getString("id");
  }

  /** A new inspection booked at {@code start}; its booking notice is awaited, so later ones are told apart. */
  String book(Http who, Instant start) {
    HttpResponse<Buffer> created = who.post("/api/inspections", server.inspectionBody("R-" + counter.incrementAndGet()));
    String id = created.bodyAsJsonObject().getJsonObject("inspection").getString("id");
    HttpResponse<Buffer> booked = who.post("/api/inspections/" + id + "/booking",
        new JsonObject().put("slotId", publish(who, start)));
    assertThat(booked.statusCode()).as(booked.bodyAsString()).isEqualTo(201);
    return id;
  }

  Double score(String id) {
    return server.running().storage().redis().call(c -> c.zscore(Reminders.DUE, id)).await();
  }

  List<JsonObject> reminders(Http who, String id) {
    return BookingTest.events(who, id, "notification.sent").stream()
        .filter(e -> "reminder".equals(e.getJsonObject("payload").getString("kind"))).toList();
  }

  List<JsonObject> awaitReminders(Http who, String id, int n) {
    List<JsonObject> sent = List.of();
    for (int i = 0; i < 300 && sent.size() < n; i++) {
      sent = reminders(who, id);
      BookingTest.sleep(50);
    }
    return sent;
  }

  /** Until no claim is outstanding (the look that sent the reminders has finished with each). */
  void awaitClaimsSettled() {
    for (int i = 0; i < 300; i++) {
      Long claimed = server.running().storage().redis().call(c -> c.zcard(Reminders.CLAIMED)).await();
      if (claimed == 0) {
        return;
      }
      BookingTest.sleep(50);
    }
    throw new AssertionError("reminder claims never settled");
  }
}
