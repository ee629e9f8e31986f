package io.kanyan.signaling.shard;

import static org.assertj.core.api.Assertions.assertThat;

import io.kanyan.recorder.trail.Chain;
import io.kanyan.recorder.trail.Trail;
import io.kanyan.recorder.trail.TrailEvent;
import io.kanyan.signaling.testing.Http;
import io.kanyan.signaling.testing.Staff;
import io.kanyan.signaling.testing.TestServer;
import io.kanyan.signaling.testing.Ws;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The calls on call loops of their own ({@code KANYAN_CALL_LOOPS=2}, README "Event loops"): calls on different loops
 * at the same time each relay in order, what HTTP does to a call reaches it on its loop, a revoked credential closes
 * the bridged socket and frees its seat, and each trail chains. The protocol seen by the browsers is the one of a
 * server with its calls on one loop.
 */
class CallLoopsTest {

  static TestServer server;
  static Http alice;

  /** An inspection with its invite. */
  record Case(String id, String invite) {
  }

  @BeforeAll
  static void start() {
    server = TestServer.start(Map.of("KANYAN_CALL_LOOPS", "2", "KANYAN_GRACE_PERIOD", "2s",
        "KANYAN_METRICS_PORT", "0"));
    alice = Staff.as(server, "alice", "inspector");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static Case newCase() {
    JsonObject created = alice.post("/api/inspections", server.inspectionBody("L-" + UUID.randomUUID()))
        .bodyAsJsonObject();
    return new Case(created.getJsonObject("inspection").getString("id"),
        created.getJsonObject("invite").getString("token"));
  }

  /** Inspections until there is one on each of the two loops (ids are random: a few tries). */
  private static Map<String, Case> oneOnEachLoop() {
    Map<String, Case> byLoop = new HashMap<>();
    for (int tries = 0; byLoop.size() < 2 && tries < 64; tries++) {
      Case c = newCase();
      byLoop.putIfAbsent(server.running().server().callLoopOf(c.id()).orElseThrow(), c);
    }
    assertThat(byLoop).containsOnlyKeys("loop-1", "loop-2");
    return byLoop;
  }

  private static Ws[] pair(Case c) {
    Ws a = Ws.applicant(server.vertx(), server.httpPort(), c.invite(), server.origin()).await()
        .send(new JsonObject().put("type", "join"));
    assertThat(a.next("joined").getString("role")).isEqualTo("applicant");
    Ws i = Ws.staff(server.vertx(), server.httpPort(), alice.sessionCookie(), server.origin()).await()
        .send(new JsonObject().put("type", "join").put("inspectionId", c.id()));
    assertThat(i.next("joined").getBoolean("peerPresent")).isTrue();
    assertThat(i.next("peer-joined").getString("role")).isEqualTo("applicant");
    assertThat(a.next("peer-joined").getString("role")).isEqualTo("inspector");
    return new Ws[] {i, a};
  }

  private static final String ICE = "kanyan_relay_seconds_count{type=\"ice\"}";
  private static final String ANSWER = "kanyan_relay_seconds_count{type=\"answer\"}";

  private static Map<String, Double> metrics() {
    return io.kanyan.signaling.testing.Scrape.of(server, io.vertx.ext.web.client.WebClient.create(server.vertx()));
  }

  private static boolean live(String id) throws Exception {
    return server.running().server().callLive(id).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  @Test
  void callsOnBothLoopsRelayInOrderAtOnceAndWhatHttpDoesReachesThemOnTheirLoop() throws Exception {
    Map<String, Case> cases = oneOnEachLoop();
    List<Ws[]> pairs = new ArrayList<>();
    for (Case c : cases.values()) {
      pairs.add(pair(c));
      assertThat(live(c.id())).isTrue();
    }
    // Every loop takes connections (Vert.x hands them out in turn): the four sockets are not all on one loop, so
    // some are bridged to their call's loop and some are not, and both kinds relay below.
    Map<String, Integer> sockets = server.running().server().socketsPerLoop().toCompletionStage()
        .toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertThat(sockets).containsOnlyKeys("server", "loop-1", "loop-2");
    assertThat(sockets.values().stream().filter(n -> n > 0).count()).isGreaterThanOrEqualTo(2);
    Map<String, Double> before = metrics();
    // Both inspectors send at once; each applicant gets its own inspector's candidates, all and in order.
    int n = 15;
    for (int k = 0; k < n; k++) {
      for (int p = 0; p < pairs.size(); p++) {
        pairs.get(p)[0].send(new JsonObject().put("type", "ice").put("candidate", new JsonObject()
            .put("candidate", "candidate:" + k + " 1 udp 2122260223 192.0.2." + (p + 1) + " " + (40000 + k) + " typ host")
            .put("sdpMid", p + ":" + k).put("sdpMLineIndex", 0)));
      }
    }
    for (int p = 0; p < pairs.size(); p++) {
      for (int k = 0; k < n; k++) {
        assertThat(pairs.get(p)[1].next("ice").getJsonObject("candidate").getString("sdpMid")).isEqualTo(p + ":" + k);
      }
    }
    // The applicants answer the other way, and a note from each inspector is on its own trail.
    for (Ws[] p : pairs) {
      p[1].send(new JsonObject().put("type", "answer").put("sdp", "v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\n"));
      assertThat(p[0].next("answer").getString("sdp")).contains("o=- 3 4");
      p[0].send(new JsonObject().put("type", "note").put("text", "fire exit clear"));
    }
    // The node's metrics count the calls on every loop and time what the loops relay (other tests' calls may still
    // be in their grace period: at least these two).
    Map<String, Double> after = metrics();
    assertThat(after.get("kanyan_calls_live")).isGreaterThanOrEqualTo(pairs.size());
    assertThat(after.get(ICE) - before.getOrDefault(ICE, 0.0)).isEqualTo((double) n * pairs.size());
    assertThat(after.get(ANSWER) - before.getOrDefault(ANSWER, 0.0)).isEqualTo((double) pairs.size());
    // Ending over HTTP (the server loop) reaches each call on its loop: both seats hear it.
    for (Map.Entry<String, Case> e : cases.entrySet()) {
      Ws[] p = pairs.get(new ArrayList<>(cases.keySet()).indexOf(e.getKey()));
      JsonObject ended = alice.post("/api/inspections/" + e.getValue().id() + "/end",
          new JsonObject().put("conclusion", "pass").put("remark", "ok")).bodyAsJsonObject();
      assertThat(ended.getString("status")).isEqualTo("ended");
      assertThat(p[0].next("ended").getString("conclusion")).isEqualTo("pass");
      assertThat(p[1].next("ended").getString("reason")).isEqualTo("concluded");
      p[0].close();
      p[1].close();
    }
    for (Case c : cases.values()) {
      long deadline = System.currentTimeMillis() + 8000;
      while (live(c.id()) && System.currentTimeMillis() < deadline) {
        Thread.sleep(50);
      }
      assertThat(live(c.id())).isFalse();
      List<TrailEvent> stored = new Trail(server.running().storage().redis(), server.clock()).read(c.id()).await();
      assertThat(Chain.firstBreak(c.id(), stored)).isNull();
      assertThat(stored).extracting(e -> e.type().code()).contains("participant.joined", "note.added",
          "inspection.ended");
    }
  }

  @Test
  void reissuingTheInviteClosesTheBridgedSocketAndFreesTheSeatOnItsLoop() {
    Case c = newCase();
    Ws[] p = pair(c);
    String fresh = alice.post("/api/inspections/" + c.id() + "/invite").bodyAsJsonObject().getJsonObject("invite")
        .getString("token");
    assertThat(p[1].next("error").getString("code")).isEqualTo("invite_revoked");
    assertThat(p[1].closeStatus(3000)).isEqualTo((short) 4401);
    assertThat(p[0].next("peer-left").getString("reason")).isEqualTo("invite_revoked");
    // The new link seats the applicant at once on the same loop; the inspector stayed.
    Ws again = Ws.applicant(server.vertx(), server.httpPort(), fresh, server.origin()).await()
        .send(new JsonObject().put("type", "join"));
    assertThat(again.next("joined").getBoolean("peerPresent")).isTrue();
    assertThat(p[0].next("peer-joined").getString("role")).isEqualTo("applicant");
    p[0].close();
    again.close();
  }

  @Test
  void aFloodOnABridgedSocketIsStoppedWhereItArrives() {
    Case c = newCase();
    Ws[] p = pair(c);
    for (int k = 0; k < 200; k++) {
      p[1].socket().writeTextMessage("{\"type\":\"ping\"}");
    }
    assertThat(p[1].next("error").getString("code")).isEqualTo("rate_limited");
    assertThat(p[1].closeStatus(5000)).isEqualTo((short) 1008);
    // The inspector's side of the call is untouched.
    p[0].send(new JsonObject().put("type", "ping"));
    assertThat(p[0].next("pong")).isNotNull();
    p[0].close();
  }
}
