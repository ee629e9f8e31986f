package io.kanyan.signaling.ws;

import io.kanyan.signaling.Problem;
import io.kanyan.signaling.inspection.CallOwners;
import io.kanyan.signaling.inspection.Calls;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bridges a signaling socket to the member that runs its call: another node (signaling/CLUSTER.md) or another
 * event loop of this node (README, "Architecture"); "node" below means either. On the socket's node, a
 * {@link Connection} whose call runs elsewhere becomes a pipe: each message it receives goes to the owner as it is,
 * and what the owner sends comes back to the socket. On the owner, a {@link Connection} stands for the remote
 * socket, authenticated again from the credential, and takes the seat as if the socket had come in there: nothing
 * of the browser protocol changes. Both sides watch the other through the {@link BridgeBus}: a socket whose owner
 * is gone (or lost the call) is closed with 1012 so that the browser reconnects and resumes its seat on whichever
 * node has the call now; a bridged connection whose socket's node is gone counts as a dropped socket (1006).
 */
final class Bridge {

  private static final Logger log = LoggerFactory.getLogger(Bridge.class);
  private static final short MOVED = 1012;

  /** What the endpoint does for a bridged connection: authenticate and build it, forget it. */
  interface Host {
    Future<Connection> connect(JsonObject credential, Wire wire, String address, String userAgent);

    void forget(Connection conn);
  }

  /** The socket's side of a bridged connection. */
  interface Pipe {
    void frame(String text);

    void closed(int code, String revokedCode);
  }

  private record Piped(Connection conn, String node, String inspectionId) {
  }

  private record Remote(Connection conn, String node) {
  }

  private final Vertx vertx;
  private final BridgeBus bus;
  private final Calls calls;
  private final Clock clock;
  private final Host host;
  private final Duration lease;
  /** Sockets on this node whose call runs elsewhere, by connection id. */
  private final Map<String, Piped> piped = new HashMap<>();
  /** Connections here for sockets on other nodes, by "node/connection id". */
  private final Map<String, Remote> remote = new HashMap<>();
  /** Sockets whose node gave up on them while they were being attached here: not to be seated once attached. */
  private Set<String> withdrawn = new HashSet<>();
  /** The previous beat's {@link #withdrawn}: a marker lives one to two beats. */
  private Set<String> withdrawnBefore = new HashSet<>();

  Bridge(Vertx vertx, BridgeBus bus, Calls calls, Clock clock, Host host, Duration lease) {
    this.lease = lease;
    this.vertx = vertx;
    this.bus = bus;
    this.calls = calls;
    this.clock = clock;
    this.host = host;
    bus.on("ws-attach", this::attached);
    bus.on("ws-frame", this::frame);
    bus.on("ws-closed", this::closed);
    bus.on("ws-send", this::send);
    bus.on("ws-close", this::close);
    vertx.setPeriodic(Math.max(200, lease.toMillis() / 3), t -> watch());
  }

  /**
   * How long a join keeps trying to reach its call's owner: a dead owner's lease runs out within the lease time,
   * and then a node takes the call over.
   */
  Duration joinWindow() {
    return lease.plusSeconds(3);
  }

  /**
   * Bridges {@code conn} (on this node) to {@code node}, which runs the call of {@code inspectionId}, and hands it
   * the socket's {@code join}. Completes with the pipe once the owner took the connection.
   */
  Future<Pipe> attach(Connection conn, String node, String inspectionId, JsonObject join) {
    String id = UUID.randomUUID().toString();
    piped.put(id, new Piped(conn, node, inspectionId));
    bus.lend(id, conn.wire());
    JsonObject attach = new JsonObject().put("t", "ws-attach").put("conn", id).put("id", inspectionId)
        .put("credential", conn.credential().attachment()).put("address", conn.address())
        .put("agent", conn.userAgent()).put("join", join.encode());
    return bus.request(node, attach, Duration.ofSeconds(5)).compose(answer -> {
      if (!answer.getBoolean("ok", false)) {
        piped.remove(id);
        bus.unlend(id);
        return Future.failedFuture(moved());
      }
      log.info("inspection {}: socket {} bridged to node {}", inspectionId, conn.address(), node);
      return Future.<Pipe>succeededFuture(new Pipe() {
        @Override
        public void frame(String text) {
          bus.send(node, new JsonObject().put("t", "ws-frame").put("conn", id).put("text", text))
              .onComplete(sent -> {
                if (sent.failed() || !sent.result()) {
                  lost(id, "node " + node + " is gone");
                }
              });
        }

        @Override
        public void closed(int code, String revokedCode) {
          piped.remove(id);
          bus.unlend(id);
          bus.send(node, new JsonObject().put("t", "ws-closed").put("conn", id).put("code", code)
              .put("revoked", revokedCode));
        }
      });
    }, err -> {
      piped.remove(id);
      bus.unlend(id);
      // The owner may still take it after the answer timed out: tell it the socket is not coming.
      bus.send(node, new JsonObject().put("t", "ws-closed").put("conn", id).put("code", 1006));
      log.info("inspection {}: node {} did not take a bridged socket: {}", inspectionId, node, err.getMessage());
      return Future.failedFuture(moved());
    });
  }

  static Problem moved() {
    return new Problem(Problem.Kind.UNAVAILABLE, "unavailable",
        "the server running this call cannot be reached just now; join again in a moment");
  }

  /** The socket's call is no longer reachable where it was: the browser reconnects and resumes its seat. */
  private void lost(String id, String why) {
    bus.unlend(id);
    Piped p = piped.remove(id);
    if (p != null) {
      log.warn("inspection {}: bridged socket {} closed, {}", p.inspectionId(), p.conn().address(), why);
      p.conn().close(MOVED, "the call moved to another server; reconnect");
    }
  }

  // --- the owner's side ---

  private void attached(JsonObject m) {
    String node = m.getString("from");
    String key = node + "/" + m.getString("conn");
    String inspectionId = m.getString("id");
    calls.place(inspectionId).compose(placed -> {
      if (!placed.here()) {
        return Future.failedFuture("the call runs on node " + placed.node());
      }
      return host.connect(m.getJsonObject("credential", new JsonObject()), wire(node, m.getString("conn")),
          m.getString("address"), m.getString("agent"));
    }).onSuccess(conn -> {
      if (withdrawn.remove(key) | withdrawnBefore.remove(key)) {
        host.forget(conn);
        bus.answer(m, new JsonObject().put("ok", false));
        return;
      }
      remote.put(key, new Remote(conn, node));
      bus.answer(m, new JsonObject().put("ok", true));
      conn.onText(m.getString("join"), clock.millis());
    }).onFailure(err -> {
      log.info("inspection {}: bridged socket from node {} refused: {}", inspectionId, node, err.getMessage());
      bus.answer(m, new JsonObject().put("ok", false));
    });
  }

  private Wire wire(String node, String conn) {
    Wire lent = bus.borrow(node, conn);
    return new Wire() {
      @Override
      public void write(String text) {
        if (lent != null) {
          // The socket is in this process: written directly, without a hop through its member's loop.
          lent.write(text);
          return;
        }
        bus.send(node, new JsonObject().put("t", "ws-send").put("conn", conn).put("text", text));
      }

      @Override
      public void close(short code, String reason) {
        bus.send(node, new JsonObject().put("t", "ws-close").put("conn", conn).put("code", code)
            .put("reason", reason));
      }
    };
  }

  private void frame(JsonObject m) {
    Remote r = remote.get(m.getString("from") + "/" + m.getString("conn"));
    if (r != null) {
      r.conn().onText(m.getString("text"), clock.millis());
    }
  }

  private void closed(JsonObject m) {
    String key = m.getString("from") + "/" + m.getString("conn");
    Remote r = remote.remove(key);
    if (r == null) {
      withdrawn.add(key);
      return;
    }
    host.forget(r.conn());
    String revoked = m.getString("revoked");
    if (revoked != null) {
      r.conn().revoke(revoked, "the credential this connection was opened with stopped working");
    }
    r.conn().onClose(m.getInteger("code", 1006));
  }

  // --- the socket's side ---

  private void send(JsonObject m) {
    Piped p = piped.get(m.getString("conn"));
    if (p != null) {
      p.conn().sendRaw(m.getString("text"));
    }
  }

  private void close(JsonObject m) {
    bus.unlend(m.getString("conn"));
    Piped p = piped.remove(m.getString("conn"));
    if (p != null) {
      p.conn().close(m.getInteger("code", 1000).shortValue(), m.getString("reason", ""));
    }
  }

  /**
   * Closes sockets whose call's owner is gone or changed, and lets go of bridged connections whose socket's node
   * is gone.
   */
  private void watch() {
    withdrawnBefore = withdrawn;
    withdrawn = new HashSet<>();
    CallOwners leases = calls.owners();
    Set<String> ids = new HashSet<>();
    Set<String> owners = new HashSet<>();
    for (Piped p : piped.values()) {
      ids.add(p.inspectionId());
      owners.add(p.node());
    }
    for (String node : owners) {
      bus.alive(node).onSuccess(alive -> {
        if (!alive) {
          for (Map.Entry<String, Piped> e : List.copyOf(piped.entrySet())) {
            if (e.getValue().node().equals(node)) {
              lost(e.getKey(), "node " + node + " is gone");
            }
          }
        }
      });
    }
    for (String inspectionId : ids) {
      leases.owner(inspectionId).onSuccess(owner -> {
        for (Map.Entry<String, Piped> e : List.copyOf(piped.entrySet())) {
          if (e.getValue().inspectionId().equals(inspectionId) && !e.getValue().node().equals(owner)) {
            lost(e.getKey(), owner == null ? "its call has no owner now" : "its call is on node " + owner + " now");
          }
        }
      });
    }
    Set<String> nodes = new HashSet<>();
    for (Remote r : remote.values()) {
      nodes.add(r.node());
    }
    for (String node : nodes) {
      bus.alive(node).onSuccess(alive -> {
        if (alive) {
          return;
        }
        for (Map.Entry<String, Remote> e : List.copyOf(remote.entrySet())) {
          if (e.getValue().node().equals(node)) {
            remote.remove(e.getKey());
            host.forget(e.getValue().conn());
            log.warn("bridged socket {}: node {} is gone", e.getValue().conn().address(), node);
            e.getValue().conn().onClose(1006);
          }
        }
      });
    }
  }
}
