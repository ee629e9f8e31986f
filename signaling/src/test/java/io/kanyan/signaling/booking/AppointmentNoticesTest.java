package io.kanyan.signaling.booking;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.signaling.http.InspectionsResource;
import io.kanyan.signaling.testing.Http;
import io.kanyan.signaling.testing.Receiver;
import io.kanyan.signaling.testing.Staff;
import io.kanyan.signaling.testing.TestServer;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What the applicant receives about an appointment, at a real HTTP receiver standing in for the bureau's SMS
 * gateway: the booked time with the link they already hold, the new time after a move, and the reminder with the
 * same link, in the bureau's time zone.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AppointmentNoticesTest {

  static final String SECRET = "appointment-sms-secret";
  static final ZoneId ZONE = ZoneId.of("Asia/Shanghai");
  static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm");
  static Vertx receivers;
  static Receiver gateway;
  static TestServer server;

  @BeforeAll
  static void start() {
    receivers = Vertx.vertx();
    gateway = new Receiver(receivers, SECRET);
    server = TestServer.start(Map.of("KANYAN_NOTIFIERS", "sms", "KANYAN_SMS_WEBHOOK_URL", gateway.url("/sms"),
        "KANYAN_SMS_WEBHOOK_SECRET", SECRET, "KANYAN_TIME_ZONE", ZONE.getId(), "KANYAN_REMINDER_BEFORE", "1h",
        "KANYAN_REMINDER_POLL", "100ms", "KANYAN_SESSION_IDLE", "7d"));
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
    if (gateway != null) {
      gateway.close();
    }
    receivers.close().await();
  }

  @Test
  void theApplicantIsToldTheTimeWithTheirLinkAndRemindedBeforeIt() {
    Http liv = Staff.as(server, "liv", "inspector");
    Instant at = server.clock().instant().plus(Duration.ofHours(5)).truncatedTo(java.time.temporal.ChronoUnit.MINUTES);
    String first = slot(liv, at);
    String later = slot(liv, at.plus(Duration.ofHours(1)));
    JsonObject created = liv.post("/api/inspections", server.inspectionBody("N-1")).bodyAsJsonObject();
    String id = created.getJsonObject("inspection").getString("id");
    String link = created.getJsonObject("invite").getString("url");
    String token = created.getJsonObject("invite").getString("token");
    assertThat(texts(id, "invite", 1).get(0)).contains(link);

    assertThat(applicant(HttpMethod.POST, token, first).statusCode()).isEqualTo(201);
    String booked = texts(id, "booking", 1).get(0);
    assertThat(booked).contains(WHEN.format(at.atZone(ZONE))).contains(link);
    assertThat(applicant(HttpMethod.PUT, token, later).statusCode()).isEqualTo(200);
    String moved = texts(id, "booking", 2).get(1);
    assertThat(moved).contains(WHEN.format(at.plus(Duration.ofHours(1)).atZone(ZONE))).contains(link);

    server.clock().advance(Duration.ofMinutes(5 * 60 + 1));
    List<String> reminders = texts(id, "reminder", 1);
    assertThat(reminders).hasSize(1);
    assertThat(reminders.get(0)).contains(WHEN.format(at.plus(Duration.ofHours(1)).atZone(ZONE))).contains(link);
    // Every one of them was signed for the gateway and sent once.
    assertThat(gateway.received()).filteredOn(r -> id.equals(r.body().getString("inspectionId")))
        .allSatisfy(r -> assertThat(r.signatureValid()).isTrue()).hasSize(4);
  }

  @Test
  void aMoveOrCancelByStaffIsToldToTheApplicantWithWhatToDoNext() {
    Http nia = Staff.as(server, "nia", "inspector");
    Instant at = server.clock().instant().plus(Duration.ofDays(1)).truncatedTo(java.time.temporal.ChronoUnit.MINUTES);
    String first = slot(nia, at);
    String second = slot(nia, at.plus(Duration.ofHours(2)));
    JsonObject created = nia.post("/api/inspections", server.inspectionBody("N-3")).bodyAsJsonObject();
    String id = created.getJsonObject("inspection").getString("id");
    String link = created.getJsonObject("invite").getString("url");
    texts(id, "invite", 1);
    assertThat(applicant(HttpMethod.POST, created.getJsonObject("invite").getString("token"), first).statusCode())
        .isEqualTo(201);
    texts(id, "booking", 1);

    // The inspector moves it: the applicant hears both times, the link, and that they may pick another.
    assertThat(nia.put("/api/inspections/" + id + "/booking", new JsonObject().put("slotId", second)).statusCode())
        .isEqualTo(200);
    String moved = texts(id, "booking_moved", 1).get(0);
    assertThat(moved).contains(WHEN.format(at.atZone(ZONE)), WHEN.format(at.plus(Duration.ofHours(2)).atZone(ZONE)),
        link, "另选时间");
    // The inspector cancels it: the applicant hears which time is gone and how to pick another.
    assertThat(nia.delete("/api/inspections/" + id + "/booking").statusCode()).isEqualTo(204);
    String cancelled = texts(id, "booking_cancelled", 1).get(0);
    assertThat(cancelled).contains(WHEN.format(at.plus(Duration.ofHours(2)).atZone(ZONE)), link, "另选时间");
    // Both on the trail as delivered, as every notice (appended once the gateway has answered).
    List<String> kinds = List.of();
    for (int i = 0; i < 200 && !kinds.containsAll(List.of("booking_moved", "booking_cancelled")); i++) {
      BookingTest.sleep(50);
      kinds = BookingTest.events(nia, id, "notification.sent").stream()
          .map(e -> e.getJsonObject("payload").getString("kind")).toList();
    }
    assertThat(kinds).contains("booking_moved", "booking_cancelled");
  }

  @Test
  void theApplicantsOwnCancelSendsThemNothing() {
    Http ola = Staff.as(server, "ola", "inspector");
    Instant at = server.clock().instant().plus(Duration.ofDays(1)).truncatedTo(java.time.temporal.ChronoUnit.MINUTES);
    String first = slot(ola, at);
    String witness = slot(ola, at.plus(Duration.ofHours(2)));
    JsonObject created = ola.post("/api/inspections", server.inspectionBody("N-4")).bodyAsJsonObject();
    String id = created.getJsonObject("inspection").getString("id");
    String token = created.getJsonObject("invite").getString("token");
    texts(id, "invite", 1);
    assertThat(applicant(HttpMethod.POST, token, first).statusCode()).isEqualTo(201);
    texts(id, "booking", 1);
    assertThat(new Http(server.vertx(), server.httpPort()).raw()
        .request(HttpMethod.DELETE, server.httpPort(), "localhost", "/api/invite/booking")
        .putHeader(InspectionsResource.INVITE_HEADER, token).send().await().statusCode()).isEqualTo(204);
    // A witness after it: the staff's booking notice takes more steps than a cancellation notice would, so once it
    // is in, a cancellation notice would be too.
    assertThat(ola.post("/api/inspections/" + id + "/booking", new JsonObject().put("slotId", witness)).statusCode())
        .isEqualTo(201);
    assertThat(texts(id, "booking", 2)).hasSize(2);
    assertThat(gateway.received()).filteredOn(r -> id.equals(r.body().getString("inspectionId")))
        .noneMatch(r -> "booking_cancelled".equals(r.body().getString("kind")));
  }

  @Test
  void aGatewayThatIsDownNeverHoldsUpABooking() {
    Http max = Staff.as(server, "max", "inspector");
    String slot = slot(max, server.clock().instant().plus(Duration.ofDays(2)).truncatedTo(
        java.time.temporal.ChronoUnit.MINUTES));
    JsonObject created = max.post("/api/inspections", server.inspectionBody("N-2")).bodyAsJsonObject();
    String id = created.getJsonObject("inspection").getString("id");
    texts(id, "invite", 1);
    gateway.failAll = true;
    try {
      HttpResponse<Buffer> booked = applicant(HttpMethod.POST, created.getJsonObject("invite").getString("token"), slot);
      assertThat(booked.statusCode()).isEqualTo(201);
      // The failed tries are on the trail; the booking stands.
      List<JsonObject> failed = List.of();
      for (int i = 0; i < 200 && failed.isEmpty(); i++) {
        failed = BookingTest.events(max, id, "notification.failed").stream()
            .filter(e -> "booking".equals(e.getJsonObject("payload").getString("kind"))).toList();
        BookingTest.sleep(50);
      }
      assertThat(failed).isNotEmpty();
      assertThat(max.get("/api/inspections/" + id + "/booking").bodyAsJsonObject().getJsonObject("booking")
          .getString("slotId")).isEqualTo(slot);
    } finally {
      gateway.failAll = false;
    }
  }

  static String slot(Http who, Instant start) {
    HttpResponse<Buffer> r = who.post("/api/slots", new JsonObject().put("start", start.toString())
        .put("end", start.plus(Duration.ofMinutes(30)).toString()));
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);
    return r.bodyAsJsonObject().getString("id");
  }

  static HttpResponse<Buffer> applicant(HttpMethod method, String token, String slotId) {
    return new Http(server.vertx(), server.httpPort()).raw()
        .request(method, server.httpPort(), "localhost", "/api/invite/booking")
        .putHeader(InspectionsResource.INVITE_HEADER, token)
        .sendJsonObject(new JsonObject().put("slotId", slotId)).await();
  }

  /** The SMS texts of {@code kind} the gateway accepted for the inspection, once there are {@code n}. */
  static List<String> texts(String id, String kind, int n) {
    List<String> found = List.of();
    for (int i = 0; i < 200 && found.size() < n; i++) {
      found = gateway.accepted().stream().map(Receiver.Received::body)
          .filter(b -> id.equals(b.getString("inspectionId")) && kind.equals(b.getString("kind")))
          .map(b -> b.getString("text")).toList();
      if (found.size() < n) {
        BookingTest.sleep(50);
      }
    }
    return found;
  }
}
