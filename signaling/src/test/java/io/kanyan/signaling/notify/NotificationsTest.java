package io.kanyan.signaling.notify;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import io.kanyan.signaling.testing.Http;
import io.kanyan.signaling.testing.Receiver;
import io.kanyan.signaling.testing.Staff;
import io.kanyan.signaling.testing.TestServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import jakarta.mail.internet.MimeMessage;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * Invite notices through a real SMTP listener (GreenMail) and a real HTTP SMS gateway (a Vert.x server that
 * checks the HMAC signature): delivered on creation and on re-issue, retried with backoff, every delivery and
 * failure on the trail, a mail server that is down never holds up creating an inspection, and no full phone
 * number or invite token in any log line.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NotificationsTest {

  static final String SMS_SECRET = "sms-gateway-secret-for-tests";
  static final String PHONE = "13800138000";
  static TestServer server;
  static Vertx receivers;
  static Receiver gateway;
  static GreenMail smtp;
  static ServerSetup smtpSetup;
  static Http inspector;
  static ListAppender<ILoggingEvent> logs;

  @BeforeAll
  static void start() throws Exception {
    logs = new ListAppender<>();
    logs.start();
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(logs);
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    smtpSetup = new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP);
    smtp = new GreenMail(smtpSetup);
    smtp.start();
    receivers = Vertx.vertx();
    gateway = new Receiver(receivers, SMS_SECRET);
    server = TestServer.start(Map.ofEntries(
        Map.entry("KANYAN_NOTIFIERS", "log,sms,email"),
        Map.entry("KANYAN_SMS_WEBHOOK_URL", gateway.url("/sms")),
        Map.entry("KANYAN_SMS_WEBHOOK_SECRET", SMS_SECRET),
        Map.entry("KANYAN_SMTP_HOST", "127.0.0.1"),
        Map.entry("KANYAN_SMTP_PORT", Integer.toString(port)),
        Map.entry("KANYAN_SMTP_STARTTLS", "disabled"),
        Map.entry("KANYAN_MAIL_FROM", "kanyan@bureau.example"),
        Map.entry("KANYAN_NOTIFY_ATTEMPTS", "3"),
        Map.entry("KANYAN_NOTIFY_BACKOFF", "50ms"),
        Map.entry("KANYAN_NOTIFY_TIMEOUT", "3s")));
    inspector = Staff.as(server, "nina", "inspector");
  }

  @AfterAll
  static void stop() {
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
    if (smtp != null) {
      smtp.stop();
    }
    if (server != null) {
      server.close();
    }
    receivers.close().await();
  }

  @Test
  void sendsTheInviteBySmsAndMailOnCreationAndAgainOnReissue() throws Exception {
    JsonObject created = create("N-1", "applicant@example.cn");
    String id = created.getJsonObject("inspection").getString("id");
    String link = created.getJsonObject("invite").getString("url");

    List<JsonObject> sent = waitForTrail(id, events -> count(events, "notification.sent") >= 3);
    assertThat(sent.stream().filter(e -> e.getString("type").equals("notification.sent"))
        .map(e -> e.getJsonObject("payload").getString("channel"))).containsExactlyInAnyOrder("log", "sms", "email");
    assertThat(sent.stream().filter(e -> e.getString("type").equals("notification.sent"))
        .map(e -> e.getJsonObject("payload").getString("to"))).contains("138****8000", "a***@example.cn")
        .noneMatch(to -> to.contains(PHONE) || to.equals("applicant@example.cn"));

    Receiver.Received sms = gateway.accepted().stream().filter(r -> id.equals(r.body().getString("inspectionId")))
        .findFirst().orElseThrow();
    assertThat(sms.signatureValid()).isTrue();
    assertThat(sms.body().getString("to")).isEqualTo(PHONE);
    assertThat(sms.body().getString("text")).contains(link).contains("N-1");
    assertThat(sms.idempotencyKey()).isEqualTo(sms.body().getString("id"));

    MimeMessage mail = mailTo("applicant@example.cn", 1);
    assertThat(GreenMailUtil.getBody(mail)).contains("N-1");
    assertThat(mail.getSubject()).contains("N-1");

    // The contact is sealed in Redis, not stored readable.
    Map<String, String> contact = server.running().storage().redis().call(c -> c.hgetall("kanyan:contact:" + id)).await();
    assertThat(contact).containsKeys("phone", "email");
    assertThat(contact.values()).noneMatch(v -> v.contains(PHONE) || v.contains("applicant@"));

    String newLink = inspector.post("/api/inspections/" + id + "/invite").bodyAsJsonObject()
        .getJsonObject("invite").getString("url");
    waitForTrail(id, events -> count(events, "notification.sent") >= 6);
    assertThat(gateway.accepted().stream().filter(r -> id.equals(r.body().getString("inspectionId")))
        .map(r -> r.body().getString("text"))).anyMatch(t -> t.contains(newLink));
    mailTo("applicant@example.cn", 2);

    // Closing the inspection deletes the contact.
    assertThat(inspector.post("/api/inspections/" + id + "/end", new JsonObject().put("conclusion", "pass"))
        .statusCode()).isEqualTo(200);
    for (int i = 0; i < 100 && server.running().storage().redis().call(c -> c.exists("kanyan:contact:" + id))
        .await() > 0; i++) {
      Thread.sleep(50);
    }
    assertThat(server.running().storage().redis().call(c -> c.exists("kanyan:contact:" + id)).await()).isZero();
    assertNoSecretsLogged();
  }

  @Test
  void aMoveAndACancelByStaffReachTheApplicantsMailInBothLanguages() throws Exception {
    java.time.Instant at = server.clock().instant().plus(java.time.Duration.ofDays(2))
        .truncatedTo(java.time.temporal.ChronoUnit.MINUTES);
    String first = slot(at);
    String second = slot(at.plus(java.time.Duration.ofHours(1)));
    String id = create("N-MOVE", "mover@example.cn").getJsonObject("inspection").getString("id");
    mailTo("mover@example.cn", 1);
    assertThat(inspector.post("/api/inspections/" + id + "/booking", new JsonObject().put("slotId", first))
        .statusCode()).isEqualTo(201);
    mailTo("mover@example.cn", 2);
    assertThat(inspector.put("/api/inspections/" + id + "/booking", new JsonObject().put("slotId", second))
        .statusCode()).isEqualTo(200);
    String moved = String.valueOf(mailTo("mover@example.cn", 3).getContent());
    assertThat(moved).contains("N-MOVE", "改为", "另选时间", "has been moved from", "pick another");
    assertThat(inspector.delete("/api/inspections/" + id + "/booking").statusCode()).isEqualTo(204);
    String cancelled = String.valueOf(mailTo("mover@example.cn", 4).getContent());
    assertThat(cancelled).contains("N-MOVE", "已取消", "另选时间", "has been cancelled", "pick another time");
  }

  private static String slot(java.time.Instant start) {
    var r = inspector.post("/api/slots", new JsonObject().put("start", start.toString())
        .put("end", start.plusSeconds(1800).toString()));
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);
    return r.bodyAsJsonObject().getString("id");
  }

  @Test
  void retriesAFailingGatewayWithBackoffAndPutsEachFailureOnTheTrail() {
    gateway.failNext.set(2);
    JsonObject created = create("N-2", null);
    String id = created.getJsonObject("inspection").getString("id");
    List<JsonObject> events = waitForTrail(id, e -> e.stream().anyMatch(x -> x.getString("type")
        .equals("notification.sent") && "sms".equals(x.getJsonObject("payload").getString("channel"))));
    List<JsonObject> smsFailures = events.stream().filter(e -> e.getString("type").equals("notification.failed")
        && "sms".equals(e.getJsonObject("payload").getString("channel"))).toList();
    assertThat(smsFailures).hasSize(2);
    assertThat(smsFailures).allMatch(e -> !e.getJsonObject("payload").getBoolean("final"))
        .allMatch(e -> e.getJsonObject("payload").getString("error").contains("503"));
    JsonObject delivered = events.stream().filter(e -> e.getString("type").equals("notification.sent")
        && "sms".equals(e.getJsonObject("payload").getString("channel"))).findFirst().orElseThrow();
    assertThat(delivered.getJsonObject("payload").getInteger("attempt")).isEqualTo(3);
    // No e-mail address was given: the mail channel was not tried.
    assertThat(events).noneMatch(e -> "email".equals(e.getJsonObject("payload").getString("channel")));
  }

  @Test
  void aMailServerThatIsDownNeverHoldsUpCreatingAnInspection() {
    smtp.stop();
    try {
      JsonObject created = create("N-3", "down@example.cn");
      String id = created.getJsonObject("inspection").getString("id");
      assertThat(created.getJsonObject("invite").getString("url")).contains("#invite=");
      List<JsonObject> events = waitForTrail(id, e -> e.stream().anyMatch(x -> x.getString("type")
          .equals("notification.failed") && "email".equals(x.getJsonObject("payload").getString("channel"))
          && x.getJsonObject("payload").getBoolean("final")));
      assertThat(events.stream().filter(e -> e.getString("type").equals("notification.failed")
          && "email".equals(e.getJsonObject("payload").getString("channel")))).hasSize(3);
      // The inspection goes on: the SMS went out and the inspector can still end it.
      assertThat(events).anyMatch(e -> e.getString("type").equals("notification.sent")
          && "sms".equals(e.getJsonObject("payload").getString("channel")));
      assertThat(inspector.post("/api/inspections/" + id + "/end", new JsonObject().put("conclusion", "pass"))
          .statusCode()).isEqualTo(200);
    } finally {
      smtp = new GreenMail(smtpSetup);
      smtp.start();
    }
  }

  @Test
  void refusesAnEmailAddressThatIsNot() {
    JsonObject body = server.inspectionBody("N-4").put("applicantEmail", "not an address");
    var r = inspector.post("/api/inspections", body);
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.bodyAsJsonObject().getString("message")).contains("applicantEmail");
  }

  private static JsonObject create(String caseNumber, String email) {
    JsonObject body = server.inspectionBody(caseNumber);
    if (email != null) {
      body.put("applicantEmail", email);
    }
    var r = inspector.post("/api/inspections", body);
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);
    return r.bodyAsJsonObject();
  }

  private static long count(List<JsonObject> events, String type) {
    return events.stream().filter(e -> e.getString("type").equals(type)).count();
  }

  /** Reads the inspection's trail until {@code done} holds (the test's timeout bounds the wait). */
  private static List<JsonObject> waitForTrail(String id, Predicate<List<JsonObject>> done) {
    while (true) {
      JsonArray events = inspector.get("/api/inspections/" + id + "/trail").bodyAsJsonObject().getJsonArray("events");
      List<JsonObject> list = events.stream().map(JsonObject.class::cast).toList();
      if (done.test(list)) {
        return list;
      }
      sleep(50);
    }
  }

  private static MimeMessage mailTo(String address, int count) throws Exception {
    while (true) {
      List<MimeMessage> mine = java.util.Arrays.stream(smtp.getReceivedMessages()).filter(m -> {
        try {
          return m.getAllRecipients()[0].toString().equals(address);
        } catch (Exception e) {
          return false;
        }
      }).toList();
      if (mine.size() >= count) {
        return mine.get(count - 1);
      }
      sleep(50);
    }
  }

  private static void assertNoSecretsLogged() {
    for (ILoggingEvent e : logs.list) {
      if (e.getLoggerName().startsWith("com.icegreen")) {
        continue; // the test's own mail server logs the addresses it creates mailboxes for
      }
      String line = e.getFormattedMessage();
      assertThat(line).as("a log line").doesNotContain(PHONE).doesNotContain("applicant@example.cn")
          .doesNotContain(SMS_SECRET).doesNotMatch("(?s).*invite=[A-Za-z0-9_-]{20,}.*");
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
