package io.kanyan.signaling.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.recording.Sha256;
import io.kanyan.signaling.testing.EventStream;
import io.kanyan.signaling.testing.Http;
import io.kanyan.signaling.testing.RawHttp;
import io.kanyan.signaling.testing.RouterRoutes;
import io.kanyan.signaling.testing.Staff;
import io.kanyan.signaling.testing.TestServer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every route of the server against every kind of caller, from one table: anonymous, applicant (an invite to
 * the inspection, no session), the owning inspector, another inspector, an auditor, an admin, and a user
 * whose session predates being disabled. A route that the router has and the table lacks fails the test, so
 * a new route cannot be added without deciding who may use it.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class AuthorizationMatrixTest {

  /** The callers, in the order of each row's expected statuses. */
  enum Who { ANONYMOUS, APPLICANT, OWNER, OTHER_INSPECTOR, AUDITOR, ADMIN, DISABLED }

  /** What a row's path parameters point at. */
  enum Target {
    /** the shared, ended inspection with a finalised recording and a snapshot */
    DONE,
    /** a new open inspection per cell (for requests that change it) */
    FRESH,
    /** a new open inspection per cell, with recording segment 1 started */
    RECORDING
  }

  /** A route, the request body to send, and the status each caller must get. */
  record Row(HttpMethod method, String path, Target target, Body body, int... expected) {
  }

  enum Body { NONE, JSON, SLICE, JPEG, LOGIN, NEW_USER }

  static final int WS_OK = 101;

  //                                                                          anon app  own  oth  aud  adm  dis
  static final List<Row> TABLE = List.of(
      row(HttpMethod.GET, "/health", Target.DONE, Body.NONE,                   200, 200, 200, 200, 200, 200, 200),
      row(HttpMethod.GET, "/health/live", Target.DONE, Body.NONE,              200, 200, 200, 200, 200, 200, 200),
      row(HttpMethod.GET, "/health/ready", Target.DONE, Body.NONE,             200, 200, 200, 200, 200, 200, 200),
      row(HttpMethod.GET, "/", Target.DONE, Body.NONE,                         302, 302, 302, 302, 302, 302, 302),
      row(HttpMethod.GET, "/ws", Target.FRESH, Body.NONE,                      401, WS_OK, WS_OK, WS_OK, WS_OK, WS_OK, 401),
      row(HttpMethod.POST, "/api/login", Target.DONE, Body.LOGIN,              401, 401, 401, 401, 401, 401, 401),
      row(HttpMethod.POST, "/api/logout", Target.DONE, Body.NONE,              204, 204, 204, 204, 204, 204, 204),
      row(HttpMethod.GET, "/api/me", Target.DONE, Body.NONE,                   401, 401, 200, 200, 200, 200, 401),
      row(HttpMethod.GET, "/api/users", Target.DONE, Body.NONE,                401, 401, 403, 403, 403, 200, 401),
      row(HttpMethod.POST, "/api/users", Target.DONE, Body.NEW_USER,           401, 401, 403, 403, 403, 201, 401),
      row(HttpMethod.POST, "/api/users/:username/disable", Target.DONE, Body.NONE, 401, 401, 403, 403, 403, 200, 401),
      row(HttpMethod.POST, "/api/users/:username/enable", Target.DONE, Body.NONE, 401, 401, 403, 403, 403, 200, 401),
      row(HttpMethod.POST, "/api/users/:username/unlock", Target.DONE, Body.NONE, 401, 401, 403, 403, 403, 200, 401),
      row(HttpMethod.POST, "/api/inspections", Target.DONE, Body.JSON,         401, 401, 201, 201, 403, 403, 401),
      row(HttpMethod.GET, "/api/inspections", Target.DONE, Body.NONE,          401, 401, 200, 200, 200, 200, 401),
      row(HttpMethod.GET, "/api/inspections/:id", Target.DONE, Body.NONE,      401, 401, 200, 404, 200, 200, 401),
      row(HttpMethod.POST, "/api/inspections/:id/invite", Target.FRESH, Body.NONE, 401, 401, 200, 404, 404, 404, 401),
      row(HttpMethod.DELETE, "/api/inspections/:id/invite", Target.FRESH, Body.NONE, 401, 401, 204, 404, 404, 404, 401),
      row(HttpMethod.POST, "/api/inspections/:id/end", Target.FRESH, Body.JSON, 401, 401, 200, 404, 404, 404, 401),
      row(HttpMethod.POST, "/api/inspections/:id/cancel", Target.FRESH, Body.JSON, 401, 401, 200, 404, 404, 404, 401),
      // An empty body gets past the role and ownership checks only to be refused as incomplete (400).
      row(HttpMethod.POST, "/api/inspections/:id/reinspect", Target.DONE, Body.JSON, 401, 401, 400, 404, 403, 403, 401),
      row(HttpMethod.GET, "/api/inspections/:id/checklist", Target.DONE, Body.NONE, 401, 401, 200, 404, 200, 200, 401),
      row(HttpMethod.POST, "/api/inspections/:id/checklist/answers", Target.FRESH, Body.JSON,
                                                                               401, 401, 400, 404, 403, 403, 401),
      row(HttpMethod.POST, "/api/inspections/:id/checklist/current", Target.FRESH, Body.JSON,
                                                                               401, 401, 400, 404, 403, 403, 401),
      row(HttpMethod.GET, "/api/invite/checklist", Target.FRESH, Body.NONE,    401, 200, 401, 401, 401, 401, 401),
      row(HttpMethod.GET, "/api/invite/ice", Target.FRESH, Body.NONE,          401, 200, 401, 401, 401, 401, 401),
      row(HttpMethod.POST, "/api/invite/precheck", Target.FRESH, Body.JSON,    401, 400, 401, 401, 401, 401, 401),
      // Appointments: an empty body gets past the role and ownership checks only to be refused as incomplete (400).
      row(HttpMethod.GET, "/api/slots", Target.DONE, Body.NONE,                401, 401, 200, 200, 403, 400, 401),
      row(HttpMethod.POST, "/api/slots", Target.DONE, Body.JSON,               401, 401, 400, 400, 403, 400, 401),
      row(HttpMethod.DELETE, "/api/slots/:slot", Target.DONE, Body.NONE,       401, 401, 404, 404, 403, 404, 401),
      row(HttpMethod.GET, "/api/inspections/:id/booking", Target.DONE, Body.NONE, 401, 401, 200, 404, 200, 200, 401),
      row(HttpMethod.POST, "/api/inspections/:id/booking", Target.FRESH, Body.JSON, 401, 401, 400, 404, 403, 400, 401),
      row(HttpMethod.PUT, "/api/inspections/:id/booking", Target.FRESH, Body.JSON, 401, 401, 400, 404, 403, 400, 401),
      // Nothing is booked: 409 not_booked for those who may cancel.
      row(HttpMethod.DELETE, "/api/inspections/:id/booking", Target.FRESH, Body.NONE, 401, 401, 409, 404, 403, 409, 401),
      row(HttpMethod.GET, "/api/invite/booking", Target.FRESH, Body.NONE,      401, 200, 401, 401, 401, 401, 401),
      row(HttpMethod.POST, "/api/invite/booking", Target.FRESH, Body.JSON,     401, 400, 401, 401, 401, 401, 401),
      row(HttpMethod.PUT, "/api/invite/booking", Target.FRESH, Body.JSON,      401, 400, 401, 401, 401, 401, 401),
      row(HttpMethod.DELETE, "/api/invite/booking", Target.FRESH, Body.NONE,   401, 409, 401, 401, 401, 401, 401),
      row(HttpMethod.GET, "/api/inspections/:id/record", Target.DONE, Body.NONE, 401, 401, 200, 404, 200, 200, 401),
      row(HttpMethod.GET, "/api/inspections/:id/record/pdf", Target.DONE, Body.NONE, 401, 401, 200, 404, 200, 200, 401),
      row(HttpMethod.POST, "/api/inspections/:id/record/retry", Target.DONE, Body.JSON, 401, 401, 409, 404, 403, 403, 401),
      row(HttpMethod.POST, "/api/inspections/:id/record/signature", Target.DONE, Body.JSON,
                                                                               401, 401, 400, 404, 403, 403, 401),
      row(HttpMethod.GET, "/api/invite/record", Target.DONE, Body.NONE,        401, 200, 401, 401, 401, 401, 401),
      row(HttpMethod.POST, "/api/invite/record/signature", Target.DONE, Body.JSON, 401, 400, 401, 401, 401, 401, 401),
      row(HttpMethod.POST, "/api/invite/record/refusal", Target.DONE, Body.JSON, 401, 400, 401, 401, 401, 401, 401),
      row(HttpMethod.GET, "/api/invite/record/pdf", Target.DONE, Body.NONE,    401, 409, 401, 401, 401, 401, 401),
      row(HttpMethod.GET, "/api/catalog/matters", Target.DONE, Body.NONE,      401, 401, 200, 200, 200, 200, 401),
      row(HttpMethod.GET, "/api/catalog/matters/:code", Target.DONE, Body.NONE, 401, 401, 200, 200, 200, 200, 401),
      row(HttpMethod.PUT, "/api/catalog/matters/:code", Target.DONE, Body.JSON, 401, 401, 403, 403, 403, 400, 401),
      row(HttpMethod.GET, "/api/catalog/export", Target.DONE, Body.NONE,        401, 401, 403, 403, 403, 200, 401),
      row(HttpMethod.POST, "/api/catalog/import", Target.DONE, Body.JSON,      401, 401, 403, 403, 403, 400, 401),
      row(HttpMethod.GET, "/api/inspections/:id/trail", Target.DONE, Body.NONE, 401, 401, 200, 404, 200, 200, 401),
      row(HttpMethod.GET, "/api/invite", Target.FRESH, Body.NONE,              401, 200, 401, 401, 401, 401, 401),
      row(HttpMethod.POST, "/api/inspections/:id/recordings", Target.FRESH, Body.JSON, 401, 401, 201, 404, 403, 403, 401),
      row(HttpMethod.PUT, "/api/inspections/:id/recordings/:segment/slices/:seq", Target.RECORDING, Body.SLICE,
                                                                               401, 401, 200, 404, 403, 403, 401),
      row(HttpMethod.GET, "/api/inspections/:id/recordings/:segment", Target.DONE, Body.NONE,
                                                                               401, 401, 200, 404, 200, 200, 401),
      row(HttpMethod.HEAD, "/api/inspections/:id/recordings/:segment", Target.DONE, Body.NONE,
                                                                               401, 401, 200, 404, 200, 200, 401),
      row(HttpMethod.POST, "/api/inspections/:id/snapshots", Target.FRESH, Body.JPEG, 401, 401, 201, 404, 403, 403, 401),
      row(HttpMethod.GET, "/api/inspections/:id/snapshots/:snapshot", Target.DONE, Body.NONE,
                                                                               401, 401, 200, 404, 200, 200, 401),
      // Only the phone's invite gets past authentication; with no photo request named it is refused as incomplete.
      row(HttpMethod.PUT, "/api/inspections/:id/photos/:photo", Target.FRESH, Body.JPEG,
                                                                               401, 400, 401, 401, 401, 401, 401),
      row(HttpMethod.GET, "/api/audit/public-key", Target.DONE, Body.NONE,     200, 200, 200, 200, 200, 200, 200),
      row(HttpMethod.GET, "/api/audit/inspections", Target.DONE, Body.NONE,    401, 401, 403, 403, 200, 200, 401),
      row(HttpMethod.GET, "/api/audit/inspections/:id", Target.DONE, Body.NONE, 401, 401, 403, 403, 200, 200, 401),
      row(HttpMethod.GET, "/api/audit/inspections/:id/verify", Target.DONE, Body.NONE, 401, 401, 403, 403, 200, 200, 401),
      row(HttpMethod.GET, "/api/audit/inspections/:id/export", Target.DONE, Body.NONE, 401, 401, 403, 403, 200, 200, 401),
      row(HttpMethod.GET, "/api/audit/log/consistency", Target.DONE, Body.NONE, 401, 401, 403, 403, 200, 200, 401),
      row(HttpMethod.GET, "/api/stats", Target.DONE, Body.NONE,                401, 401, 403, 403, 200, 200, 401),
      row(HttpMethod.GET, "/api/stats/export.csv", Target.DONE, Body.NONE,     401, 401, 403, 403, 200, 200, 401),
      row(HttpMethod.GET, "/api/audit/log/attestations", Target.DONE, Body.NONE, 401, 401, 403, 403, 200, 200, 401),
      row(HttpMethod.GET, "/api/audit/log/keys", Target.DONE, Body.NONE,       200, 200, 200, 200, 200, 200, 200),
      row(HttpMethod.GET, "/api/desk/day", Target.DONE, Body.NONE,             401, 401, 200, 200, 403, 403, 401),
      // An event stream: the status is read as it begins (EventStream), the stream then closed.
      row(HttpMethod.GET, "/api/desk/events", Target.DONE, Body.NONE,          401, 401, 200, 200, 403, 403, 401),
      // Nobody waits for the owner or the other inspector: 409 nobody_waiting, past the role checks.
      row(HttpMethod.POST, "/api/desk/next", Target.DONE, Body.NONE,           401, 401, 409, 409, 403, 403, 401),
      row(HttpMethod.GET, "/api/openapi.json", Target.DONE, Body.NONE,         200, 200, 200, 200, 200, 200, 200),
      row(HttpMethod.GET, "/api/integrations", Target.DONE, Body.NONE,         401, 401, 403, 403, 403, 200, 401),
      // An empty body gets past the role check only to be refused as incomplete (400).
      row(HttpMethod.POST, "/api/integrations", Target.DONE, Body.JSON,        401, 401, 403, 403, 403, 400, 401),
      // :id is an inspection id here, which names no integration (404 for the admin).
      row(HttpMethod.POST, "/api/integrations/:id/revoke", Target.DONE, Body.NONE, 401, 401, 403, 403, 403, 404, 401),
      // An empty body gets past the role check only to be refused as incomplete (400: no scopes).
      row(HttpMethod.PUT, "/api/integrations/:id/scopes", Target.DONE, Body.JSON, 401, 401, 403, 403, 403, 400, 401),
      row(HttpMethod.GET, "/api/integrations/trail", Target.DONE, Body.NONE,   401, 401, 403, 403, 403, 200, 401),
      row(HttpMethod.GET, "/api/webhooks/dead-letters", Target.DONE, Body.NONE, 401, 401, 403, 403, 403, 200, 401),
      row(HttpMethod.POST, "/api/webhooks/dead-letters/:delivery/replay", Target.DONE, Body.NONE,
                                                                               401, 401, 403, 403, 403, 404, 401),
      // Integration routes take only an API key (ApprovalSystemTest covers keys, scopes and revocation).
      row(HttpMethod.POST, "/api/integration/inspections", Target.DONE, Body.JSON, 401, 401, 401, 401, 401, 401, 401),
      row(HttpMethod.GET, "/api/integration/inspections/:id", Target.DONE, Body.NONE, 401, 401, 401, 401, 401, 401, 401),
      // Appointments by the approval system: an API key only (IntegrationBookingTest covers scopes and ownership).
      row(HttpMethod.GET, "/api/integration/slots", Target.DONE, Body.NONE,   401, 401, 401, 401, 401, 401, 401),
      row(HttpMethod.GET, "/api/integration/inspections/:id/booking", Target.FRESH, Body.NONE,
                                                                               401, 401, 401, 401, 401, 401, 401),
      row(HttpMethod.POST, "/api/integration/inspections/:id/booking", Target.FRESH, Body.JSON,
                                                                               401, 401, 401, 401, 401, 401, 401),
      row(HttpMethod.PUT, "/api/integration/inspections/:id/booking", Target.FRESH, Body.JSON,
                                                                               401, 401, 401, 401, 401, 401, 401),
      row(HttpMethod.DELETE, "/api/integration/inspections/:id/booking", Target.FRESH, Body.NONE,
                                                                               401, 401, 401, 401, 401, 401, 401));

  static Row row(HttpMethod method, String path, Target target, Body body, int... expected) {
    if (expected.length != Who.values().length) {
      throw new IllegalArgumentException(path + ": one status per caller");
    }
    return new Row(method, path, target, body, expected);
  }

  static TestServer server;
  static Http admin;
  static Http owner;
  static Http other;
  static Http auditor;
  static String disabledSession;
  static String doneId;
  static String doneInvite;
  static String snapshotId;
  static byte[] jpeg;
  static byte[] slice;
  static final AtomicInteger counter = new AtomicInteger();

  @BeforeAll
  static void start() throws Exception {
    // Seven kinds of caller, all from this one address, with a fresh client per anonymous call: more connections
    // than the per-address cap lets one address hold (that cap has its own test, SlowConnectionsTest).
    server = TestServer.start(Map.of("KANYAN_MAX_CONNECTIONS_PER_ADDRESS", "0"));
    admin = new Http(server.vertx(), server.httpPort()).login("admin", TestServer.ADMIN_PASSWORD);
    owner = Staff.as(server, "olive", "inspector");
    other = Staff.as(server, "otto", "inspector");
    auditor = Staff.as(server, "aude", "auditor");
    disabledSession = Staff.as(server, "dora", "inspector").sessionCookie();
    assertThat(admin.post("/api/users/dora/disable").statusCode()).isEqualTo(200);
    Staff.as(server, "victor", "inspector");
    jpeg = UploadLimitsTest.jpeg(160, 120);
    Path clip = Files.createTempFile("kanyan-matrix", ".webm");
    Process ffmpeg = new ProcessBuilder("ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
        "testsrc=size=64x48:rate=5", "-t", "1", "-c:v", "libvpx", clip.toString()).inheritIO().start();
    assertThat(ffmpeg.waitFor()).isZero();
    slice = Files.readAllBytes(clip);
    Files.delete(clip);

    JsonObject created = create();
    doneId = created.getJsonObject("inspection").getString("id");
    doneInvite = created.getJsonObject("invite").getString("token");
    owner.post(base(doneId) + "/recordings", new JsonObject());
    assertThat(upload(owner.raw().put(server.httpPort(), "localhost", base(doneId) + "/recordings/1/slices/1"),
        slice, "video/webm").statusCode()).isEqualTo(200);
    HttpResponse<Buffer> snap = upload(owner.raw().post(server.httpPort(), "localhost", base(doneId) + "/snapshots"),
        jpeg, "image/jpeg");
    snapshotId = snap.bodyAsJsonObject().getString("id");
    owner.post(base(doneId) + "/end", new JsonObject().put("conclusion", "pass"));
    for (int i = 0; i < 100 && owner.get(base(doneId) + "/recordings/1").statusCode() != 200; i++) {
      Thread.sleep(100);
    }
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void everyRouteOfTheRouterHasARow() {
    TreeSet<String> inRouter = RouterRoutes.of(server.running().server().router());
    TreeSet<String> inTable = new TreeSet<>();
    TABLE.forEach(r -> inTable.add(r.method() + " " + r.path()));
    assertThat(inTable).as("routes in the table").containsAll(inRouter);
    assertThat(inRouter).as("table rows that are routes").containsAll(inTable);
  }

  @Test
  void everyCallerGetsExactlyWhatTheTableSays() {
    List<String> wrong = new ArrayList<>();
    StringBuilder matrix = new StringBuilder();
    for (Row row : TABLE) {
      int[] got = new int[Who.values().length];
      for (Who who : Who.values()) {
        got[who.ordinal()] = call(row, who);
      }
      matrix.append(String.format("%-7s %-58s %s%n", row.method(), row.path(), Arrays.toString(got)));
      if (!Arrays.equals(got, row.expected())) {
        wrong.add(row.method() + " " + row.path() + ": expected " + Arrays.toString(row.expected()) + ", got "
            + Arrays.toString(got));
      }
    }
    System.out.println("authorization matrix (" + TABLE.size() + " routes x " + Who.values().length + " callers, "
        + Arrays.toString(Who.values()) + "):\n" + matrix);
    assertThat(wrong).isEmpty();
  }

  private static int call(Row row, Who who) {
    String id = doneId;
    String invite = doneInvite;
    if (row.target() != Target.DONE) {
      JsonObject created = create();
      id = created.getJsonObject("inspection").getString("id");
      invite = created.getJsonObject("invite").getString("token");
      if (row.target() == Target.RECORDING) {
        owner.post(base(id) + "/recordings", new JsonObject());
      }
    }
    String path = row.path().replace(":id", id).replace(":segment", "1").replace(":seq", "1")
        .replace(":snapshot", snapshotId)
        .replace(":photo", "0b6f3c52-9a43-4c4e-8f55-1e0a5c2d7e10").replace(":username", "victor")
        .replace(":code", "food-business").replace(":slot", "5d0c2a7e-1b3f-4c6d-9e8a-7f6b5c4d3e2a");
    if (row.path().equals("/ws")) {
      return handshake(who, invite);
    }
    if (row.path().equals("/api/desk/events")) {
      try (EventStream stream = EventStream.open(server.vertx(), server.httpPort(), path, cookie(who))) {
        return stream.status();
      }
    }
    Http client = client(who, row);
    HttpRequest<Buffer> request = client.raw().request(row.method(), server.httpPort(), "localhost", path)
        .followRedirects(false);
    if (who == Who.APPLICANT) {
      request.putHeader(InspectionsResource.INVITE_HEADER, invite);
    }
    if (who == Who.DISABLED) {
      request.putHeader("Cookie", Api.SESSION_COOKIE + "=" + disabledSession);
    }
    HttpResponse<Buffer> r = switch (row.body()) {
      case NONE -> request.send().await();
      case JSON -> request.sendJsonObject(row.path().endsWith("/end") ? new JsonObject().put("conclusion", "pass")
          : row.path().endsWith("/api/inspections") ? server.inspectionBody("M-" + counter.incrementAndGet())
          : new JsonObject()).await();
      case LOGIN -> request.sendJsonObject(new JsonObject().put("username", "nobody-" + who.name().toLowerCase())
          .put("password", "not-the-password")).await();
      case NEW_USER -> request.sendJsonObject(new JsonObject().put("username", "new" + counter.incrementAndGet())
          .put("displayName", "New").put("role", "inspector").put("password", "long-enough-password")).await();
      case SLICE -> upload(request, slice, "video/webm");
      case JPEG -> upload(request, jpeg, "image/jpeg");
    };
    return r.statusCode();
  }

  /** The caller's client; logging out ends a session, so that row logs in afresh. */
  private static Http client(Who who, Row row) {
    boolean fresh = row.path().equals("/api/logout");
    return switch (who) {
      case ANONYMOUS, APPLICANT, DISABLED -> new Http(server.vertx(), server.httpPort());
      case OWNER -> fresh ? new Http(server.vertx(), server.httpPort()).login("olive", Staff.PASSWORD) : owner;
      case OTHER_INSPECTOR -> fresh ? new Http(server.vertx(), server.httpPort()).login("otto", Staff.PASSWORD) : other;
      case AUDITOR -> fresh ? new Http(server.vertx(), server.httpPort()).login("aude", Staff.PASSWORD) : auditor;
      case ADMIN -> fresh ? new Http(server.vertx(), server.httpPort()).login("admin", TestServer.ADMIN_PASSWORD)
          : admin;
    };
  }

  private static String cookie(Who who) {
    return switch (who) {
      case OWNER -> owner.sessionCookie();
      case OTHER_INSPECTOR -> other.sessionCookie();
      case AUDITOR -> auditor.sessionCookie();
      case ADMIN -> admin.sessionCookie();
      case DISABLED -> disabledSession;
      default -> null;
    };
  }

  private static int handshake(Who who, String invite) {
    String cookie = cookie(who);
    try (RawHttp raw = new RawHttp(server.httpPort())) {
      raw.send("GET /ws" + (who == Who.APPLICANT ? "?invite=" + invite : "") + " HTTP/1.1\r\nHost: localhost:"
          + server.httpPort() + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
          + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: " + server.origin() + "\r\n"
          + (cookie == null ? "" : "Cookie: " + Api.SESSION_COOKIE + "=" + cookie + "\r\n") + "\r\n");
      return raw.read().status();
    }
  }

  private static HttpResponse<Buffer> upload(HttpRequest<Buffer> request, byte[] body, String type) {
    return request.putHeader("Content-Type", type).putHeader("X-Content-SHA256", Sha256.of(body))
        .sendBuffer(Buffer.buffer(body)).await();
  }

  private static JsonObject create() {
    return owner.post("/api/inspections", server.inspectionBody("M-" + counter.incrementAndGet())).bodyAsJsonObject();
  }

  private static String base(String id) {
    return "/api/inspections/" + id;
  }
}
