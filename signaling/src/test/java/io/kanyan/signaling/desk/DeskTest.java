package io.kanyan.signaling.desk;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.signaling.http.InspectionsResource;
import io.lettuce.core.KillArgs;
import io.kanyan.signaling.testing.EventStream;
import io.kanyan.signaling.testing.Http;
import io.kanyan.signaling.testing.Staff;
import io.kanyan.signaling.testing.TestServer;
import io.kanyan.signaling.testing.Ws;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The inspector's desk, driven as in real use: a real event stream (server-sent events) for the desk, real
 * applicant and inspector WebSocket clients and the real HTTP routes; a second node on the same Redis for the
 * cross-node delivery.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DeskTest {

  static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start(Map.of("KANYAN_MAX_CONNECTIONS_PER_ADDRESS", "0"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void theOwnersDeskSeesOpenedCheckedWaitingInCallAndConcludedAndNoOtherDeskSeesAnything() {
    Http olive = Staff.as(server, "olive", "inspector");
    Http otto = Staff.as(server, "otto", "inspector");
    try (EventStream desk = EventStream.open(server.vertx(), server.httpPort(), "/api/desk/events", olive.sessionCookie());
         EventStream otherDesk = EventStream.open(server.vertx(), server.httpPort(), "/api/desk/events",
             otto.sessionCookie())) {
      assertThat(desk.status()).isEqualTo(200);
      desk.next("ready");
      otherDesk.next("ready");
      JsonObject created = olive.post("/api/inspections", server.inspectionBody("D-1")).bodyAsJsonObject();
      String id = created.getJsonObject("inspection").getString("id");
      String invite = created.getJsonObject("invite").getString("token");

      assertThat(olive.getWithHeader("/api/invite", InspectionsResource.INVITE_HEADER, invite).statusCode())
          .isEqualTo(200);
      assertThat(status(desk, id, "opened").getBoolean("opened")).isTrue();

      JsonObject failed = precheck(invite, passing().put("camera", "denied"));
      assertThat(failed.getBoolean("passed")).isFalse();
      JsonObject checkFailed = status(desk, id, "check_failed");
      assertThat(checkFailed.getJsonObject("precheck").getString("camera")).isEqualTo("denied");
      precheck(invite, passing());
      assertThat(status(desk, id, "checked").getJsonObject("precheck").getBoolean("passed")).isTrue();

      try (Ws phone = Ws.applicant(server.vertx(), server.httpPort(), invite, server.origin()).await()) {
        phone.send(new JsonObject().put("type", "join")).next("joined");
        JsonObject waiting = status(desk, id, "waiting");
        assertThat(waiting.getString("waitingSince")).isNotNull();
        JsonObject place = phone.next("queue");
        assertThat(place.getInteger("place")).isEqualTo(1);
        assertThat(place.getInteger("waiting")).isEqualTo(1);

        try (Ws inspector = Ws.staff(server.vertx(), server.httpPort(), olive.sessionCookie(), server.origin())
            .await()) {
          inspector.send(new JsonObject().put("type", "join").put("inspectionId", id)).next("joined");
          assertThat(status(desk, id, "in_call").getString("waitingSince")).isNull();
          assertThat(olive.post("/api/inspections/" + id + "/end", new JsonObject().put("conclusion", "pass"))
              .statusCode()).isEqualTo(200);
          assertThat(status(desk, id, "concluded").getString("conclusion")).isEqualTo("pass");
        }
      }

      JsonArray day = olive.get("/api/desk/day").bodyAsJsonObject().getJsonArray("inspections");
      assertThat(day.stream().map(o -> (JsonObject) o).filter(o -> o.getString("id").equals(id)).findFirst()
          .orElseThrow().getJsonObject("desk").getString("status")).isEqualTo("concluded");
      assertThat(otto.get("/api/desk/day").bodyAsJsonObject().getJsonArray("inspections").encode()).doesNotContain(id);
      // Everything olive's desk heard has been seen by now: otto's heard none of it.
      assertThat(otherDesk.drain()).isEmpty();
    }
  }

  @Test
  void nextIsTheApplicantWaitingLongestAndSaysPlainlyWhenNobodyWaits() {
    Http ines = Staff.as(server, "ines", "inspector");
    HttpResponse<Buffer> nobody = ines.post("/api/desk/next");
    assertThat(nobody.statusCode()).isEqualTo(409);
    assertThat(nobody.bodyAsJsonObject().getString("code")).isEqualTo("nobody_waiting");
    assertThat(nobody.bodyAsJsonObject().getString("message")).startsWith("nobody is waiting");

    JsonObject first = ines.post("/api/inspections", server.inspectionBody("N-1")).bodyAsJsonObject();
    JsonObject second = ines.post("/api/inspections", server.inspectionBody("N-2")).bodyAsJsonObject();
    try (EventStream desk = EventStream.open(server.vertx(), server.httpPort(), "/api/desk/events",
        ines.sessionCookie())) {
      desk.next("ready");
      // The second inspection's applicant arrives first: they are called first.
      try (Ws early = join(second); Ws late = join(first)) {
        status(desk, id(second), "waiting");
        status(desk, id(first), "waiting");
        assertThat(early.next("queue").getInteger("place")).isEqualTo(1);
        JsonObject latePlace = late.next("queue");
        assertThat(latePlace.getInteger("place")).isEqualTo(2);
        assertThat(latePlace.getInteger("waiting")).isEqualTo(2);

        JsonObject next = ines.post("/api/desk/next").bodyAsJsonObject();
        assertThat(next.getString("inspectionId")).isEqualTo(id(second));
        assertThat(next.getInteger("waiting")).isEqualTo(2);
        try (Ws inspector = Ws.staff(server.vertx(), server.httpPort(), ines.sessionCookie(), server.origin())
            .await()) {
          inspector.send(new JsonObject().put("type", "join").put("inspectionId", id(second))).next("joined");
          status(desk, id(second), "in_call");
          // The one still waiting moves up.
          assertThat(late.next("queue").getInteger("place")).isEqualTo(1);
          assertThat(ines.post("/api/desk/next").bodyAsJsonObject().getString("inspectionId")).isEqualTo(id(first));
        }
      }
    }
  }

  @Test
  void aBookedApplicantGoesBeforeOneWhoCameEarlierAndTheDayListsTheBookedFirst() {
    Http bea = Staff.as(server, "bea", "inspector");
    JsonObject walkIn = bea.post("/api/inspections", server.inspectionBody("B-1")).bodyAsJsonObject();
    JsonObject booked = bea.post("/api/inspections", server.inspectionBody("B-2")).bodyAsJsonObject();
    Instant start = server.clock().instant().plus(Duration.ofHours(1)).truncatedTo(ChronoUnit.MINUTES);
    HttpResponse<Buffer> slot = bea.post("/api/slots", new JsonObject().put("start", start.toString())
        .put("end", start.plus(Duration.ofMinutes(30)).toString()));
    assertThat(slot.statusCode()).as(slot.bodyAsString()).isEqualTo(201);
    try (EventStream desk = EventStream.open(server.vertx(), server.httpPort(), "/api/desk/events",
        bea.sessionCookie())) {
      desk.next("ready");
      assertThat(bea.post("/api/inspections/" + id(booked) + "/booking", new JsonObject()
          .put("slotId", slot.bodyAsJsonObject().getString("id"))).statusCode()).isEqualTo(201);
      assertThat(status(desk, id(booked), "booked").getString("bookedStart")).isEqualTo(start.toString());

      try (Ws early = join(walkIn)) {
        assertThat(early.next("queue").getInteger("place")).isEqualTo(1);
        try (Ws onTime = join(booked)) {
          JsonObject first = onTime.next("queue");
          assertThat(first.getInteger("place")).isEqualTo(1);
          assertThat(first.getString("bookedStart")).isEqualTo(start.toString());
          assertThat(early.next("queue").getInteger("place")).isEqualTo(2);
          assertThat(bea.post("/api/desk/next").bodyAsJsonObject().getString("inspectionId")).isEqualTo(id(booked));
        }
      }
    }
    JsonObject day = bea.get("/api/desk/day?date=" + start.atZone(java.time.ZoneId.of(
        bea.get("/api/desk/day").bodyAsJsonObject().getString("zone"))).toLocalDate()).bodyAsJsonObject();
    JsonObject firstOfDay = day.getJsonArray("inspections").getJsonObject(0);
    assertThat(firstOfDay.getString("id")).isEqualTo(id(booked));
    assertThat(firstOfDay.getJsonObject("desk").getString("bookedStart")).isEqualTo(start.toString());
  }

  @Test
  void theDayHoldsWhatIsOpenAndWhatClosedThatDayNotWhatClosedBefore() {
    Http dan = Staff.as(server, "dan", "inspector");
    JsonObject open = dan.post("/api/inspections", server.inspectionBody("Y-1")).bodyAsJsonObject();
    JsonObject done = dan.post("/api/inspections", server.inspectionBody("Y-2")).bodyAsJsonObject();
    assertThat(dan.post("/api/inspections/" + id(done) + "/end", new JsonObject().put("conclusion", "fail"))
        .statusCode()).isEqualTo(200);
    JsonObject today = dan.get("/api/desk/day").bodyAsJsonObject();
    assertThat(today.getJsonArray("inspections").stream().map(o -> ((JsonObject) o).getString("id")))
        .containsExactly(id(open), id(done));
    String yesterday = today.getString("date");
    server.clock().advance(Duration.ofDays(1));
    assertThat(dan.get("/api/desk/day").bodyAsJsonObject().getJsonArray("inspections").stream()
        .map(o -> ((JsonObject) o).getString("id"))).as("the next day").containsExactly(id(open));
    assertThat(dan.get("/api/desk/day?date=" + yesterday).bodyAsJsonObject().getJsonArray("inspections").stream()
        .map(o -> ((JsonObject) o).getString("id"))).as("the day before, asked for").containsExactly(id(done));
    HttpResponse<Buffer> bad = dan.get("/api/desk/day?date=yesterday");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.bodyAsJsonObject().getString("code")).isEqualTo("bad_date");
  }

  @Test
  void aStatusReadFromAShorterTrailNeverReplacesANewerOneNorReachesTheDesk() {
    Http quinn = Staff.as(server, "quinn", "inspector");
    DeskStore store = new DeskStore(server.running().storage().redis(), null, null);
    String id = java.util.UUID.randomUUID().toString();
    DeskStatus newer = new DeskStatus(id, 5, "waiting", true, null, "present", "absent", Instant.now(), null, null);
    DeskStatus older = new DeskStatus(id, 3, "opened", true, null, "away", "absent", null, null, null);
    try (EventStream desk = EventStream.open(server.vertx(), server.httpPort(), "/api/desk/events",
        quinn.sessionCookie())) {
      desk.next("ready");
      store.store("quinn", newer).await();
      // A node that read the trail earlier stores its status late: it is dropped, and nobody hears of it.
      store.store("quinn", older).await();
      store.store("quinn", newer).await();
      assertThat(store.waiting("quinn").await()).extracting(DeskStore.Waiting::inspectionId).containsExactly(id);
      assertThat(store.statuses("quinn", java.util.List.of(id)).await().get(0).status()).isEqualTo("waiting");
      store.store("quinn", new DeskStatus(id, 6, "in_call", true, null, "present", "present", null, null, null))
          .await();
      // Published in order on one channel: the desk hears the first and the last, nothing in between (the older
      // status and the resend were not published).
      assertThat(desk.next("status").data().getString("status")).isEqualTo("waiting");
      assertThat(desk.next("status").data().getLong("seq")).isEqualTo(6L);
      assertThat(store.waiting("quinn").await()).isEmpty();
    }
  }

  @Test
  void loggingOutEndsTheDeskStream() {
    Http lou = Staff.as(server, "lou", "inspector");
    try (EventStream desk = EventStream.open(server.vertx(), server.httpPort(), "/api/desk/events",
        lou.sessionCookie())) {
      desk.next("ready");
      lou.post("/api/logout");
      assertThat(desk.next("ended").data().getString("code")).isEqualTo("session_ended");
      assertThat(desk.awaitEnd(10_000)).isTrue();
    }
  }

  @Test
  void aDeskReadsItsDayAgainWhenTheServersPubSubConnectionWasLostAndChangesFlowAgain() {
    Http pia = Staff.as(server, "pia", "inspector");
    try (EventStream desk = EventStream.open(server.vertx(), server.httpPort(), "/api/desk/events",
        pia.sessionCookie())) {
      desk.next("ready");
      // Redis drops the subscriber (as on a Redis restart or a network cut); Lettuce reconnects and subscribes again.
      long killed = server.running().storage().redis().call(c -> c.clientKill(KillArgs.Builder.typePubsub())).await();
      assertThat(killed).isGreaterThanOrEqualTo(1);
      desk.next("ready");
      JsonObject created = pia.post("/api/inspections", server.inspectionBody("R-1")).bodyAsJsonObject();
      assertThat(pia.getWithHeader("/api/invite", InspectionsResource.INVITE_HEADER,
          created.getJsonObject("invite").getString("token")).statusCode()).isEqualTo(200);
      status(desk, id(created), "opened");
    }
  }

  @Test
  void disablingTheAccountEndsItsDeskStream() {
    Http dina = Staff.as(server, "dina", "inspector");
    Http admin = new Http(server.vertx(), server.httpPort()).login("admin", TestServer.ADMIN_PASSWORD);
    try (EventStream desk = EventStream.open(server.vertx(), server.httpPort(), "/api/desk/events",
        dina.sessionCookie())) {
      desk.next("ready");
      assertThat(admin.post("/api/users/dina/disable").statusCode()).isEqualTo(200);
      assertThat(desk.next("ended").data().getString("code")).isEqualTo("account_disabled");
      assertThat(desk.awaitEnd(10_000)).isTrue();
    }
  }

  @Test
  void anEventAppendedOnOneNodeReachesADeskConnectedToAnother() {
    try (TestServer nodeB = TestServer.start(Map.of("REDIS_URL", server.redis().url(),
        "KANYAN_MAX_CONNECTIONS_PER_ADDRESS", "0"))) {
      Http nina = Staff.as(server, "nina", "inspector");
      // One login, both nodes: the session lives in the shared Redis.
      try (EventStream deskOnB = EventStream.open(nodeB.vertx(), nodeB.httpPort(), "/api/desk/events",
          nina.sessionCookie())) {
        assertThat(deskOnB.status()).isEqualTo(200);
        deskOnB.next("ready");
        JsonObject created = nina.post("/api/inspections", server.inspectionBody("X-1")).bodyAsJsonObject();
        try (Ws phoneOnA = join(created)) {
          assertThat(status(deskOnB, id(created), "waiting").getString("applicant")).isEqualTo("present");
        }
        assertThat(status(deskOnB, id(created), "opened").getString("applicant")).isEqualTo("away");
      }
    }
  }

  private static Ws join(JsonObject created) {
    Ws ws = Ws.applicant(server.vertx(), server.httpPort(), created.getJsonObject("invite").getString("token"),
        server.origin()).await();
    ws.send(new JsonObject().put("type", "join")).next("joined");
    return ws;
  }

  private static String id(JsonObject created) {
    return created.getJsonObject("inspection").getString("id");
  }

  private static JsonObject status(EventStream desk, String id, String status) {
    return desk.next("status", d -> id.equals(d.getString("inspectionId")) && status.equals(d.getString("status")),
        10_000).data();
  }

  private static JsonObject precheck(String invite, JsonObject body) {
    HttpResponse<Buffer> r = new Http(server.vertx(), server.httpPort()).raw()
        .post(server.httpPort(), "localhost", "/api/invite/precheck")
        .putHeader(InspectionsResource.INVITE_HEADER, invite).sendJsonObject(body).await();
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    return r.bodyAsJsonObject();
  }

  private static JsonObject passing() {
    return new JsonObject().put("camera", "ok").put("microphone", "ok").put("location", "ok").put("accuracy", 12.4)
        .put("rttMs", 35).put("candidates", new JsonArray().add("host").add("relay")).put("inApp", null);
  }

}
