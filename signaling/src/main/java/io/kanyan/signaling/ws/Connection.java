package io.kanyan.signaling.ws;

import io.kanyan.signaling.Problem;
import io.kanyan.signaling.auth.Principal;
import io.kanyan.signaling.inspection.Call;
import io.kanyan.signaling.inspection.Calls;
import io.kanyan.signaling.inspection.Inspections;
import io.kanyan.signaling.inspection.Link;
import io.kanyan.signaling.inspection.PhotoRequests;
import io.kanyan.signaling.inspection.Role;
import io.kanyan.signaling.media.MediaException;
import io.kanyan.signaling.ws.Protocol.Answer;
import io.kanyan.signaling.ws.Protocol.ClientMessage;
import io.kanyan.signaling.ws.Protocol.ConnectionState;
import io.kanyan.signaling.ws.Protocol.Ice;
import io.kanyan.signaling.ws.Protocol.Join;
import io.kanyan.signaling.ws.Protocol.Leave;
import io.kanyan.signaling.ws.Protocol.Location;
import io.kanyan.signaling.ws.Protocol.Note;
import io.kanyan.signaling.ws.Protocol.Offer;
import io.kanyan.signaling.ws.Protocol.PhotoRequest;
import io.kanyan.signaling.ws.Protocol.PhotoStatus;
import io.kanyan.signaling.ws.Protocol.Ping;
import io.kanyan.signaling.ws.Protocol.VideoFallback;
import io.kanyan.signaling.ws.Protocol.VideoMode;
import io.kanyan.recorder.redis.RedisUnavailableException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One signaling WebSocket: its identity (a staff principal or an applicant's inspection), its rate limit,
 * and one method per message type. Lives on the event loop its calls run on (the server verticle's, or a call
 * loop's for a socket bridged there).
 */
final class Connection implements Link {

  private static final Logger log = LoggerFactory.getLogger(Connection.class);
  /** Close code for a connection whose credential stopped working; the reason names the error code. */
  static final short REVOKED = 4401;
  /** How often a staff connection's session is re-checked (and renewed) on {@code ping}. */
  private static final long SESSION_RECHECK_MS = 60_000;
  /**
   * A message that writes the trail re-checks the credential when the last check is older than this. Revocations
   * close sockets at once anyway (see {@link SignalingEndpoint}); this catches one that was not announced.
   */
  private static final long TRAIL_RECHECK_MS = 5_000;

  private final Wire socket;
  private final Principal staff;
  private final String applicantInspection;
  private final Credential credential;
  private final Inspections inspections;
  private final Calls calls;
  private final PhotoRequests photos;
  private final RateLimit rateLimit;
  private final String address;
  private final String userAgent;
  private long lastSeen;
  private long lastRecheck;
  private Call call;
  private Role role;
  private boolean joining;
  private boolean closed;
  private RelayTimer relays = RelayTimer.NONE;
  /** Set when this socket's call runs on another node: its messages go there (see {@link Bridge}). */
  private Bridge.Pipe pipe;
  /** Set on the owner's side for a socket on another node: this connection must not be piped again. */
  private final boolean bridged;
  private final Bridge bridge;
  private String revokedCode;

  Connection(Wire socket, Principal staff, String applicantInspection, Credential credential,
      Inspections inspections, Calls calls, PhotoRequests photos, int rate, String address, String userAgent,
      long now, Bridge bridge, boolean bridged) {
    this.bridge = bridge;
    this.bridged = bridged;
    this.socket = socket;
    this.staff = staff;
    this.applicantInspection = applicantInspection;
    this.credential = credential;
    this.lastRecheck = now;
    this.inspections = inspections;
    this.calls = calls;
    this.photos = photos;
    this.rateLimit = new RateLimit(rate, now);
    this.address = address;
    this.userAgent = userAgent;
    this.lastSeen = now;
  }

  void timeRelays(RelayTimer relays) {
    this.relays = relays;
  }

  long lastSeen() {
    return lastSeen;
  }

  Credential credential() {
    return credential;
  }

  /** Where this connection writes (its socket, on the socket's member). */
  Wire wire() {
    return socket;
  }

  String address() {
    return address;
  }

  /** One whole text message (assembled and size- and UTF-8-checked by {@link FrameAssembler}). */
  void onText(String text, long now) {
    if (closed) {
      // Frames already read when the socket was closed (a flood) are not handled, nor logged once each.
      return;
    }
    lastSeen = now;
    // A bridged connection's socket node has applied the rate limit already, to the messages as they arrived;
    // counted again here, after a hop that may deliver them in a bunch, they would look like a flood.
    switch (bridged ? RateLimit.Verdict.ACCEPT : rateLimit.take(now)) {
      case CLOSE -> {
        log.warn("ws {}: flooding, closing", address);
        close((short) 1008, "too many messages");
        return;
      }
      case DROP -> {
        send(Protocol.error("rate_limited", "too many messages per second; this one was dropped", Protocol.typeOf(text)));
        return;
      }
      default -> {
      }
    }
    if (pipe != null && !closed) {
      // The call runs on another node: the connection there parses and answers.
      pipe.frame(text);
      return;
    }
    ClientMessage message;
    try {
      message = Protocol.parse(text);
    } catch (Problem p) {
      send(Protocol.error(p.code(), p.getMessage(), Protocol.typeOf(text)));
      return;
    }
    long started = System.nanoTime();
    handle(message, now).onFailure(err -> fail(err, Protocol.typeOf(text)))
        .onSuccess(x -> relays.relayed(message, System.nanoTime() - started));
  }

  private Future<?> handle(ClientMessage message, long now) {
    if (message instanceof Ping) {
      send(Protocol.pong());
      if (staff != null && now - lastRecheck >= SESSION_RECHECK_MS) {
        return recheck(now);
      }
      return Future.succeededFuture();
    }
    if (message instanceof Join join) {
      return join(join, now);
    }
    if (call == null) {
      return Future.failedFuture(Problem.badRequest("not_joined", "send 'join' first"));
    }
    if (message instanceof Offer offer) {
      return call.offer(role, offer.sdp());
    } else if (message instanceof Answer answer) {
      return call.answer(role, answer.sdp());
    } else if (message instanceof Ice ice) {
      return call.candidate(role, ice.candidate());
    } else if (message instanceof Location fix) {
      return location(fix, now);
    } else if (message instanceof Note note) {
      return note(note, now);
    } else if (message instanceof ConnectionState media) {
      // On the trail as media.event {kind: "connection.interrupted" | "connection.recovered", role, cause, downMs,
      // restarts}.
      call.event("connection." + media.state(), new JsonObject().put("role", role.wire()).put("cause", media.cause())
          .put("downMs", media.downMs()).put("restarts", media.restarts()));
      return Future.succeededFuture();
    } else if (message instanceof VideoMode mode) {
      return videoMode(mode);
    } else if (message instanceof VideoFallback fallback) {
      return videoFallback(fallback);
    } else if (message instanceof PhotoRequest ask) {
      return photoRequest(ask, now);
    } else if (message instanceof PhotoStatus status) {
      if (role != Role.APPLICANT) {
        return Future.failedFuture(Problem.forbidden("only the applicant's phone reports on photo requests"));
      }
      photos.status(call, status.requestId(), status.state(), status.code());
      return Future.succeededFuture();
    } else if (message instanceof Leave) {
      call.leave(role, this);
      return Future.succeededFuture();
    }
    return Future.failedFuture(Problem.badRequest("unknown_type", "unsupported message"));
  }

  /**
   * Re-checks the credential unless that was done in the last {@link #TRAIL_RECHECK_MS}. When the store is
   * unreachable the message goes ahead: the credential was good at the last check, and its trail event waits
   * for the store in order anyway.
   */
  private Future<Void> recheck(long now) {
    if (now - lastRecheck < TRAIL_RECHECK_MS) {
      return Future.succeededFuture();
    }
    return credential.recheck(false).onSuccess(ok -> lastRecheck = now).recover(err -> {
      if (err instanceof RedisUnavailableException) {
        log.warn("ws {}: credential not re-checked, the store is unavailable", address);
        return Future.succeededFuture();
      }
      return Future.failedFuture(err);
    });
  }

  private Future<?> join(Join join, long now) {
    if (call != null || joining) {
      return Future.failedFuture(Problem.badRequest("already_joined", "this connection has already joined"));
    }
    joining = true;
    long startedAt = System.nanoTime();
    Future<String> seat;
    Role wanted;
    String actor;
    if (staff != null) {
      if (staff.role() != Principal.Role.INSPECTOR) {
        joining = false;
        return Future.failedFuture(Problem.forbidden("only the inspector who conducts an inspection can join its call"));
      }
      if (join.inspectionId() == null) {
        joining = false;
        return Future.failedFuture(Problem.badRequest("missing_field", "'inspectionId' must be given"));
      }
      seat = inspections.ownedOpen(staff, join.inspectionId()).map(f -> f.id());
      wanted = Role.INSPECTOR;
      actor = staff.actor();
    } else {
      seat = Future.succeededFuture(applicantInspection);
      wanted = Role.APPLICANT;
      actor = "applicant";
    }
    return credential.recheck(true).onSuccess(ok -> lastRecheck = now).compose(ok -> seat).compose(id -> {
      if (closed) {
        return Future.failedFuture(Problem.conflict("gone", "the connection closed while joining"));
      }
      long deadline = bridge == null ? 0 : System.currentTimeMillis() + bridge.joinWindow().toMillis();
      return enter(id, wanted, actor, join, startedAt, deadline);
    }).onComplete(x -> joining = false);
  }

  /**
   * Takes the seat where the call runs: here, or through the bridge on its owner. When the owner is gone but its
   * lease has not run out yet, tries again every half second until a node has taken the call over.
   */
  private Future<Object> enter(String id, Role wanted, String actor, Join join, long startedAt, long deadline) {
    return calls.place(id).compose(placed -> placed.here()
        ? seat(placed.call(), id, wanted, actor, join, startedAt).map(x -> (Object) x)
        : pipe(placed.node(), id, join).<Object>map(x -> x).recover(err -> {
          if (closed || bridged || System.currentTimeMillis() > deadline) {
            return Future.failedFuture(err);
          }
          log.info("inspection {}: {}; trying again", id, err.getMessage());
          return io.vertx.core.Vertx.currentContext().owner().timer(500)
              .compose(t -> enter(id, wanted, actor, join, startedAt, deadline));
        }));
  }

  /** The call runs on {@code node}: this socket is bridged there, where the join is handled as if it came in there. */
  private Future<?> pipe(String node, String id, Join join) {
    if (bridged || bridge == null) {
      return Future.failedFuture(Bridge.moved());
    }
    JsonObject message = new JsonObject().put("type", "join").put("inspectionId", join.inspectionId())
        .put("resume", join.resume());
    return bridge.attach(this, node, id, message).onSuccess(p -> {
      if (closed) {
        p.closed(1006, null);
      } else {
        pipe = p;
      }
    });
  }

  private Future<?> seat(Call target, String id, Role wanted, String actor, Join join, long startedAt) {
    return target.join(wanted, this, actor, join.resume()).map(joined -> {
      call = target;
      role = wanted;
      send(joined);
      if (wanted == Role.APPLICANT) {
        photos.resendPending(target).onFailure(err -> log.warn("inspection {}: photo requests not sent again: {}",
            id, err.getMessage()));
      }
      log.info("inspection {}: {} seated, joined sent {} µs after join", id, wanted.wire(),
          (System.nanoTime() - startedAt) / 1000);
      return joined;
    });
  }

  private Future<?> location(Location fix, long now) {
    if (role != Role.APPLICANT) {
      return Future.failedFuture(Problem.forbidden("only the applicant sends location fixes"));
    }
    Call current = call;
    return recheck(now).onSuccess(ok -> {
      if (!closed) {
        current.location(fix.lat(), fix.lng(), fix.accuracy(), fix.timestamp());
      }
    });
  }

  private Future<?> note(Note note, long now) {
    if (role != Role.INSPECTOR) {
      return Future.failedFuture(Problem.forbidden("only the inspector notes findings"));
    }
    Call current = call;
    return recheck(now).compose(ok -> closed
        ? Future.failedFuture(Problem.conflict("gone", "the connection closed"))
        : current.note(staff.actor(), note.text()));
  }

  /**
   * The inspector asks the phone for sharper, slower video or back to smooth (PROTOCOL.md `video-mode`). What the
   * recording shows changes with it, so it goes on the trail as media.event {kind: "video.mode", mode}.
   */
  private Future<?> videoMode(VideoMode ask) {
    if (role != Role.INSPECTOR) {
      return Future.failedFuture(Problem.forbidden("only the inspector chooses how the video is sent"));
    }
    call.send(Role.APPLICANT, new JsonObject().put("type", "video-mode").put("mode", ask.mode()));
    call.event("video.mode", new JsonObject().put("role", role.wire()).put("mode", ask.mode()));
    return Future.succeededFuture();
  }

  /**
   * The inspector's page moves the call to audio and stills or back (PROTOCOL.md `video-fallback`); relayed to the
   * phone. Engaging and releasing change what is recorded: on the trail as media.event
   * {kind: "video.fallback.engaged" | "video.fallback.released", fps}; probes are not.
   */
  private Future<?> videoFallback(VideoFallback fallback) {
    if (role != Role.INSPECTOR) {
      return Future.failedFuture(Problem.forbidden("only the inspector's page decides the video fallback"));
    }
    call.send(Role.APPLICANT, new JsonObject().put("type", "video-fallback").put("state", fallback.state()));
    if ("engaged".equals(fallback.state()) || "released".equals(fallback.state())) {
      call.event("video.fallback." + fallback.state(), new JsonObject().put("role", role.wire())
          .put("fps", fallback.fps()));
    }
    return Future.succeededFuture();
  }

  private Future<?> photoRequest(PhotoRequest ask, long now) {
    if (role != Role.INSPECTOR) {
      return Future.failedFuture(Problem.forbidden("only the inspector asks for photos"));
    }
    Call current = call;
    return recheck(now).compose(ok -> closed
        ? Future.failedFuture(Problem.conflict("gone", "the connection closed"))
        : photos.request(current, staff.actor(), ask.itemId()).onSuccess(this::send));
  }

  /**
   * The credential this connection was opened with stopped working: tell the client why, give up the seat
   * (no grace period: the same credential cannot come back) and close with {@link #REVOKED}.
   */
  void revoke(String code, String message) {
    if (closed) {
      return;
    }
    log.info("ws {}: closing, {}", address, code);
    send(Protocol.error(code, message, null));
    revokedCode = code;
    if (call != null) {
      call.remove(role, this, code, REVOKED);
    } else {
      close(REVOKED, code);
    }
  }

  /** Maps a failure to an error message; forbidding ones also close the socket. */
  private void fail(Throwable err, String ref) {
    if (err instanceof Problem p) {
      switch (p.code()) {
        case "session_ended", "invite_revoked", "invite_expired" -> {
          revoke(p.code(), p.getMessage());
          return;
        }
        default -> {
        }
      }
      send(Protocol.error(p.code(), p.getMessage(), ref));
      switch (p.code()) {
        case "forbidden", "not_found" -> close((short) 4403, "forbidden");
        case "seat_taken" -> close((short) 4409, "seat taken");
        case "inspection_closed" -> close((short) 4410, "inspection closed");
        default -> {
        }
      }
    } else if (err instanceof RedisUnavailableException) {
      send(Protocol.error("unavailable", "the server's store is unavailable; try again in a moment", ref));
    } else if (err instanceof MediaException) {
      send(Protocol.error("media_failed", err.getMessage(), ref));
    } else {
      String incident = UUID.randomUUID().toString().substring(0, 8);
      log.error("ws {}: incident {} handling '{}'", address, incident, ref, err);
      send(Protocol.error("internal", "something went wrong on the server (incident " + incident + ")", ref));
    }
  }

  void onClose(int code) {
    closed = true;
    if (pipe != null) {
      pipe.closed(code, revokedCode);
    }
    if (call != null) {
      call.disconnected(role, this, code);
    }
  }

  @Override
  public void send(JsonObject message) {
    sendRaw(message.encode());
  }

  /** Writes a message as it is (one the owner node sent for this socket). */
  void sendRaw(String text) {
    if (!closed) {
      socket.write(text);
    }
  }

  @Override
  public void close(short code, String reason) {
    if (!closed) {
      closed = true;
      socket.close(code, reason);
    }
  }

  @Override
  public String remoteAddress() {
    return address;
  }

  @Override
  public String userAgent() {
    return userAgent;
  }
}
