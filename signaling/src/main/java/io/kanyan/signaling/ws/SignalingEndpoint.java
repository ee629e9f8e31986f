package io.kanyan.signaling.ws;

import io.kanyan.signaling.Config;
import io.kanyan.signaling.Problem;
import io.kanyan.signaling.auth.Accounts;
import io.kanyan.signaling.auth.Invites;
import io.kanyan.signaling.auth.Principal;
import io.kanyan.signaling.auth.Revocations;
import io.kanyan.signaling.http.Api;
import io.kanyan.signaling.inspection.Calls;
import io.kanyan.signaling.inspection.Inspections;
import io.kanyan.signaling.inspection.PhotoRequests;
import io.kanyan.recorder.audit.CaseFile;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.net.URI;
import java.time.Clock;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one signaling WebSocket, {@code /ws}: checks the Origin and authenticates (staff session cookie or
 * applicant invite) before the upgrade, then hands each socket to a {@link Connection}, its frames put together
 * by a {@link FrameAssembler} (size limit 1009, UTF-8 1007). Idle sockets are swept here, and the live
 * connections are kept by the credential they were opened with, so that a revocation (logout, a disabled
 * account, a re-issued or cancelled invite; see {@link Revocations}) closes them at once.
 */
public final class SignalingEndpoint implements Bridge.Host {

  private static final Logger log = LoggerFactory.getLogger(SignalingEndpoint.class);

  private final Vertx vertx;
  private final Config config;
  private final Accounts accounts;
  private final Invites invites;
  private final Inspections inspections;
  private final Calls calls;
  private final PhotoRequests photos;
  private final Revocations revocations;
  private final Clock clock;
  private final Set<Connection> open = new HashSet<>();
  private final Map<String, Set<Connection>> byCredential = new HashMap<>();
  private RelayTimer relays = RelayTimer.NONE;
  private Bridge bridge;

  public SignalingEndpoint(Vertx vertx, Config config, Accounts accounts, Invites invites, Inspections inspections,
      Calls calls, Revocations revocations, Clock clock) {
    this.vertx = vertx;
    this.config = config;
    this.accounts = accounts;
    this.invites = invites;
    this.inspections = inspections;
    this.calls = calls;
    this.photos = new PhotoRequests(inspections.trailStore(), calls, inspections.checklists(), clock);
    this.revocations = revocations;
    this.clock = clock;
  }

  /**
   * Calls that run elsewhere (another node, or another event loop of this node): sockets are bridged there over
   * {@code bus}, and calls of this endpoint's own take sockets bridged from there (see {@link Bridge}). Call before
   * {@link #mount}, on the context the endpoint's calls live on.
   */
  public void bridge(BridgeBus bus, java.time.Duration lease) {
    this.bridge = new Bridge(vertx, bus, calls, clock, this, lease);
  }

  /** Times the handling of every message of the connections opened from now on (the metrics). */
  public void timeRelays(RelayTimer relays) {
    this.relays = relays;
  }

  /**
   * Mounts {@code /ws} for this endpoint alone, listens for revocations and starts the idle sweep: the node takes
   * connections on one event loop. Call on that loop's context.
   */
  public void mount(Router router) {
    router.get("/ws").handler(this::handshake);
    start();
  }

  /**
   * Mounts {@code /ws} for a node that takes connections on several event loops: each handshake is taken by the
   * endpoint of the loop its connection came in on ({@link #serveHere} with the same {@code key}), so that a socket
   * and its {@link Connection} live on one loop.
   */
  public static void mountPerLoop(Router router, String key) {
    router.get("/ws").handler(ctx -> {
      SignalingEndpoint here = io.vertx.core.Vertx.currentContext().get(key);
      if (here == null) {
        Api.fail(ctx, new Problem(Problem.Kind.UNAVAILABLE, "unavailable", "the server is starting; try again"));
        return;
      }
      here.handshake(ctx);
    });
  }

  /** Takes the handshakes that come in on this event loop ({@link #mountPerLoop}); call on the loop's context. */
  public void serveHere(String key) {
    vertx.getOrCreateContext().put(key, this);
    start();
  }

  /** Listens for revocations and sweeps idle sockets, on the context this is called on. */
  private void start() {
    revocations.subscribe(this::revoked);
    long every = Math.max(1000, Math.min(5000, config.wsIdle().toMillis() / 3));
    vertx.setPeriodic(every, t -> sweepIdle());
  }

  private void revoked(Revocations.Revoked r) {
    Set<Connection> affected = byCredential.get(Credential.key(r));
    if (affected == null) {
      return;
    }
    String message = switch (r.code()) {
      case "account_disabled" -> "your account was disabled by an administrator";
      case "invite_revoked" -> "this invitation link was replaced or cancelled; ask the inspector for the current link";
      default -> "you were logged out; log in again";
    };
    for (Connection conn : List.copyOf(affected)) {
      conn.revoke(r.code(), message);
    }
  }

  public int openConnections() {
    return open.size();
  }

  private void handshake(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    if (!originAllowed(req)) {
      Api.problem(ctx, new Problem(Problem.Kind.FORBIDDEN, "bad_origin",
          "this page's origin may not open the signaling connection"));
      return;
    }
    // Authentication is asynchronous: the request must stay unread until the upgrade.
    req.pause();
    String invite = req.getParam("invite");
    Future<Identity> identity = invite != null ? applicant(invite) : staff(ctx);
    identity.onFailure(err -> Api.fail(ctx, err)).onSuccess(who -> upgrade(ctx, who));
  }

  private void upgrade(RoutingContext ctx, Identity who) {
    HttpServerRequest req = ctx.request();
    Future<ServerWebSocket> upgraded;
    try {
      upgraded = req.toWebSocket();
    } catch (RuntimeException e) {
      upgraded = Future.failedFuture(e);
    }
    upgraded.onSuccess(socket -> accept(socket, who, req))
        .onFailure(err -> {
          log.warn("ws: upgrade failed: {}", err.getMessage());
          Api.fail(ctx, Problem.badRequest("bad_upgrade", "this address only takes WebSocket connections"));
        });
  }

  private record Identity(Principal staff, String inspectionId, Credential credential) {
  }

  private Future<Identity> applicant(String token) {
    return inspections.forInvite(token).map((CaseFile f) ->
        new Identity(null, f.id(), Credential.invite(inspections, invites, token, f.id())));
  }

  private Future<Identity> staff(RoutingContext ctx) {
    String token = Api.sessionToken(ctx);
    return accounts.session(token).compose((Optional<Principal> p) -> p.isPresent()
        ? Future.succeededFuture(new Identity(p.get(), null, Credential.staff(accounts, token, p.get())))
        : Future.failedFuture(Problem.unauthorized("not_logged_in", "log in first, or open your invitation link again")));
  }

  private void accept(ServerWebSocket socket, Identity who, HttpServerRequest req) {
    String address = Api.clientAddress(req);
    String agent = Optional.ofNullable(req.getHeader("User-Agent")).map(a -> a.length() > 300 ? a.substring(0, 300) : a)
        .orElse("");
    Connection conn = new Connection(Wire.of(socket), who.staff(), who.inspectionId(), who.credential(), inspections,
        calls, photos, config.wsRate(), address, agent, clock.millis(), bridge, false);
    conn.timeRelays(relays);
    open.add(conn);
    register(conn);
    socket.frameHandler(new FrameAssembler(new FrameAssembler.Sink() {
      @Override
      public void text(String message) {
        conn.onText(message, clock.millis());
      }

      @Override
      public void binary() {
        conn.send(Protocol.error("bad_json", "send JSON text frames, not binary", null));
      }

      @Override
      public void close(short code, String reason) {
        log.warn("ws {}: {}, closing with {}", address, reason, code);
        conn.close(code, reason);
      }
    }, Protocol.MAX_MESSAGE_BYTES));
    socket.exceptionHandler(err -> {
      log.debug("ws {}: {}", address, err.getMessage());
      if (err instanceof CorruptedWebSocketFrameException bad) {
        // The transport refused a frame (over its size limit, or malformed); Vert.x then drops the connection.
        // Say why first: the close frame is written before the connection goes.
        short code = (short) bad.closeStatus().code();
        conn.close(code, code == 1009 ? "message too big: the limit is " + (Protocol.MAX_MESSAGE_BYTES / 1024) + " KiB"
            : "protocol error");
      }
    });
    socket.closeHandler(v -> {
      open.remove(conn);
      forget(conn);
      Short status = socket.closeStatusCode();
      conn.onClose(status == null ? 1006 : status);
    });
  }

  private void register(Connection conn) {
    for (String key : conn.credential().keys()) {
      byCredential.computeIfAbsent(key, k -> new HashSet<>()).add(conn);
    }
  }

  @Override
  public void forget(Connection conn) {
    for (String key : conn.credential().keys()) {
      Set<Connection> set = byCredential.get(key);
      if (set != null && set.remove(conn) && set.isEmpty()) {
        byCredential.remove(key);
      }
    }
  }

  /**
   * A socket on another node whose call runs here: authenticated again from its credential, as at the handshake,
   * and kept for revocations; its idle time is watched on its own node.
   */
  @Override
  public Future<Connection> connect(io.vertx.core.json.JsonObject credential, Wire wire, String address,
      String userAgent) {
    String token = credential.getString("token");
    if (token == null) {
      return Future.failedFuture(Problem.unauthorized("not_logged_in", "no credential"));
    }
    Future<Identity> who = "invite".equals(credential.getString("kind")) ? applicant(token)
        : accounts.session(token).compose((Optional<Principal> p) -> p.isPresent()
            ? Future.succeededFuture(new Identity(p.get(), null, Credential.staff(accounts, token, p.get())))
            : Future.failedFuture(Problem.unauthorized("not_logged_in", "log in first")));
    return who.map(id -> {
      Connection conn = new Connection(wire, id.staff(), id.inspectionId(), id.credential(), inspections, calls, photos,
          config.wsRate(), address, userAgent, clock.millis(), bridge, true);
      // The messages of a bridged socket are handled (and timed) here, where its call runs.
      conn.timeRelays(relays);
      register(conn);
      return conn;
    });
  }

  private void sweepIdle() {
    long cutoff = clock.millis() - config.wsIdle().toMillis();
    for (Connection conn : List.copyOf(open)) {
      if (conn.lastSeen() < cutoff) {
        conn.close((short) 1001, "idle: no message for " + config.wsIdle().toSeconds() + "s");
      }
    }
  }

  /**
   * Browsers always send Origin on a WebSocket handshake: it must be this server's own origin (as the
   * browser reached it), the configured public URL, or one of the allowed origins. Non-browser clients
   * that send no Origin are let through to authentication.
   */
  private boolean originAllowed(HttpServerRequest req) {
    String origin = req.getHeader("Origin");
    if (origin == null) {
      return true;
    }
    String own = (req.isSSL() ? "https://" : "http://") + Api.authority(req);
    if (origin.equalsIgnoreCase(own)) {
      return true;
    }
    if (config.publicUrl() != null && origin.equalsIgnoreCase(originOf(config.publicUrl()))) {
      return true;
    }
    return config.allowedOrigins().stream().anyMatch(origin::equalsIgnoreCase);
  }

  private static String originOf(String url) {
    URI u = URI.create(url);
    return u.getScheme() + "://" + u.getRawAuthority();
  }
}
