package io.kanyan.signaling.media.kurento;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Replays the client-to-KMS requests of the real captures in {@code /work/shared/kurento-transcripts} against
 * {@link FakeKms} and compares each answer's shape (result or error, error code, result keys, value kind) and the
 * set of event types with what the real KMS 7.3.0 sent. Object ids are mapped from the capture to the double's.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class FakeKmsTranscriptTest {

  static final Path TRANSCRIPTS = Path.of(System.getProperty("kanyan.kurento.transcripts",
      "/work/shared/kurento-transcripts"));
  static final Pattern ID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}_kurento\\.\\w+"
      + "(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}_kurento\\.\\w+)?");

  @org.junit.jupiter.api.io.TempDir
  Path recordings;
  FakeKms kms;
  WebSocketClient client;

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    kms = new FakeKms(vertx, null).start(0).await();
    client = vertx.createWebSocketClient();
  }

  @AfterEach
  void stop() {
    client.close().await();
    kms.kill().await();
  }

  private record Frame(String dir, int conn, JsonObject msg) {
  }

  private static List<Frame> read(String file) throws Exception {
    Path path = TRANSCRIPTS.resolve(file);
    Assumptions.assumeTrue(Files.exists(path), "transcripts not available at " + TRANSCRIPTS);
    List<Frame> frames = new ArrayList<>();
    for (String line : Files.readAllLines(path)) {
      JsonObject o = new JsonObject(line);
      if (o.getValue("msg") instanceof JsonObject msg) {
        frames.add(new Frame(o.getString("dir"), o.getInteger("conn", 0), msg));
      }
    }
    return frames;
  }

  /** The shape of an answer: error code, or the sorted result keys and the JSON kind of the value. */
  private static String shape(JsonObject reply) {
    if (reply.containsKey("error")) {
      return "error " + reply.getJsonObject("error").getInteger("code");
    }
    Object result = reply.getValue("result");
    if (!(result instanceof JsonObject r)) {
      return "result " + result;
    }
    Object value = r.getValue("value");
    String kind = value == null ? (r.containsKey("value") ? "null" : "absent")
        : value instanceof String s ? (s.startsWith("v=0") ? "sdp" : "string")
        : value instanceof JsonArray ? "array" : value instanceof JsonObject ? "object" : value.getClass().getSimpleName();
    return "result " + new TreeSet<>(r.fieldNames()) + " value=" + kind;
  }

  private void replay(String file, int conn, Set<String> skipOperations) throws Exception {
    List<Frame> frames = read(file);
    Map<Object, JsonObject> expected = new HashMap<>();
    Set<String> expectedEvents = new TreeSet<>();
    List<JsonObject> requests = new ArrayList<>();
    for (Frame f : frames) {
      if (f.conn != conn) {
        continue;
      }
      if (f.dir.equals("client->kms") && f.msg.containsKey("id")) {
        requests.add(f.msg);
      } else if (f.dir.equals("kms->client") && f.msg.containsKey("id") && f.msg.getValue("id") != null) {
        expected.put(f.msg.getValue("id"), f.msg);
      } else if (f.dir.equals("kms->client") && "onEvent".equals(f.msg.getString("method"))) {
        expectedEvents.add(f.msg.getJsonObject("params").getJsonObject("value").getString("type"));
      }
    }

    List<JsonObject> received = new CopyOnWriteArrayList<>();
    WebSocket ws = client.connect(kmsPort(), "127.0.0.1", "/kurento").await();
    ws.textMessageHandler(text -> received.add(new JsonObject(text)));
    Map<String, String> ids = new HashMap<>();
    String session = null;
    Set<String> gotEvents = new TreeSet<>();
    for (JsonObject request : requests) {
      JsonObject params = request.getJsonObject("params", new JsonObject());
      if (skipOperations.contains(params.getString("operation", "")) || request.getString("method").equals("closeSession")) {
        continue;
      }
      String text = request.encode();
      // Longest first: an element id starts with its pipeline's id.
      List<Map.Entry<String, String>> mapping = new ArrayList<>(ids.entrySet());
      mapping.sort((a, b) -> b.getKey().length() - a.getKey().length());
      for (Map.Entry<String, String> id : mapping) {
        text = text.replace(id.getKey(), id.getValue());
      }
      // The captures wrote to file:///recordings/ on the KMS host; here that is a temporary directory.
      text = text.replace("file:///recordings/", "file://" + recordings.toAbsolutePath() + "/");
      if (session != null && params.containsKey("sessionId")) {
        text = text.replace(params.getString("sessionId"), session);
      }
      int before = received.size();
      ws.writeTextMessage(text).await();
      JsonObject reply = awaitReply(received, before, request.getValue("id"));
      JsonObject real = expected.get(request.getValue("id"));
      assertThat(shape(reply)).as("reply to %s %s", request.getString("method"), params.getString("operation", params.getString("type", "")))
          .isEqualTo(shape(real));
      if (reply.getValue("result") instanceof JsonObject r) {
        session = r.getString("sessionId", session);
        if (r.getValue("value") instanceof String value && real.getJsonObject("result").getValue("value") instanceof String old
            && ID.matcher(old).matches()) {
          ids.put(old, value);
        }
      }
    }
    for (JsonObject frame : received) {
      if ("onEvent".equals(frame.getString("method"))) {
        JsonObject value = frame.getJsonObject("params").getJsonObject("value");
        gotEvents.add(value.getString("type"));
        assertThat(value.getJsonObject("data").getValue("timestampMillis")).isInstanceOf(String.class);
        assertThat(value.getJsonObject("data").getString("source")).isEqualTo(value.getString("object"));
      }
    }
    assertThat(expectedEvents).containsAll(gotEvents);
    ws.close().await();
  }

  private int kmsPort() {
    Matcher m = Pattern.compile(":(\\d+)/").matcher(kms.url());
    assertThat(m.find()).isTrue();
    return Integer.parseInt(m.group(1));
  }

  private static JsonObject awaitReply(List<JsonObject> received, int from, Object id) {
    long deadline = System.currentTimeMillis() + 5000;
    while (System.currentTimeMillis() < deadline) {
      for (JsonObject frame : received) {
        if (frame.containsKey("id") && id.equals(frame.getValue("id"))) {
          received.remove(frame);
          return frame;
        }
      }
      Thread.onSpinWait();
    }
    throw new AssertionError("no reply to request " + id);
  }

  @Test
  void aRecordedCallGetsTheSameAnswerShapesAndEventTypesAsFromARealKms() throws Exception {
    // Media state queries depend on real ICE/DTLS; the double does not model them.
    replay("call.jsonl", 1, Set.of("getStats", "isMediaFlowingIn", "isMediaFlowingOut", "getConnectionState",
        "getMediaState", "getIceConnectionState", "pause"));
  }

  @Test
  void errorCasesGetTheSameErrorCodesAsFromARealKms() throws Exception {
    replay("errors.jsonl", 1, Set.of("play", "getMediaState"));
  }

  @Test
  void serverManagerQueriesGetTheSameAnswerShapesAsFromARealKms() throws Exception {
    replay("server.jsonl", 1, Set.of("getKmd", "getLatencyStats", "getSinkConnections", "getStunServerAddress",
        "getNetworkInterfaces"));
  }
}
