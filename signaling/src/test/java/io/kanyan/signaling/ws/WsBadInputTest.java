package io.kanyan.signaling.ws;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.signaling.testing.Http;
import io.kanyan.signaling.testing.RawWs;
import io.kanyan.signaling.testing.Staff;
import io.kanyan.signaling.testing.TestServer;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The WebSocket part of the bad-input suite: malformed, unknown, binary, oversized (whole and fragmented), invalid
 * UTF-8 and flooding clients, sent as raw frames. Each case states the answer it must get, and that the server
 * goes on serving; the outcomes (close code, time to it) are printed as a table.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WsBadInputTest {

  static TestServer server;
  static String invite;
  static final List<String> figures = new ArrayList<>();

  @BeforeAll
  static void start() {
    server = TestServer.start(Map.of("KANYAN_WS_RATE", "20"));
    Http alice = Staff.as(server, "alice", "inspector");
    invite = alice.post("/api/inspections", server.inspectionBody("B-" + UUID.randomUUID())).bodyAsJsonObject()
        .getJsonObject("invite").getString("token");
  }

  @AfterAll
  static void stop() {
    System.out.println("WebSocket bad input (case | answer | ms):");
    figures.forEach(f -> System.out.println("  " + f));
    server.close();
  }

  static RawWs open() {
    return RawWs.open(server.httpPort(), "/ws?invite=" + invite, server.origin());
  }

  /** The server still answers a fresh connection. */
  static void stillServing() {
    try (RawWs ws = open()) {
      ws.text("{\"type\":\"ping\"}");
      assertThat(new JsonObject(ws.nextText()).getString("type")).isEqualTo("pong");
    }
  }

  static String errorCode(RawWs ws) {
    JsonObject m = new JsonObject(ws.nextText());
    assertThat(m.getString("type")).isEqualTo("error");
    return m.getString("code");
  }

  static void record(String name, RawWs.Outcome outcome) {
    figures.add(String.format("%-44s | close %d | %d", name, outcome.closeCode(), outcome.millis()));
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void malformedUnknownAndBinaryMessagesGetErrorsAndTheSocketStaysOpen() {
    try (RawWs ws = open()) {
      long start = System.currentTimeMillis();
      ws.text("{not json");
      assertThat(errorCode(ws)).isEqualTo("bad_json");
      ws.text("[1,2,3]");
      assertThat(errorCode(ws)).isEqualTo("bad_json");
      ws.text("{\"type\":\"hello\"}");
      assertThat(errorCode(ws)).isEqualTo("unknown_type");
      ws.text("{\"type\":42}");
      assertThat(errorCode(ws)).isEqualTo("unknown_type");
      ws.frame(RawWs.BINARY, true, new byte[] {1, 2, 3});
      assertThat(errorCode(ws)).isEqualTo("bad_json");
      ws.text("{\"type\":\"ping\"}");
      assertThat(new JsonObject(ws.nextText()).getString("type")).isEqualTo("pong");
      figures.add(String.format("%-44s | errors, open | %d", "malformed, unknown type, binary (5 messages)",
          System.currentTimeMillis() - start));
    }
  }

  @Test
  void aFragmentedMessageUnderTheLimitIsPutTogether() {
    try (RawWs ws = open()) {
      byte[] whole = utf8("{\"type\":\"ping\",\"pad\":\"" + "中".repeat(5000) + "\"}");
      // split inside a three-byte character: only the whole message must be valid UTF-8
      int cut = whole.length / 2 + 1;
      ws.frame(RawWs.TEXT, false, Arrays.copyOfRange(whole, 0, cut));
      ws.frame(RawWs.CONTINUATION, true, Arrays.copyOfRange(whole, cut, whole.length));
      assertThat(new JsonObject(ws.nextText()).getString("type")).isEqualTo("pong");
    }
  }

  @Test
  void anOversizedMessageInOneFrameClosesWith1009() {
    try (RawWs ws = open()) {
      ws.text("{\"type\":\"note\",\"text\":\"" + "x".repeat(70 * 1024) + "\"}");
      RawWs.Outcome outcome = ws.untilClosed(5000);
      record("one 70 KiB frame", outcome);
      assertThat(outcome.closeCode()).isEqualTo(1009);
    }
    try (RawWs ws = open()) {
      // Only the header: the transport refuses by the announced length; had the payload been sent, the close
      // frame would race the reset caused by the unread bytes.
      ws.announce(RawWs.TEXT, 300 * 1024);
      RawWs.Outcome outcome = ws.untilClosed(5000);
      record("a frame announcing 300 KiB (transport limit)", outcome);
      assertThat(outcome.closeCode()).isEqualTo(1009);
    }
    stillServing();
  }

  @Test
  void aFragmentedMessageOverTheLimitClosesWith1009AsSoonAsItIsTooBig() {
    try (RawWs ws = open()) {
      byte[] piece = new byte[16 * 1024];
      Arrays.fill(piece, (byte) 'x');
      ws.frame(RawWs.TEXT, false, utf8("{\"type\":\"note\",\"text\":\""));
      int sent = 0;
      // never final: the close must come from the size alone, not from the end of the message
      while (sent < 20 && ws.frame(RawWs.CONTINUATION, false, piece)) {
        sent++;
      }
      RawWs.Outcome outcome = ws.untilClosed(5000);
      record("16 KiB fragments, never final", outcome);
      assertThat(outcome.closeCode()).isEqualTo(1009);
    }
    try (RawWs ws = open()) {
      byte[] piece = new byte[60 * 1024];
      Arrays.fill(piece, (byte) 'x');
      ws.frame(RawWs.TEXT, false, piece);
      for (int i = 0; i < 4; i++) {
        ws.frame(RawWs.CONTINUATION, i == 3, piece);
      }
      RawWs.Outcome outcome = ws.untilClosed(5000);
      record("300 KiB in 60 KiB fragments", outcome);
      assertThat(outcome.closeCode()).isEqualTo(1009);
    }
    stillServing();
  }

  @Test
  void invalidUtf8ClosesWith1007() {
    try (RawWs ws = open()) {
      ws.frame(RawWs.TEXT, true, new byte[] {'{', '"', 't', (byte) 0xC3, 0x28, '"', '}'});
      RawWs.Outcome outcome = ws.untilClosed(5000);
      record("invalid UTF-8 in one frame", outcome);
      assertThat(outcome.closeCode()).isEqualTo(1007);
    }
    try (RawWs ws = open()) {
      ws.frame(RawWs.TEXT, false, utf8("{\"type\":\"note\",\"text\":\""));
      ws.frame(RawWs.CONTINUATION, true, new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80, '"', '}'});
      RawWs.Outcome outcome = ws.untilClosed(5000);
      record("a UTF-16 surrogate in a continuation frame", outcome);
      assertThat(outcome.closeCode()).isEqualTo(1007);
    }
    stillServing();
  }

  @Test
  void aFloodIsThrottledThenClosedWith1008() {
    try (RawWs ws = open()) {
      for (int i = 0; i < 200 && ws.text("{\"type\":\"ping\"}"); i++) {
        // as fast as the socket takes them
      }
      RawWs.Outcome outcome = ws.untilClosed(5000);
      long pongs = outcome.texts().stream().filter(t -> t.contains("\"pong\"")).count();
      long limited = outcome.texts().stream().filter(t -> t.contains("rate_limited")).count();
      figures.add(String.format("%-44s | close %d | %d (%d answered, %d rate_limited)", "200 pings at once (rate 20/s)",
          outcome.closeCode(), outcome.millis(), pongs, limited));
      assertThat(limited).isPositive();
      assertThat(outcome.closeCode()).isEqualTo(1008);
    }
    stillServing();
  }
}
