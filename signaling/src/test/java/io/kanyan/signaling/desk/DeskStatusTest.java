package io.kanyan.signaling.desk;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.trail.EventType;
import io.kanyan.recorder.trail.TrailEvent;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The desk status folded from a trail: what "waiting" means, and what each event does to the status. */
class DeskStatusTest {

  static final String ID = "0b6f3c52-9a43-4c4e-8f55-1e0a5c2d7e10";
  static final Instant T0 = Instant.parse("2026-11-30T02:00:00Z");

  private final List<TrailEvent> trail = new ArrayList<>();

  private DeskStatusTest at(int second, EventType type, JsonObject payload) {
    trail.add(new TrailEvent("e" + trail.size(), ID, trail.size() + 1, type, "x", T0.plusSeconds(second),
        payload.encode(), "prev", "hash"));
    return this;
  }

  private DeskStatusTest seat(int second, EventType type, String role) {
    return at(second, type, new JsonObject().put("role", role));
  }

  private DeskStatus status() {
    return DeskStatus.of(ID, trail);
  }

  @Test
  void aResumedSeatKeepsItsPlaceAndAFreshJoinStartsANewWait() {
    at(0, EventType.INSPECTION_CREATED, new JsonObject());
    assertThat(status().status()).isEqualTo("created");
    at(1, EventType.INVITE_OPENED, new JsonObject().put("count", 1));
    assertThat(status().status()).isEqualTo("opened");
    seat(10, EventType.PARTICIPANT_JOINED, "applicant");
    assertThat(status().status()).isEqualTo("waiting");
    assertThat(status().waitingSince()).isEqualTo(T0.plusSeconds(10));
    seat(20, EventType.PARTICIPANT_DISCONNECTED, "applicant");
    assertThat(status().waiting()).isFalse();
    assertThat(status().applicant()).isEqualTo("away");
    seat(25, EventType.PARTICIPANT_RECONNECTED, "applicant");
    assertThat(status().waitingSince()).as("a reload keeps the place").isEqualTo(T0.plusSeconds(10));
    seat(30, EventType.PARTICIPANT_DISCONNECTED, "applicant");
    seat(60, EventType.PARTICIPANT_LEFT, "applicant");
    assertThat(status().applicant()).isEqualTo("absent");
    seat(70, EventType.PARTICIPANT_JOINED, "applicant");
    assertThat(status().waitingSince()).as("gone past the grace period: a new wait").isEqualTo(T0.plusSeconds(70));
  }

  @Test
  void theInspectorsSeatEndsTheWaitAndADroppedInspectorIsStillInTheCall() {
    seat(10, EventType.PARTICIPANT_JOINED, "applicant");
    seat(20, EventType.PARTICIPANT_JOINED, "inspector");
    assertThat(status().status()).isEqualTo("in_call");
    assertThat(status().waitingSince()).isNull();
    seat(30, EventType.PARTICIPANT_DISCONNECTED, "inspector");
    assertThat(status().status()).isEqualTo("in_call");
    seat(60, EventType.PARTICIPANT_LEFT, "inspector");
    assertThat(status().status()).as("the inspector left: the applicant waits again").isEqualTo("waiting");
    assertThat(status().waitingSince()).isEqualTo(T0.plusSeconds(60));
    at(90, EventType.INSPECTION_ENDED, new JsonObject().put("reason", "concluded").put("conclusion", "pass"));
    assertThat(status().status()).isEqualTo("concluded");
    assertThat(status().conclusion()).isEqualTo("pass");
    assertThat(status().waiting()).isFalse();
    assertThat(status().seq()).isEqualTo(trail.size());
  }

  @Test
  void theLatestCheckAndTheBookingShowUntilSomethingLaterHappens() {
    at(0, EventType.BOOKING_MADE, new JsonObject().put("start", "2026-11-30T03:00:00Z"));
    assertThat(status().status()).isEqualTo("booked");
    assertThat(status().bookedStart()).isEqualTo(Instant.parse("2026-11-30T03:00:00Z"));
    at(1, EventType.PRECHECK_DONE, new JsonObject().put("passed", false).put("camera", "denied"));
    assertThat(status().status()).isEqualTo("check_failed");
    at(2, EventType.PRECHECK_DONE, new JsonObject().put("passed", true).put("camera", "ok"));
    assertThat(status().status()).isEqualTo("checked");
    assertThat(status().precheck().getString("camera")).isEqualTo("ok");
    assertThat(status().opened()).isFalse();
    at(3, EventType.BOOKING_MOVED, new JsonObject().put("start", "2026-11-30T04:00:00Z"));
    seat(4, EventType.PARTICIPANT_JOINED, "applicant");
    DeskStatus waiting = status();
    assertThat(waiting.queueScore()).as("booked: scored by the start, before every unbooked wait")
        .isEqualTo((double) Instant.parse("2026-11-30T04:00:00Z").toEpochMilli()).isLessThan(DeskStatus.UNBOOKED);
    at(5, EventType.BOOKING_CANCELLED, new JsonObject());
    assertThat(status().bookedStart()).isNull();
    assertThat(status().queueScore()).isEqualTo(DeskStatus.UNBOOKED + T0.plusSeconds(4).toEpochMilli());
    at(9, EventType.INSPECTION_ENDED, new JsonObject().put("reason", "cancelled"));
    assertThat(status().status()).isEqualTo("cancelled");
    assertThat(DeskStatus.fromJson(status().toJson())).isEqualTo(status());
  }
}
