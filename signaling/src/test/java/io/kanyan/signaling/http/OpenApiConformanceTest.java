package io.kanyan.signaling.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.ValidationReport;
import io.kanyan.signaling.testing.Http;
import io.kanyan.signaling.testing.RouterRoutes;
import io.kanyan.signaling.testing.Staff;
import io.kanyan.signaling.testing.TestServer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The OpenAPI document the server serves ({@code GET /api/openapi.json}) against the server itself: every route
 * of the router is in it, and real answers of the main routes (successes and errors) match its response schemas,
 * checked by Atlassian's swagger-request-validator.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class OpenApiConformanceTest {

  static TestServer server;
  static JsonObject document;
  static OpenApiInteractionValidator validator;
  static Http admin;
  static Http inspector;
  static Http auditor;

  @BeforeAll
  static void start() {
    server = TestServer.start();
    HttpResponse<Buffer> served = new Http(server.vertx(), server.httpPort()).get("/api/openapi.json");
    assertThat(served.statusCode()).isEqualTo(200);
    document = served.bodyAsJsonObject();
    validator = OpenApiInteractionValidator.createForInlineApiSpecification(served.bodyAsString()).build();
    admin = new Http(server.vertx(), server.httpPort()).login("admin", TestServer.ADMIN_PASSWORD);
    inspector = Staff.as(server, "oona", "inspector");
    auditor = Staff.as(server, "otis", "auditor");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void everyRouteOfTheRouterIsInTheDocument() {
    TreeSet<String> inRouter = new TreeSet<>();
    RouterRoutes.of(server.running().server().router())
        .forEach(route -> inRouter.add(route.replaceAll(":([A-Za-z]+)", "{$1}")));
    TreeSet<String> inDocument = new TreeSet<>();
    document.getJsonObject("paths").forEach(p -> ((JsonObject) p.getValue()).fieldNames()
        .forEach(m -> inDocument.add(m.toUpperCase() + " " + p.getKey())));
    assertThat(inRouter).isNotEmpty();
    assertThat(inDocument).as("operations in openapi.json").containsAll(inRouter);
    assertThat(inRouter).as("documented operations the router has").containsAll(inDocument);
  }

  @Test
  void realAnswersOfTheMainRoutesMatchTheDocument() {
    List<String> problems = new ArrayList<>();
    Http anonymous = new Http(server.vertx(), server.httpPort());
    check(problems, "GET", "/health", anonymous.get("/health"));
    check(problems, "GET", "/health/live", anonymous.get("/health/live"));
    check(problems, "GET", "/health/ready", anonymous.get("/health/ready"));
    check(problems, "POST", "/api/login", anonymous.post("/api/login",
        new JsonObject().put("username", "admin").put("password", TestServer.ADMIN_PASSWORD)));
    check(problems, "POST", "/api/login", anonymous.post("/api/login",
        new JsonObject().put("username", "admin").put("password", "wrong-password")));
    check(problems, "GET", "/api/me", inspector.get("/api/me"));
    check(problems, "GET", "/api/me", anonymous.get("/api/me"));
    check(problems, "GET", "/api/users", admin.get("/api/users"));
    check(problems, "GET", "/api/users", inspector.get("/api/users"));
    check(problems, "GET", "/api/stats", admin.get("/api/stats?group=inspector"));
    check(problems, "GET", "/api/stats", admin.get("/api/stats?by=year"));
    check(problems, "GET", "/api/stats", inspector.get("/api/stats"));
    check(problems, "POST", "/api/users", admin.post("/api/users", new JsonObject().put("username", "paula")
        .put("displayName", "Paula").put("role", "inspector").put("password", "long-enough-password")));

    HttpResponse<Buffer> created = inspector.post("/api/inspections", server.inspectionBody("O-1"));
    check(problems, "POST", "/api/inspections", created);
    check(problems, "POST", "/api/inspections", inspector.post("/api/inspections", new JsonObject()));
    String id = created.bodyAsJsonObject().getJsonObject("inspection").getString("id");
    String token = created.bodyAsJsonObject().getJsonObject("invite").getString("token");
    String base = "/api/inspections/" + id;
    check(problems, "GET", "/api/inspections", inspector.get("/api/inspections"));
    check(problems, "GET", base, inspector.get(base));
    check(problems, "GET", base, inspector.get("/api/inspections/00000000-0000-0000-0000-000000000000"));
    check(problems, "GET", "/api/invite", anonymous.getWithHeader("/api/invite", "X-Invite-Token", token));
    check(problems, "GET", "/api/invite/checklist", anonymous.getWithHeader("/api/invite/checklist",
        "X-Invite-Token", token));
    check(problems, "GET", base + "/checklist", inspector.get(base + "/checklist"));
    check(problems, "POST", base + "/invite", inspector.post(base + "/invite"));
    check(problems, "GET", base + "/trail", inspector.get(base + "/trail"));
    check(problems, "POST", base + "/end", inspector.post(base + "/end", new JsonObject().put("conclusion", "maybe")));
    check(problems, "POST", base + "/end", inspector.post(base + "/end", new JsonObject().put("conclusion", "pass")));
    check(problems, "POST", base + "/end", inspector.post(base + "/end", new JsonObject().put("conclusion", "pass")));

    check(problems, "GET", "/api/desk/day", inspector.get("/api/desk/day"));
    check(problems, "GET", "/api/desk/day", inspector.get("/api/desk/day?date=2026-13-40"));
    check(problems, "GET", "/api/desk/day", auditor.get("/api/desk/day"));
    check(problems, "POST", "/api/desk/next", inspector.post("/api/desk/next"));
    check(problems, "GET", "/api/catalog/matters", inspector.get("/api/catalog/matters"));
    check(problems, "GET", "/api/catalog/matters/food-business", inspector.get("/api/catalog/matters/food-business"));
    check(problems, "GET", "/api/audit/inspections", auditor.get("/api/audit/inspections"));
    check(problems, "GET", "/api/audit/inspections/" + id, auditor.get("/api/audit/inspections/" + id));
    check(problems, "GET", "/api/audit/inspections/" + id + "/verify", auditor.get("/api/audit/inspections/" + id
        + "/verify"));
    check(problems, "GET", "/api/audit/log/keys", anonymous.get("/api/audit/log/keys"));

    HttpResponse<Buffer> integration = admin.post("/api/integrations", new JsonObject().put("name", "审批系统")
        .put("scopes", new JsonArray().add("inspections:create").add("inspections:read")).put("inspector", "oona")
        .put("webhookUrl", "http://127.0.0.1:9/hooks"));
    check(problems, "POST", "/api/integrations", integration);
    check(problems, "POST", "/api/integrations", admin.post("/api/integrations", new JsonObject()));
    check(problems, "GET", "/api/integrations", admin.get("/api/integrations"));
    String key = integration.bodyAsJsonObject().getString("apiKey");
    JsonObject body = server.inspectionBody("O-2");
    HttpResponse<Buffer> byKey = admin.raw().post(server.httpPort(), "localhost", "/api/integration/inspections")
        .putHeader("Authorization", "Bearer " + key).sendJsonObject(body).await();
    check(problems, "POST", "/api/integration/inspections", byKey);
    String byKeyId = byKey.bodyAsJsonObject().getJsonObject("inspection").getString("id");
    check(problems, "GET", "/api/integration/inspections/" + byKeyId, admin.raw().get(server.httpPort(), "localhost",
        "/api/integration/inspections/" + byKeyId).putHeader("Authorization", "Bearer " + key).send().await());
    check(problems, "POST", "/api/integration/inspections", anonymous.post("/api/integration/inspections", body));
    check(problems, "GET", "/api/integrations/trail", admin.get("/api/integrations/trail"));
    check(problems, "GET", "/api/webhooks/dead-letters", admin.get("/api/webhooks/dead-letters"));
    String scopes = "/api/integrations/" + integration.bodyAsJsonObject().getJsonObject("integration").getString("id")
        + "/scopes";
    expect(problems, 200, "PUT", scopes, admin.put(scopes, new JsonObject().put("scopes",
        new JsonArray().add("inspections:create").add("inspections:read").add("inspections:book"))));
    expect(problems, 400, "PUT", scopes, admin.put(scopes, new JsonObject()));
    expect(problems, 404, "PUT", "/api/integrations/00000000-0000-0000-0000-000000000000/scopes", admin.put(
        "/api/integrations/00000000-0000-0000-0000-000000000000/scopes", new JsonObject().put("scopes",
            new JsonArray().add("inspections:read"))));
    check(problems, "POST", "/api/integrations/" + integration.bodyAsJsonObject().getJsonObject("integration")
        .getString("id") + "/revoke", admin.post("/api/integrations/" + integration.bodyAsJsonObject()
        .getJsonObject("integration").getString("id") + "/revoke"));
    expect(problems, 409, "PUT", scopes, admin.put(scopes, new JsonObject().put("scopes",
        new JsonArray().add("inspections:read"))));
    assertThat(problems).isEmpty();
  }

  @Test
  void realAnswersOfTheRecordRoutesMatchTheDocument() throws Exception {
    List<String> problems = new ArrayList<>();
    Http anonymous = new Http(server.vertx(), server.httpPort());
    HttpResponse<Buffer> created = inspector.post("/api/inspections", server.inspectionBody("O-REC-1"));
    String id = created.bodyAsJsonObject().getJsonObject("inspection").getString("id");
    String token = created.bodyAsJsonObject().getJsonObject("invite").getString("token");
    String base = "/api/inspections/" + id;
    expect(problems, 409, "GET", "/api/invite/record", applicantGet(anonymous, "/api/invite/record", token));
    expect(problems, 409, "POST", base + "/record/retry", inspector.post(base + "/record/retry"));
    assertThat(inspector.post(base + "/end", new JsonObject().put("conclusion", "pass")).statusCode()).isEqualTo(200);
    awaitRendered(base);

    expect(problems, 200, "GET", base + "/record", inspector.get(base + "/record"));
    expect(problems, 200, "GET", base + "/record", auditor.get(base + "/record"));
    expect(problems, 401, "GET", base + "/record", anonymous.get(base + "/record"));
    expect(problems, 404, "GET", base + "/record",
        inspector.get("/api/inspections/00000000-0000-0000-0000-000000000000/record"));
    expect(problems, 200, "GET", base + "/record/pdf", inspector.get(base + "/record/pdf"));
    expect(problems, 403, "POST", base + "/record/retry", auditor.post(base + "/record/retry"));
    expect(problems, 200, "GET", "/api/invite/record", applicantGet(anonymous, "/api/invite/record", token));
    expect(problems, 401, "GET", "/api/invite/record", applicantGet(anonymous, "/api/invite/record", "not-a-token"));
    expect(problems, 409, "GET", "/api/invite/record/pdf", applicantGet(anonymous, "/api/invite/record/pdf", token));

    String refusal = "/api/invite/record/refusal";
    expect(problems, 400, "POST", refusal, applicantPost(anonymous, refusal, token, new JsonObject().encode()));
    expect(problems, 400, "POST", refusal, applicantPost(anonymous, refusal, token,
        new JsonObject().put("reason", 7).encode()));
    expect(problems, 415, "POST", refusal, anonymous.raw().post(server.httpPort(), "localhost", refusal)
        .putHeader(InspectionsResource.INVITE_HEADER, token).putHeader("Content-Type", "text/plain")
        .sendBuffer(Buffer.buffer("no reason")).await());
    String signature = "/api/invite/record/signature";
    expect(problems, 400, "POST", signature, applicantPost(anonymous, signature, token,
        new JsonObject().put("strokes", new JsonArray()).encode()));
    expect(problems, 413, "POST", signature, applicantPost(anonymous, signature, token,
        RecordApiTest.hugeBody().toString()));
    expect(problems, 401, "POST", signature, applicantPost(anonymous, signature, "not-a-token",
        RecordApiTest.signature().toString()));
    expect(problems, 201, "POST", signature, applicantPost(anonymous, signature, token,
        RecordApiTest.signature().toString()));
    expect(problems, 409, "POST", signature, applicantPost(anonymous, signature, token,
        RecordApiTest.signature().toString()));
    expect(problems, 409, "POST", refusal, applicantPost(anonymous, refusal, token,
        new JsonObject().put("reason", "签错了").encode()));

    expect(problems, 201, "POST", base + "/record/signature", inspector.raw().post(server.httpPort(), "localhost",
        base + "/record/signature").sendBuffer(RecordApiTest.signature()).await());
    expect(problems, 409, "POST", base + "/record/signature", inspector.raw().post(server.httpPort(), "localhost",
        base + "/record/signature").sendBuffer(RecordApiTest.signature()).await());
    expect(problems, 200, "GET", "/api/invite/record/pdf", applicantGet(anonymous, "/api/invite/record/pdf", token));
    expect(problems, 200, "GET", base + "/record", inspector.get(base + "/record"));
    expect(problems, 409, "POST", base + "/record/retry", inspector.post(base + "/record/retry"));
    assertThat(problems).isEmpty();
  }

  @Test
  void realAnswersOfTheBookingRoutesMatchTheDocument() {
    List<String> problems = new ArrayList<>();
    Http anonymous = new Http(server.vertx(), server.httpPort());
    java.time.Instant start = server.clock().instant().plus(java.time.Duration.ofDays(3))
        .truncatedTo(java.time.temporal.ChronoUnit.MINUTES);
    JsonObject newSlot = new JsonObject().put("start", start.toString()).put("end", start.plusSeconds(1800).toString());
    HttpResponse<Buffer> published = inspector.post("/api/slots", newSlot);
    expect(problems, 201, "POST", "/api/slots", published);
    expect(problems, 409, "POST", "/api/slots", inspector.post("/api/slots", newSlot));
    expect(problems, 400, "POST", "/api/slots", inspector.post("/api/slots", new JsonObject()));
    HttpResponse<Buffer> other = inspector.post("/api/slots", newSlot.copy()
        .put("start", start.plusSeconds(3600).toString()).put("end", start.plusSeconds(5400).toString()));
    expect(problems, 200, "GET", "/api/slots", inspector.get("/api/slots"));
    expect(problems, 400, "GET", "/api/slots", admin.get("/api/slots"));
    String slot = published.bodyAsJsonObject().getString("id");
    String slot2 = other.bodyAsJsonObject().getString("id");

    HttpResponse<Buffer> created = inspector.post("/api/inspections", server.inspectionBody("O-BOOK-1"));
    String base = "/api/inspections/" + created.bodyAsJsonObject().getJsonObject("inspection").getString("id");
    String token = created.bodyAsJsonObject().getJsonObject("invite").getString("token");
    expect(problems, 200, "GET", base + "/booking", inspector.get(base + "/booking"));
    expect(problems, 409, "DELETE", base + "/booking", inspector.delete(base + "/booking"));
    expect(problems, 201, "POST", base + "/booking", inspector.post(base + "/booking",
        new JsonObject().put("slotId", slot)));
    expect(problems, 200, "GET", base + "/booking", inspector.get(base + "/booking"));
    expect(problems, 409, "DELETE", "/api/slots/" + slot, inspector.delete("/api/slots/" + slot));
    expect(problems, 200, "PUT", base + "/booking", inspector.put(base + "/booking",
        new JsonObject().put("slotId", slot2)));
    expect(problems, 204, "DELETE", base + "/booking", inspector.delete(base + "/booking"));

    expect(problems, 200, "GET", "/api/invite/booking", applicantGet(anonymous, "/api/invite/booking", token));
    expect(problems, 201, "POST", "/api/invite/booking", applicantPost(anonymous, "/api/invite/booking", token,
        new JsonObject().put("slotId", slot).encode()));
    expect(problems, 200, "GET", "/api/invite/booking", applicantGet(anonymous, "/api/invite/booking", token));
    expect(problems, 404, "POST", "/api/invite/booking", applicantPost(anonymous, "/api/invite/booking", token,
        new JsonObject().put("slotId", "00000000-0000-4000-8000-000000000000").encode()));
    expect(problems, 200, "PUT", "/api/invite/booking", anonymous.raw().put(server.httpPort(), "localhost",
        "/api/invite/booking").putHeader(InspectionsResource.INVITE_HEADER, token)
        .sendJsonObject(new JsonObject().put("slotId", slot2)).await());
    expect(problems, 204, "DELETE", "/api/invite/booking", anonymous.raw().delete(server.httpPort(), "localhost",
        "/api/invite/booking").putHeader(InspectionsResource.INVITE_HEADER, token).send().await());
    expect(problems, 204, "DELETE", "/api/slots/" + slot, inspector.delete("/api/slots/" + slot));
    assertThat(problems).isEmpty();
  }

  @Test
  void realAnswersOfTheIntegrationBookingRoutesMatchTheDocument() {
    List<String> problems = new ArrayList<>();
    java.time.Instant start = server.clock().instant().plus(java.time.Duration.ofDays(4))
        .truncatedTo(java.time.temporal.ChronoUnit.MINUTES);
    String slot = inspector.post("/api/slots", new JsonObject().put("start", start.toString())
        .put("end", start.plusSeconds(1800).toString())).bodyAsJsonObject().getString("id");
    String slot2 = inspector.post("/api/slots", new JsonObject().put("start", start.plusSeconds(3600).toString())
        .put("end", start.plusSeconds(5400).toString())).bodyAsJsonObject().getString("id");
    String key = admin.post("/api/integrations", new JsonObject().put("name", "预约系统")
        .put("scopes", new JsonArray().add("inspections:create").add("inspections:book")).put("inspector", "oona"))
        .bodyAsJsonObject().getString("apiKey");
    java.util.function.BiFunction<HttpMethod, String, io.vertx.ext.web.client.HttpRequest<Buffer>> byKey =
        (method, path) -> admin.raw().request(method, server.httpPort(), "localhost", path)
            .putHeader("Authorization", "Bearer " + key);
    String id = byKey.apply(HttpMethod.POST, "/api/integration/inspections")
        .sendJsonObject(server.inspectionBody("O-IB-1")).await().bodyAsJsonObject().getJsonObject("inspection")
        .getString("id");
    String base = "/api/integration/inspections/" + id + "/booking";
    expect(problems, 200, "GET", "/api/integration/slots", byKey.apply(HttpMethod.GET, "/api/integration/slots")
        .send().await());
    expect(problems, 400, "GET", "/api/integration/slots", byKey.apply(HttpMethod.GET,
        "/api/integration/slots?from=yesterday").send().await());
    expect(problems, 401, "GET", "/api/integration/slots", admin.raw().get(server.httpPort(), "localhost",
        "/api/integration/slots").send().await());
    expect(problems, 200, "GET", base, byKey.apply(HttpMethod.GET, base).send().await());
    expect(problems, 201, "POST", base, byKey.apply(HttpMethod.POST, base)
        .sendJsonObject(new JsonObject().put("slotId", slot)).await());
    expect(problems, 200, "GET", base, byKey.apply(HttpMethod.GET, base).send().await());
    expect(problems, 400, "PUT", base, byKey.apply(HttpMethod.PUT, base).sendJsonObject(new JsonObject()).await());
    expect(problems, 200, "PUT", base, byKey.apply(HttpMethod.PUT, base)
        .sendJsonObject(new JsonObject().put("slotId", slot2)).await());
    expect(problems, 204, "DELETE", base, byKey.apply(HttpMethod.DELETE, base).send().await());
    expect(problems, 409, "DELETE", base, byKey.apply(HttpMethod.DELETE, base).send().await());
    expect(problems, 404, "GET", "/api/integration/inspections/00000000-0000-0000-0000-000000000000/booking",
        byKey.apply(HttpMethod.GET, "/api/integration/inspections/00000000-0000-0000-0000-000000000000/booking")
            .send().await());
    assertThat(problems).isEmpty();
  }

  /** Rendering is asynchronous: waits for {@code record.rendered} on the inspection's trail. */
  private static void awaitRendered(String base) throws InterruptedException {
    for (int i = 0; i < 300; i++) {
      JsonArray events = inspector.get(base + "/trail").bodyAsJsonObject().getJsonArray("events");
      if (events.stream().map(JsonObject.class::cast).anyMatch(e -> "record.rendered".equals(e.getString("type")))) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("record.rendered never reached the trail of " + base);
  }

  private static HttpResponse<Buffer> applicantGet(Http anonymous, String path, String token) {
    return anonymous.getWithHeader(path, InspectionsResource.INVITE_HEADER, token);
  }

  private static HttpResponse<Buffer> applicantPost(Http anonymous, String path, String token, String body) {
    return anonymous.raw().post(server.httpPort(), "localhost", path)
        .putHeader(InspectionsResource.INVITE_HEADER, token).putHeader("Content-Type", "application/json")
        .sendBuffer(Buffer.buffer(body)).await();
  }

  /** {@link #check} of an answer whose status is known: another status is a problem too. */
  private static void expect(List<String> problems, int status, String method, String path, HttpResponse<Buffer> r) {
    if (r.statusCode() != status) {
      problems.add(method + " " + path + ": expected " + status + ", got " + r.statusCode() + " " + r.bodyAsString());
    }
    check(problems, method, path, r);
  }

  private static void check(List<String> problems, String method, String path, HttpResponse<Buffer> r) {
    SimpleResponse.Builder response = SimpleResponse.Builder.status(r.statusCode());
    if (r.getHeader("Content-Type") != null) {
      response.withContentType(r.getHeader("Content-Type"));
    }
    if (r.body() != null && r.body().length() > 0) {
      response.withBody(r.bodyAsString());
    }
    ValidationReport report = validator.validateResponse(path, Request.Method.valueOf(method), response.build());
    if (report.hasErrors()) {
      problems.add(method + " " + path + " " + r.statusCode() + ": " + report.getMessages() + " body: "
          + r.bodyAsString());
    }
  }
}
