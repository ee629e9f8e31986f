package io.kanyan.signaling.booking;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.kanyan.signaling.testing.Http;
import io.kanyan.signaling.testing.Receiver;
import io.kanyan.signaling.testing.Staff;
import io.kanyan.signaling.testing.TestServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import jakarta.mail.internet.MimeMessage;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What the applicant receives about an appointment by mail, through a real SMTP listener (GreenMail), and by SMS,
 * through a real HTTP receiver standing in for the bureau's gateway: the cancellation of an inspection whose
 * appointment was still ahead (told before the contact is deleted; nothing new without one), and a reminder mail
 * sent again after its sender died, which carries the same Message-ID so a mail client can drop the copy.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AppointmentNoticesByMailTest {

  static final String SECRET = "appointment-mail-sms-secret";
  static final ZoneId ZONE = ZoneId.of("Asia/Shanghai");
  static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm");
  static Vertx receivers;
  static Receiver gateway;
  static GreenMail smtp;
  static TestServer server;
  static Http inspector;

  @BeforeAll
  static void start() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    smtp = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
    smtp.start();
    receivers = Vertx.vertx();
    gateway = new Receiver(receivers, SECRET);
    server = TestServer.start(Map.ofEntries(
        Map.entry("KANYAN_NOTIFIERS", "sms,email"),
        Map.entry("KANYAN_SMS_WEBHOOK_URL", gateway.url("/sms")),
        Map.entry("KANYAN_SMS_WEBHOOK_SECRET", SECRET),
        Map.entry("KANYAN_SMTP_HOST", "127.0.0.1"),
        Map.entry("KANYAN_SMTP_PORT", Integer.toString(port)),
        Map.entry("KANYAN_SMTP_STARTTLS", "disabled"),
        Map.entry("KANYAN_MAIL_FROM", "勘验 <kanyan@bureau.example>"),
        Map.entry("KANYAN_TIME_ZONE", ZONE.getId()),
        Map.entry("KANYAN_REMINDER_BEFORE", "1h"),
        Map.entry("KANYAN_REMINDER_POLL", "100ms"),
        Map.entry("KANYAN_SESSION_IDLE", "7d")));
    inspector = Staff.as(server, "cora", "inspector");
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
    if (gateway != null) {
      gateway.close();
    }
    if (smtp != null) {
      smtp.stop();
    }
    receivers.close().await();
  }

  @Test
  void theApplicantOfAnInspectionCancelledBeforeItsAppointmentIsToldByMailAndSms() throws Exception {
    Instant at = server.clock().instant().plus(Duration.ofDays(1)).truncatedTo(ChronoUnit.MINUTES);
    String slot = AppointmentNoticesTest.slot(inspector, at);
    JsonObject created = create("C-1", "cancelled@example.cn");
    String id = created.getJsonObject("inspection").getString("id");
    String link = created.getJsonObject("invite").getString("url");
    mailsTo("cancelled@example.cn", 1);
    assertThat(inspector.post("/api/inspections/" + id + "/booking", new JsonObject().put("slotId", slot))
        .statusCode()).isEqualTo(201);
    mailsTo("cancelled@example.cn", 2);

    assertThat(inspector.post("/api/inspections/" + id + "/cancel", new JsonObject().put("reason", "申请已撤回"))
        .statusCode()).isEqualTo(200);

    // By SMS and by mail, in both languages: the time is off and the link need not be opened.
    String sms = sms(id, "inspection_cancelled");
    assertThat(sms).contains("C-1", WHEN.format(at.atZone(ZONE)), "已撤销").doesNotContain("申请已撤回");
    MimeMessage mail = mailsTo("cancelled@example.cn", 3).get(2);
    assertThat(String.valueOf(mail.getContent())).contains("C-1", WHEN.format(at.atZone(ZONE)), "已撤销",
        "has been called off", "need not open").doesNotContain(link);
    // On the trail as every notice, after the system's booking.cancelled; the contact is gone, the slot free.
    List<JsonObject> sent = BookingTest.awaitNotices(inspector, id, "inspection_cancelled", 2);
    assertThat(sent).extracting(e -> e.getJsonObject("payload").getString("channel"))
        .containsExactlyInAnyOrder("sms", "email");
    assertThat(BookingTest.events(inspector, id, "booking.cancelled")).singleElement()
        .satisfies(e -> assertThat(e.getJsonObject("payload").getString("by")).isEqualTo("system"));
    assertThat(server.running().storage().redis().call(c -> c.exists("kanyan:contact:" + id)).await()).isZero();
    String next = create("C-2", null).getJsonObject("inspection").getString("id");
    assertThat(inspector.post("/api/inspections/" + next + "/booking", new JsonObject().put("slotId", slot))
        .statusCode()).isEqualTo(201);
  }

  @Test
  void anInspectionCancelledWithNoAppointmentAheadOrConcludedBeforeItSendsNothingNew() throws Exception {
    Instant at = server.clock().instant().plus(Duration.ofDays(2)).truncatedTo(ChronoUnit.MINUTES);
    String unbooked = create("C-3", "unbooked@example.cn").getJsonObject("inspection").getString("id");
    mailsTo("unbooked@example.cn", 1);
    assertThat(inspector.post("/api/inspections/" + unbooked + "/cancel", new JsonObject()).statusCode())
        .isEqualTo(200);
    String concluded = create("C-4", "concluded@example.cn").getJsonObject("inspection").getString("id");
    assertThat(inspector.post("/api/inspections/" + concluded + "/booking", new JsonObject()
        .put("slotId", AppointmentNoticesTest.slot(inspector, at))).statusCode()).isEqualTo(201);
    mailsTo("concluded@example.cn", 2);
    assertThat(inspector.post("/api/inspections/" + concluded + "/end", new JsonObject().put("conclusion", "pass"))
        .statusCode()).isEqualTo(200);
    // A witness after both: an inspection cancelled before its appointment, whose notice takes the same steps.
    String witness = create("C-5", null).getJsonObject("inspection").getString("id");
    assertThat(inspector.post("/api/inspections/" + witness + "/booking", new JsonObject()
        .put("slotId", AppointmentNoticesTest.slot(inspector, at.plus(Duration.ofHours(1))))).statusCode())
        .isEqualTo(201);
    sms(witness, "booking");
    assertThat(inspector.post("/api/inspections/" + witness + "/cancel", new JsonObject()).statusCode())
        .isEqualTo(200);
    sms(witness, "inspection_cancelled");

    assertThat(gateway.received()).filteredOn(r -> List.of(unbooked, concluded)
        .contains(r.body().getString("inspectionId"))).extracting(r -> r.body().getString("kind"))
        .containsExactlyInAnyOrder("invite", "invite", "booking");
    assertThat(mailsTo("unbooked@example.cn", 1)).hasSize(1);
    assertThat(mailsTo("concluded@example.cn", 2)).hasSize(2);
    // The concluded inspection's slot was let go all the same, by the system.
    assertThat(BookingTest.events(inspector, concluded, "booking.cancelled")).singleElement()
        .satisfies(e -> assertThat(e.getJsonObject("payload").getString("by")).isEqualTo("system"));
  }

  @Test
  void aReminderMailSentAgainAfterItsSenderDiedCarriesTheSameMessageId() throws Exception {
    Instant at = server.clock().instant().plus(Duration.ofHours(3)).truncatedTo(ChronoUnit.MINUTES);
    String slot = AppointmentNoticesTest.slot(inspector, at);
    String id = create("C-6", "reminded@example.cn").getJsonObject("inspection").getString("id");
    assertThat(inspector.post("/api/inspections/" + id + "/booking", new JsonObject().put("slotId", slot))
        .statusCode()).isEqualTo(201);
    mailsTo("reminded@example.cn", 2);
    server.clock().advance(Duration.ofMinutes(121));
    MimeMessage first = mailsTo("reminded@example.cn", 3).get(2);
    await(() -> server.running().storage().redis().call(c -> c.zscore(Reminders.CLAIMED, id)).await() == null);

    // A sender that died after the mail server took the reminder, before letting its claim go, leaves this claim;
    // once it is stale, the next look sends the reminder again.
    long stale = server.clock().instant().minus(Reminders.STALE_CLAIM).minusSeconds(60).toEpochMilli();
    server.running().storage().redis().call(c -> c.zadd(Reminders.CLAIMED, (double) stale, id)).await();
    List<MimeMessage> mails = mailsTo("reminded@example.cn", 4);
    MimeMessage again = mails.get(3);

    String noticeId = first.getHeader("X-Kanyan-Notice")[0];
    assertThat(again.getHeader("X-Kanyan-Notice")[0]).isEqualTo(noticeId);
    assertThat(first.getMessageID()).isEqualTo(again.getMessageID()).contains(noticeId).endsWith("@bureau.example>");
    // Each notice has its own: the booking mail's differs.
    assertThat(mails.get(1).getMessageID()).isNotEqualTo(first.getMessageID());
    // The SMS gateway got both copies with the same idempotency key, the same id.
    List<Receiver.Received> sms = gateway.received().stream().filter(r -> id.equals(r.body().getString("inspectionId"))
        && "reminder".equals(r.body().getString("kind"))).toList();
    assertThat(sms).hasSize(2).allSatisfy(r -> assertThat(r.idempotencyKey()).isEqualTo(noticeId));
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

  /** The text of the first SMS of {@code kind} the gateway accepted for the inspection. */
  private static String sms(String id, String kind) {
    List<String> found = List.of();
    for (int i = 0; i < 400 && found.isEmpty(); i++) {
      found = gateway.accepted().stream().map(Receiver.Received::body)
          .filter(b -> id.equals(b.getString("inspectionId")) && kind.equals(b.getString("kind")))
          .map(b -> b.getString("text")).toList();
      if (found.isEmpty()) {
        BookingTest.sleep(50);
      }
    }
    assertThat(found).as("an SMS of kind " + kind).isNotEmpty();
    return found.get(0);
  }

  /** The mails to {@code address}, once there are at least {@code count}. */
  private static List<MimeMessage> mailsTo(String address, int count) {
    List<MimeMessage> mine = List.of();
    for (int i = 0; i < 400; i++) {
      mine = Arrays.stream(smtp.getReceivedMessages()).filter(m -> {
        try {
          return m.getAllRecipients()[0].toString().equals(address);
        } catch (Exception e) {
          return false;
        }
      }).toList();
      if (mine.size() >= count) {
        return mine;
      }
      BookingTest.sleep(50);
    }
    throw new AssertionError(count + " mails to " + address + " never came; " + mine.size() + " did");
  }

  private static void await(java.util.function.BooleanSupplier done) {
    RemindersAtLeastOnceTest.await(done);
  }
}
