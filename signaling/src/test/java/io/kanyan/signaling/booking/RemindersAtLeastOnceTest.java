package io.kanyan.signaling.booking;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.signaling.testing.Http;
import io.kanyan.signaling.testing.Receiver;
import io.kanyan.signaling.testing.Staff;
import io.kanyan.signaling.testing.TestServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A reminder whose sender dies while delivering it, with a real redis-server and a real HTTP receiver standing in
 * for the SMS gateway: the gateway takes the request and never answers, the server is stopped (the delivery it was
 * waiting on dies with it) and started again over the same Redis. The reminder is not lost: once its claim is
 * stale it is sent again, with the same idempotency key, so the gateway can drop the copy.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RemindersAtLeastOnceTest {

  static final String SECRET = "reminder-sms-secret";
  Vertx receivers;
  Receiver gateway;
  TestServer server;
  Http admin;

  @BeforeEach
  void start() {
    receivers = Vertx.vertx();
    gateway = new Receiver(receivers, SECRET);
    // One try of up to a minute: the claim is then kept for the floor of ten minutes.
    server = TestServer.start(Map.of("KANYAN_NOTIFIERS", "sms", "KANYAN_SMS_WEBHOOK_URL", gateway.url("/sms"),
        "KANYAN_SMS_WEBHOOK_SECRET", SECRET, "KANYAN_REMINDER_BEFORE", "1h", "KANYAN_REMINDER_POLL", "100ms",
        "KANYAN_NOTIFY_ATTEMPTS", "1", "KANYAN_NOTIFY_TIMEOUT", "1m", "KANYAN_SESSION_IDLE", "7d"));
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
    if (gateway != null) {
      gateway.close();
    }
    receivers.close().await();
  }

  @Test
  void aReminderWhoseSenderDiedMidDeliveryIsSentAgainWithTheSameKey() {
    Http pia = Staff.as(server, "pia", "inspector");
    Instant at = server.clock().instant().plus(Duration.ofHours(3)).truncatedTo(java.time.temporal.ChronoUnit.MINUTES);
    String slot = AppointmentNoticesTest.slot(pia, at);
    String id = pia.post("/api/inspections", server.inspectionBody("L-1")).bodyAsJsonObject()
        .getJsonObject("inspection").getString("id");
    assertThat(pia.post("/api/inspections/" + id + "/booking", new JsonObject().put("slotId", slot)).statusCode())
        .isEqualTo(201);
    await(() -> mine(id, "booking").size() == 1);

    // Due: the gateway takes the reminder and never answers; the node dies while it waits.
    gateway.holdNext.set(1);
    server.clock().advance(Duration.ofMinutes(121));
    await(() -> mine(id, "reminder").size() == 1);
    Receiver.Received held = mine(id, "reminder").get(0);
    assertThat(held.answered()).isZero();
    server.restart();

    // Its claim waits in Redis; once stale, the next look sends it again, with the same key.
    server.clock().advance(Reminders.STALE_CLAIM.plusMinutes(1));
    await(() -> mine(id, "reminder").size() == 2);
    List<Receiver.Received> reminders = mine(id, "reminder");
    assertThat(reminders).hasSize(2);
    assertThat(reminders.get(1).answered()).isEqualTo(200);
    assertThat(reminders.get(1).idempotencyKey()).isNotBlank().isEqualTo(held.idempotencyKey())
        .isEqualTo(reminders.get(1).body().getString("id"));
    // The delivery is on the trail with that id, and the claim is let go.
    await(() -> !sentReminders(id).isEmpty());
    assertThat(sentReminders(id)).singleElement()
        .satisfies(e -> assertThat(e.getJsonObject("payload").getString("notice")).isEqualTo(held.idempotencyKey()));
    await(() -> server.running().storage().redis().call(c -> c.zscore(Reminders.CLAIMED, id)).await() == null);
  }

  @Test
  void aDeliveryThatEndsLetsGoOnlyItsOwnClaim() {
    // A slow delivery ends after its reminder was claimed again (moved and due again, or taken for stale): the
    // newer claim is another sender's and stays.
    var redis = server.running().storage().redis();
    var release = new io.kanyan.recorder.redis.LuaScript(redis, Reminders.class, "release.lua");
    String id = java.util.UUID.randomUUID().toString();
    long first = 1_764_480_000_000L;
    long second = first + 60_000;
    redis.call(c -> c.zadd(Reminders.CLAIMED, (double) second, id)).await();
    assertThat(release.<Long>run(io.lettuce.core.ScriptOutputType.INTEGER, new String[] {Reminders.CLAIMED},
        new String[] {id, Long.toString(first)}).await()).isZero();
    assertThat(redis.call(c -> c.zscore(Reminders.CLAIMED, id)).await()).isEqualTo((double) second);
    assertThat(release.<Long>run(io.lettuce.core.ScriptOutputType.INTEGER, new String[] {Reminders.CLAIMED},
        new String[] {id, Long.toString(second)}).await()).isEqualTo(1L);
    assertThat(redis.call(c -> c.zscore(Reminders.CLAIMED, id)).await()).isNull();
  }

  @Test
  void eachBookedTimeHasItsOwnReminderKey() {
    Http quin = Staff.as(server, "quin", "inspector");
    Instant at = server.clock().instant().plus(Duration.ofHours(3)).truncatedTo(java.time.temporal.ChronoUnit.MINUTES);
    String id = bookedAt(quin, at);
    Bookings bookings = server.running().server().bookings();
    String first = bookings.reminderId(id).await();
    assertThat(bookings.reminderId(id).await()).isEqualTo(first);
    String later = AppointmentNoticesTest.slot(quin, at.plus(Duration.ofHours(1)));
    assertThat(quin.put("/api/inspections/" + id + "/booking", new JsonObject().put("slotId", later)).statusCode())
        .isEqualTo(200);
    assertThat(bookings.reminderId(id).await()).isNotBlank().isNotEqualTo(first);
  }

  String bookedAt(Http who, Instant at) {
    String slot = AppointmentNoticesTest.slot(who, at);
    String id = who.post("/api/inspections", server.inspectionBody("L-2")).bodyAsJsonObject()
        .getJsonObject("inspection").getString("id");
    assertThat(who.post("/api/inspections/" + id + "/booking", new JsonObject().put("slotId", slot)).statusCode())
        .isEqualTo(201);
    return id;
  }

  List<Receiver.Received> mine(String id, String kind) {
    return gateway.received().stream().filter(r -> id.equals(r.body().getString("inspectionId"))
        && kind.equals(r.body().getString("kind"))).toList();
  }

  List<JsonObject> sentReminders(String id) {
    if (admin == null) {
      admin = new Http(server.vertx(), server.httpPort()).login("admin", TestServer.ADMIN_PASSWORD);
    }
    return BookingTest.events(admin, id, "notification.sent").stream()
        .filter(e -> "reminder".equals(e.getJsonObject("payload").getString("kind"))).toList();
  }

  static void await(java.util.function.BooleanSupplier done) {
    for (int i = 0; i < 400; i++) {
      if (done.getAsBoolean()) {
        return;
      }
      BookingTest.sleep(50);
    }
    throw new AssertionError("never came");
  }
}
