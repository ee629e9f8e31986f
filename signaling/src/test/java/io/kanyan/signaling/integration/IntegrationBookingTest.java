package io.kanyan.signaling.integration;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.signaling.testing.Http;
import io.kanyan.signaling.testing.Staff;
import io.kanyan.signaling.testing.TestServer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The approval system books appointments with its API key (scope {@code inspections:book}): it lists an
 * inspector's free slots, and books, moves and cancels the appointment of an inspection it created, through the
 * same scripts as staff and applicant, bound by the same cutoff as the applicant, with itself as the actor on the
 * trail, and the applicant told of each change.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class IntegrationBookingTest {

  static TestServer server;
  static Http admin;
  static Http ivan;
  static WebClient raw;

  @BeforeAll
  static void start() {
    server = TestServer.start(Map.of("KANYAN_BOOKING_CUTOFF", "2h", "KANYAN_SESSION_IDLE", "7d"));
    admin = new Http(server.vertx(), server.httpPort()).login("admin", TestServer.ADMIN_PASSWORD);
    ivan = Staff.as(server, "ivan", "inspector");
    raw = WebClient.create(server.vertx());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void anIntegrationListsFreeSlotsAndBooksMovesAndCancelsTheInspectionItCreated() {
    JsonObject made = integration("预约", "inspections:create", "inspections:book");
    String key = made.getString("apiKey");
    String actor = "integration:" + made.getJsonObject("integration").getString("id");
    Instant day = server.clock().instant().plus(Duration.ofDays(1)).truncatedTo(ChronoUnit.MINUTES);
    String first = slot(day);
    String second = slot(day.plus(Duration.ofHours(1)));
    String soon = slot(server.clock().instant().plus(Duration.ofHours(1)).truncatedTo(ChronoUnit.MINUTES));

    // The integration's inspector's free slots that can still be booked: not the one inside the cutoff.
    HttpResponse<Buffer> listed = call(HttpMethod.GET, "/api/integration/slots", key, null);
    assertThat(listed.statusCode()).as(listed.bodyAsString()).isEqualTo(200);
    assertThat(ids(listed.bodyAsJsonArray())).contains(first, second).doesNotContain(soon);
    assertThat(listed.bodyAsJsonArray().getJsonObject(0).getString("inspector")).isEqualTo("ivan");
    assertThat(call(HttpMethod.GET, "/api/integration/slots?inspector=nobody", key, null).statusCode())
        .isEqualTo(400);

    String id = create(key, "IB-1");
    String base = "/api/integration/inspections/" + id + "/booking";
    HttpResponse<Buffer> booked = call(HttpMethod.POST, base, key, new JsonObject().put("slotId", first));
    assertThat(booked.statusCode()).as(booked.bodyAsString()).isEqualTo(201);
    assertThat(booked.bodyAsJsonObject().getString("slotId")).isEqualTo(first);
    // Sent again: the same answer, nothing changed.
    assertThat(call(HttpMethod.POST, base, key, new JsonObject().put("slotId", first)).statusCode()).isEqualTo(201);
    assertThat(call(HttpMethod.PUT, base, key, new JsonObject().put("slotId", second)).statusCode()).isEqualTo(200);
    // The cutoff binds it as it binds the applicant.
    HttpResponse<Buffer> tooSoon = call(HttpMethod.PUT, base, key, new JsonObject().put("slotId", soon));
    assertThat(tooSoon.statusCode()).isEqualTo(409);
    assertThat(tooSoon.bodyAsJsonObject().getString("code")).isEqualTo("past_cutoff");

    JsonObject view = call(HttpMethod.GET, base, key, null).bodyAsJsonObject();
    assertThat(view.getJsonObject("booking").getString("slotId")).isEqualTo(second);
    assertThat(view.getBoolean("changeable")).isTrue();
    assertThat(ids(view.getJsonArray("slots"))).contains(first).doesNotContain(second, soon);
    assertThat(ivan.get("/api/inspections/" + id + "/booking").bodyAsJsonObject().getJsonObject("booking")
        .getString("slotId")).isEqualTo(second);

    assertThat(call(HttpMethod.DELETE, base, key, null).statusCode()).isEqualTo(204);
    assertThat(call(HttpMethod.DELETE, base, key, null).bodyAsJsonObject().getString("code")).isEqualTo("not_booked");

    // On the trail, as any booking change, with the integration as the actor; each use of the key too.
    List<JsonObject> trail = trail(id);
    assertThat(trail).filteredOn(e -> e.getString("type").startsWith("booking."))
        .extracting(e -> e.getString("type")).containsExactly("booking.made", "booking.moved", "booking.cancelled");
    assertThat(trail).filteredOn(e -> e.getString("type").startsWith("booking."))
        .allSatisfy(e -> {
          assertThat(e.getString("actor")).isEqualTo(actor);
          assertThat(e.getJsonObject("payload").getString("by")).isEqualTo(actor);
        });
    assertThat(trail).filteredOn(e -> "integration.key_used".equals(e.getString("type")))
        .extracting(e -> e.getJsonObject("payload").getString("what"))
        .contains("create", "book", "move", "move (refused: past_cutoff)", "read booking", "cancel",
            "cancel (refused: not_booked)");
    // The applicant was told each change: the booked time, the move, the cancellation.
    List<String> kinds = List.of();
    for (int i = 0; i < 200 && !kinds.containsAll(List.of("booking", "booking_moved", "booking_cancelled")); i++) {
      sleep();
      kinds = trail(id).stream().filter(e -> "notification.sent".equals(e.getString("type")))
          .map(e -> e.getJsonObject("payload").getString("kind")).toList();
    }
    assertThat(kinds).contains("booking", "booking_moved", "booking_cancelled");
  }

  @Test
  void insideTheCutoffTheApprovalSystemIsRefusedAsTheApplicantIsAndToldWhoCanStillChangeIt() {
    String key = integration("预约三", "inspections:create", "inspections:book").getString("apiKey");
    Instant now = server.clock().instant().truncatedTo(ChronoUnit.MINUTES);
    String soon = slot(now.plus(Duration.ofMinutes(90)));
    String later = slot(now.plus(Duration.ofHours(3)));
    String other = slot(now.plus(Duration.ofHours(5)));
    String id = create(key, "IB-4");
    String base = "/api/integration/inspections/" + id + "/booking";

    HttpResponse<Buffer> tooSoon = call(HttpMethod.POST, base, key, new JsonObject().put("slotId", soon));
    assertThat(tooSoon.statusCode()).isEqualTo(409);
    assertThat(tooSoon.bodyAsJsonObject().getString("code")).isEqualTo("past_cutoff");
    assertThat(tooSoon.bodyAsJsonObject().getString("message")).contains("approval system", "2 h",
        "/api/integration/slots", "inspector", "desk").doesNotContain("from the link");

    assertThat(call(HttpMethod.POST, base, key, new JsonObject().put("slotId", later)).statusCode()).isEqualTo(201);
    server.clock().advance(Duration.ofMinutes(61));
    for (HttpResponse<Buffer> locked : List.of(call(HttpMethod.PUT, base, key, new JsonObject().put("slotId", other)),
        call(HttpMethod.DELETE, base, key, null))) {
      assertThat(locked.statusCode()).isEqualTo(409);
      assertThat(locked.bodyAsJsonObject().getString("code")).isEqualTo("booking_locked");
      assertThat(locked.bodyAsJsonObject().getString("message")).contains("approval system", "inspector", "desk")
          .doesNotContain("from the link");
    }
    // Whom it names can: the inspection's inspector moves it inside the cutoff.
    assertThat(ivan.put("/api/inspections/" + id + "/booking", new JsonObject().put("slotId", other)).statusCode())
        .isEqualTo(200);
  }

  @Test
  void onlyAKeyWithTheScopeBooksAndOnlyTheInspectionsItCreated() {
    String creator = integration("仅创建", "inspections:create").getString("apiKey");
    String booker = integration("预约二", "inspections:create", "inspections:book").getString("apiKey");
    String other = integration("另一个", "inspections:create", "inspections:book").getString("apiKey");
    String slot = slot(server.clock().instant().plus(Duration.ofDays(3)).truncatedTo(ChronoUnit.MINUTES));
    String id = create(booker, "IB-2");
    String base = "/api/integration/inspections/" + id + "/booking";
    JsonObject body = new JsonObject().put("slotId", slot);

    assertThat(call(HttpMethod.GET, "/api/integration/slots", creator, null).statusCode()).isEqualTo(403);
    assertThat(call(HttpMethod.POST, base, creator, body).statusCode()).isEqualTo(403);
    assertThat(call(HttpMethod.POST, base, null, body).statusCode()).isEqualTo(401);
    // Another integration's inspection, and one staff created, are not found.
    assertThat(call(HttpMethod.POST, base, other, body).statusCode()).isEqualTo(404);
    String staffs = ivan.post("/api/inspections", server.inspectionBody("IB-3")).bodyAsJsonObject()
        .getJsonObject("inspection").getString("id");
    assertThat(call(HttpMethod.POST, "/api/integration/inspections/" + staffs + "/booking", booker, body)
        .statusCode()).isEqualTo(404);
    assertThat(call(HttpMethod.GET, "/api/integration/inspections/not-an-id/booking", booker, null).statusCode())
        .isEqualTo(404);
    // A closed inspection cannot be booked.
    assertThat(ivan.post("/api/inspections/" + id + "/cancel", new JsonObject()).statusCode()).isEqualTo(200);
    HttpResponse<Buffer> closed = call(HttpMethod.POST, base, booker, body);
    assertThat(closed.statusCode()).isEqualTo(409);
    assertThat(closed.bodyAsJsonObject().getString("code")).isEqualTo("inspection_closed");
  }

  @Test
  void anAdminGivesAKeyMadeBeforeTheBookScopeExistedThatScopeWithoutANewKey() {
    JsonObject made = integration("旧审批系统", "inspections:create", "inspections:read");
    String key = made.getString("apiKey");
    String integrationId = made.getJsonObject("integration").getString("id");
    String path = "/api/integrations/" + integrationId + "/scopes";
    String id = create(key, "IB-5");
    String base = "/api/integration/inspections/" + id + "/booking";
    JsonObject body = new JsonObject().put("slotId", slot(server.clock().instant().plus(Duration.ofDays(4))
        .truncatedTo(ChronoUnit.MINUTES)));
    HttpResponse<Buffer> refused = call(HttpMethod.POST, base, key, body);
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(refused.bodyAsJsonObject().getString("message")).contains("inspections:book", "admin", path);

    // Only an admin may, with known scopes, and not on a revoked integration.
    JsonObject all = new JsonObject().put("scopes", new JsonArray().add("inspections:create").add("inspections:read")
        .add("inspections:book"));
    assertThat(ivan.put(path, all).statusCode()).isEqualTo(403);
    assertThat(admin.put(path, new JsonObject().put("scopes", new JsonArray())).statusCode()).isEqualTo(400);
    assertThat(admin.put(path, new JsonObject().put("scopes", new JsonArray().add("inspections:everything")))
        .statusCode()).isEqualTo(400);
    assertThat(admin.put("/api/integrations/" + java.util.UUID.randomUUID() + "/scopes", all).statusCode())
        .isEqualTo(404);

    HttpResponse<Buffer> changed = admin.put(path, all);
    assertThat(changed.statusCode()).as(changed.bodyAsString()).isEqualTo(200);
    assertThat(changed.bodyAsJsonObject().getJsonArray("scopes"))
        .containsExactlyInAnyOrder("inspections:create", "inspections:read", "inspections:book");
    // The same key books from its next request.
    assertThat(call(HttpMethod.POST, base, key, body).statusCode()).isEqualTo(201);
    // The same scopes again change nothing; a narrower set takes effect at once.
    assertThat(admin.put(path, all).statusCode()).isEqualTo(200);
    assertThat(admin.put(path, new JsonObject().put("scopes", new JsonArray().add("inspections:book"))).statusCode())
        .isEqualTo(200);
    assertThat(call(HttpMethod.POST, "/api/integration/inspections", key, server.inspectionBody("IB-6")).statusCode())
        .isEqualTo(403);
    assertThat(call(HttpMethod.GET, base, key, null).statusCode()).isEqualTo(200);

    // Each change is on the integrations chain, by the admin, with the scopes before and after.
    List<JsonObject> changes = admin.get("/api/integrations/trail").bodyAsJsonObject().getJsonArray("events")
        .stream().map(JsonObject.class::cast).filter(e -> "integration.scopes_changed".equals(e.getString("type"))
            && integrationId.equals(e.getJsonObject("payload").getString("integration"))).toList();
    assertThat(changes).hasSize(2).allSatisfy(e -> assertThat(e.getString("actor")).isEqualTo("user:admin"));
    assertThat(changes.get(0).getJsonObject("payload").getJsonArray("from"))
        .containsExactly("inspections:create", "inspections:read");
    assertThat(changes.get(0).getJsonObject("payload").getJsonArray("to"))
        .containsExactly("inspections:book", "inspections:create", "inspections:read");
    assertThat(changes.get(1).getJsonObject("payload").getJsonArray("to")).containsExactly("inspections:book");

    assertThat(admin.post("/api/integrations/" + integrationId + "/revoke").statusCode()).isEqualTo(200);
    HttpResponse<Buffer> revoked = admin.put(path, all);
    assertThat(revoked.statusCode()).isEqualTo(409);
    assertThat(revoked.bodyAsJsonObject().getString("code")).isEqualTo("integration_revoked");
  }

  static JsonObject integration(String name, String... scopes) {
    HttpResponse<Buffer> r = admin.post("/api/integrations", new JsonObject().put("name", name)
        .put("scopes", new JsonArray(List.of((Object[]) scopes))).put("inspector", "ivan"));
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);
    return r.bodyAsJsonObject();
  }

  static String slot(Instant start) {
    HttpResponse<Buffer> r = ivan.post("/api/slots", new JsonObject().put("start", start.toString())
        .put("end", start.plus(Duration.ofMinutes(30)).toString()));
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);
    return r.bodyAsJsonObject().getString("id");
  }

  static String create(String key, String caseNumber) {
    HttpResponse<Buffer> r = call(HttpMethod.POST, "/api/integration/inspections", key,
        server.inspectionBody(caseNumber));
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);
    return r.bodyAsJsonObject().getJsonObject("inspection").getString("id");
  }

  static HttpResponse<Buffer> call(HttpMethod method, String path, String key, JsonObject body) {
    var req = raw.request(method, server.httpPort(), "localhost", path);
    if (key != null) {
      req.putHeader("Authorization", "Bearer " + key);
    }
    return (body == null ? req.send() : req.sendJsonObject(body)).await();
  }

  static List<String> ids(JsonArray slots) {
    return slots.stream().map(s -> ((JsonObject) s).getString("id")).toList();
  }

  static List<JsonObject> trail(String id) {
    return ivan.get("/api/inspections/" + id + "/trail").bodyAsJsonObject().getJsonArray("events").stream()
        .map(JsonObject.class::cast).toList();
  }

  static void sleep() {
    try {
      Thread.sleep(50);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
