package io.kanyan.signaling.media.kurento;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A test double of Kurento Media Server 7.3's JSON-RPC interface, faithful to the frames in
 * {@code /work/shared/kurento-transcripts}: sessions (first request creates one; {@code connect{sessionId}}
 * resumes it; an unknown session on {@code connect} is 40007; any other request adopts the session id it carries),
 * object ids, results with {@code sessionId}, {@code onEvent} notifications with {@code timestampMillis} as a string,
 * each ICE candidate twice (sdpMid "0" and "1"), {@code stopAndWait} ending with UriEndpointStateChanged STOP and
 * Stopped, and the error codes KMS gives. Object lifetime follows KMS's MediaSet (kms-core {@code MediaSet.cpp}): each
 * object is referenced by the session that created it and by every session that invoked, subscribed to or described
 * it (with its pipeline); a closed socket releases nothing; {@code closeSession} and the garbage collector unreference
 * a session's objects, and an object no session references is released; {@code release} releases it for all.
 * {@code connect} replaces the sink's previous source, as KMS's {@code MediaElementImpl::connect} does.
 *
 * <p>Test controls: {@link #flowOut} (a browser's media reaches its endpoint), {@link #kill()} (kill -9: sockets
 * closed without a close frame, port refusing), {@link #restart()} (new serverId, no objects), {@link #dropSockets()}
 * (KMS alive, sockets dropped), {@link #stall} (SIGSTOP: sockets stay open, nothing is answered for a while, then
 * everything held is answered in order on the same sessions, same serverId), {@link #objectCount()},
 * {@link #requests()}, {@link #collectGarbage()} (KMS's session garbage collector has run: the objects of sessions
 * without a connection are released unless another session references them). {@link #serverId()} is per process (the {@code connect} result carries it), so "the same media
 * server came back" can be told from a restart. A RecorderEndpoint that recorded
 * writes a real WebM ({@code recordingFixture}) to its {@code file://} URI on stop.
 */
public final class FakeKms {

  static final String MANAGER = "manager_ServerManager";

  private static final Map<String, List<String>> HIERARCHY = Map.of(
      "MediaPipeline", List.of("kurento.MediaObject"),
      "WebRtcEndpoint", List.of("kurento.BaseRtpEndpoint", "kurento.SdpEndpoint", "kurento.SessionEndpoint",
          "kurento.Endpoint", "kurento.MediaElement", "kurento.MediaObject"),
      "RecorderEndpoint", List.of("kurento.UriEndpoint", "kurento.Endpoint", "kurento.MediaElement", "kurento.MediaObject"),
      "PassThrough", List.of("kurento.Filter", "kurento.MediaElement", "kurento.MediaObject"),
      "PlayerEndpoint", List.of("kurento.UriEndpoint", "kurento.Endpoint", "kurento.MediaElement", "kurento.MediaObject"),
      "ServerManager", List.of("kurento.MediaObject"));
  private static final Set<String> COMMON_EVENTS = Set.of("Error", "ElementConnected", "ElementDisconnected",
      "MediaFlowOutStateChanged", "MediaFlowInStateChanged", "MediaTranscodingStateChanged");
  private static final Map<String, Set<String>> EVENTS = Map.of(
      "WebRtcEndpoint", Set.of("IceCandidateFound", "IceGatheringDone", "IceComponentStateChanged",
          "NewCandidatePairSelected", "ConnectionStateChanged", "MediaStateChanged", "DtlsConnectionStateChange",
          "MediaSessionStarted", "MediaSessionTerminated", "DataChannelOpened", "DataChannelClosed"),
      "RecorderEndpoint", Set.of("Recording", "Paused", "Stopped", "UriEndpointStateChanged"),
      "MediaPipeline", Set.of("Error"),
      "PlayerEndpoint", Set.of("EndOfStream", "UriEndpointStateChanged"),
      "ServerManager", Set.of("ObjectCreated", "ObjectDestroyed"));
  private static final Set<String> PROFILES = Set.of("WEBM", "MKV", "MP4", "WEBM_VIDEO_ONLY", "WEBM_AUDIO_ONLY",
      "MKV_VIDEO_ONLY", "MKV_AUDIO_ONLY", "MP4_VIDEO_ONLY", "MP4_AUDIO_ONLY", "JPEG_VIDEO_ONLY",
      "KURENTO_SPLIT_RECORDER", "FLV");

  /** One media object. */
  public static final class Obj {
    public final String id;
    final String type;
    final String pipeline;
    final long created = System.currentTimeMillis() / 1000;
    final Map<String, String> tags = new LinkedHashMap<>();
    final List<String> sinks = new ArrayList<>();
    /** The sessions that reference this object (KMS's MediaSet): it is released when none does any more. */
    final Set<String> sessions = ConcurrentHashMap.newKeySet();
    String name;
    String uri;
    boolean negotiated;
    boolean offerGenerated;
    String localSdp;
    boolean recording;
    boolean everRecorded;
    /** A UriEndpoint's state: STOP, START (recording) or PAUSE. */
    String uriState = "STOP";
    String stunAddress = "";
    String turnUrl = "";
    int candidatesAdded;
    final Set<String> flowingOut = ConcurrentHashMap.newKeySet();

    Obj(String id, String type, String pipeline) {
      this.id = id;
      this.type = type;
      this.pipeline = pipeline;
      this.name = id;
    }
  }

  private record Subscription(String id, String sessionId, String object, String type) {
  }

  private final Vertx vertx;
  private final Path recordingFixture;
  private final Map<String, Obj> objects = new ConcurrentHashMap<>();
  private final Map<String, ServerWebSocket> sessions = new ConcurrentHashMap<>();
  private final Map<String, Subscription> subscriptions = new ConcurrentHashMap<>();
  private final List<JsonObject> requests = new CopyOnWriteArrayList<>();
  private final List<ServerWebSocket> connections = new CopyOnWriteArrayList<>();
  private HttpServer server;
  private int port;
  private volatile String serverId = UUID.randomUUID().toString();
  private long sdpVersion = 4004672616L;
  /** While stalled (SIGSTOP), incoming frames and outgoing events wait here, in order. */
  private final List<Runnable> held = new ArrayList<>();
  private volatile boolean stalled;

  public FakeKms(Vertx vertx, Path recordingFixture) {
    this.vertx = vertx;
    this.recordingFixture = recordingFixture;
  }

  /** Starts listening on {@code port} (0 = any free port). */
  public Future<FakeKms> start(int port) {
    server = vertx.createHttpServer(new HttpServerOptions().setPort(port).setHost("127.0.0.1"))
        .requestHandler(request -> {
          if (!request.path().equals("/kurento")) {
            request.response().setStatusCode(404).end();
            return;
          }
          request.toWebSocket().onSuccess(ws -> {
            connections.add(ws);
            String[] session = new String[1];
            ws.textMessageHandler(text -> onFrame(ws, session, text));
            ws.closeHandler(v -> connections.remove(ws));
          });
        });
    return server.listen().map(s -> {
      this.port = s.actualPort();
      return this;
    });
  }

  public String url() {
    return "ws://127.0.0.1:" + port + "/kurento";
  }

  String serverId() {
    return serverId;
  }

  /** kill -9: every socket closes without a close frame and the port refuses connections; all objects are gone. */
  public Future<Void> kill() {
    connections.forEach(FakeKms::dropTcp);
    connections.clear();
    objects.clear();
    sessions.clear();
    subscriptions.clear();
    return server.close();
  }

  /** A fresh KMS process on the same port: new serverId, no sessions, no objects. */
  public Future<FakeKms> restart() {
    serverId = UUID.randomUUID().toString();
    return rebind(50);
  }

  /**
   * Listens again on the same port. The port came from the ephemeral range, so while it was free another socket on
   * this machine may have been given it as its local port (a busy full suite): then wait, as a restarting media
   * server would, and try again.
   */
  private Future<FakeKms> rebind(int tries) {
    return start(port).recover(err -> tries > 1 && err instanceof java.net.BindException
        ? vertx.timer(200).compose(t -> rebind(tries - 1)) : Future.failedFuture(err));
  }

  /**
   * The network between client and KMS goes away for a while (KMS stays up): sockets drop and connections are
   * refused until {@link #reachable()}; sessions, objects and subscriptions survive, events sent meanwhile are lost.
   */
  Future<Void> unreachable() {
    connections.forEach(FakeKms::dropTcp);
    connections.clear();
    return server.close();
  }

  /** Ends {@link #unreachable()}: listens again on the same port, same serverId and state. */
  Future<FakeKms> reachable() {
    return rebind(50);
  }

  /**
   * SIGSTOP for {@code duration}, then SIGCONT: the TCP connections stay open (the kernel keeps accepting bytes),
   * but nothing is read, answered or emitted; afterwards every held request is answered in order on its session,
   * with the same serverId, objects and subscriptions. Call on the double's Vert.x context or the test thread.
   */
  void stall(java.time.Duration duration) {
    synchronized (held) {
      stalled = true;
    }
    vertx.setTimer(Math.max(1, duration.toMillis()), id -> {
      // Held frames are answered in arrival order before anything that arrives meanwhile (it waits for the lock).
      synchronized (held) {
        stalled = false;
        List<Runnable> resumed = new ArrayList<>(held);
        held.clear();
        resumed.forEach(Runnable::run);
      }
    });
  }

  /** Holds {@code work} while stalled; true if it was held. */
  private boolean heldWhileStalled(Runnable work) {
    synchronized (held) {
      if (stalled) {
        held.add(work);
        return true;
      }
      return false;
    }
  }

  /** Only the sockets drop (KMS stays up): sessions, objects and subscriptions survive. */
  void dropSockets() {
    connections.forEach(FakeKms::dropTcp);
    connections.clear();
  }

  /** How many media objects exist (the ServerManager is not counted). */
  int objectCount() {
    return objects.size();
  }

  public List<Obj> objects(String type) {
    return objects.values().stream().filter(o -> o.type.equals(type)).toList();
  }

  Obj object(String id) {
    return objects.get(id);
  }

  /** Every request received, in order, as {@code {method, params}}. */
  public List<JsonObject> requests() {
    return Collections.unmodifiableList(requests);
  }

  void clearRequests() {
    requests.clear();
  }

  /** Simulates a browser's media reaching its WebRtcEndpoint: MediaFlowOutStateChanged FLOWING. */
  public void flowOut(String endpointId, String mediaType) {
    Obj endpoint = objects.get(endpointId);
    if (endpoint != null) {
      endpoint.flowingOut.add(mediaType);
    }
    vertx.runOnContext(v -> emit(endpointId, "MediaFlowOutStateChanged", new JsonObject().put("mediaType", mediaType)
        .put("padName", "default").put("state", "FLOWING")));
  }

  /** Fires a media object's event (e.g. a recorder's {@code Error}) to the sessions subscribed to it. */
  void fire(String objectId, String type, JsonObject data) {
    vertx.runOnContext(v -> emit(objectId, type, data));
  }

  /**
   * Closes the TCP connection without a WebSocket close frame, as the kernel does for a killed process. Vert.x has
   * no public API for that (its close sends a close frame first), so this closes the Netty channel's transport
   * directly, bypassing the pipeline (test code only).
   */
  private static void dropTcp(ServerWebSocket ws) {
    io.netty.channel.Channel channel = ((io.vertx.core.http.impl.WebSocketImplBase<?>) ws).channelHandlerContext().channel();
    channel.eventLoop().execute(() -> channel.unsafe().close(channel.voidPromise()));
  }

  // ---------------------------------------------------------------------------------------------------------

  private void onFrame(ServerWebSocket ws, String[] session, String text) {
    if (heldWhileStalled(() -> process(ws, session, text))) {
      return;
    }
    process(ws, session, text);
  }

  private void process(ServerWebSocket ws, String[] session, String text) {
    Object parsed;
    try {
      parsed = io.vertx.core.json.Json.decodeValue(text);
    } catch (DecodeException e) {
      dropTcp(ws); // KMS drops the connection on a non-JSON frame
      return;
    }
    if (!(parsed instanceof JsonObject msg) || !"2.0".equals(msg.getString("jsonrpc")) || !msg.containsKey("method")
        || (msg.containsKey("params") && !(msg.getValue("params") instanceof JsonObject))) {
      reply(ws, null, null, error(-32600, "Invalid JSON-RPC request.", null));
      return;
    }
    String method = msg.getString("method");
    JsonObject params = msg.getJsonObject("params", new JsonObject());
    Object id = msg.getValue("id");
    requests.add(new JsonObject().put("method", method).put("params", params.copy()));

    if (method.equals("connect")) {
      String wanted = params.getString("sessionId");
      if (wanted != null && !sessions.containsKey(wanted)) {
        reply(ws, id, null, error(40007, "Invalid session", "INVALID_SESSION"));
        return;
      }
      String sessionId = wanted != null ? wanted : session[0] != null ? session[0] : UUID.randomUUID().toString();
      session[0] = sessionId;
      sessions.put(sessionId, ws);
      reply(ws, id, new JsonObject().put("serverId", serverId).put("sessionId", sessionId), null);
      return;
    }
    if (method.equals("ping")) {
      JsonObject result = new JsonObject().put("value", "pong");
      if (params.containsKey("sessionId") || session[0] != null) {
        result.put("sessionId", params.getString("sessionId", session[0]));
      }
      reply(ws, id, result, null);
      return;
    }
    if (method.equals("closeSession")) {
      if (session[0] != null) {
        sessions.remove(session[0]);
        unrefSession(session[0]);
      }
      reply(ws, id, null, null);
      return;
    }
    // Any other request adopts (or creates) a session: KMS accepts even a session id it never issued.
    String sessionId = params.getString("sessionId", session[0] != null ? session[0] : UUID.randomUUID().toString());
    session[0] = sessionId;
    sessions.put(sessionId, ws);
    JsonObject error;
    JsonObject result = new JsonObject().put("sessionId", sessionId);
    try {
      switch (method) {
        case "create" -> result.put("value", create(params, sessionId));
        case "invoke" -> result.put("value", invoke(params, sessionId));
        case "subscribe" -> result.put("value", subscribe(params, sessionId));
        case "unsubscribe" -> subscriptions.remove(params.getString("subscription", ""));
        case "release" -> release(params.getString("object", ""));
        case "describe" -> describe(params, result, sessionId);
        default -> throw new RpcError(-32601, "Method not found.", null);
      }
      reply(ws, id, result, null);
      if (method.equals("invoke")) {
        afterInvoke(params);
      }
    } catch (RpcError e) {
      error = error(e.code, e.getMessage(), e.type);
      reply(ws, id, null, error);
    }
  }

  private static final class RpcError extends RuntimeException {
    final int code;
    final String type;

    RpcError(int code, String message, String type) {
      super(message);
      this.code = code;
      this.type = type;
    }
  }

  private static RpcError notFound(String id) {
    return new RpcError(40101, "Object '" + id + "' not found", "MEDIA_OBJECT_NOT_FOUND");
  }

  private Obj find(String id) {
    Obj obj = objects.get(id);
    if (obj == null) {
      throw notFound(id);
    }
    return obj;
  }

  /** KMS's MediaSet::ref: the session references the object and its pipeline. */
  private Obj ref(String sessionId, Obj obj) {
    obj.sessions.add(sessionId);
    Obj pipeline = objects.get(obj.pipeline);
    if (pipeline != null) {
      pipeline.sessions.add(sessionId);
    }
    return obj;
  }

  /** KMS's MediaSet::unrefSession: the session lets go of its objects; those nobody references are released. */
  private void unrefSession(String sessionId) {
    List<String> orphans = new ArrayList<>();
    for (Obj obj : objects.values()) {
      if (obj.sessions.remove(sessionId) && obj.sessions.isEmpty()) {
        orphans.add(obj.id);
      }
    }
    orphans.forEach(this::release);
    subscriptions.values().removeIf(s -> s.sessionId.equals(sessionId));
  }

  /**
   * KMS's garbage collector (every {@code garbageCollectorPeriod}, 240 s by default) has run twice since the sessions
   * without an open connection last sent anything: those sessions expire, and their objects are released unless another
   * session references them. A session with an open connection is kept alive by KMS's transport. Returns how many
   * sessions expired.
   */
  public int collectGarbage() {
    List<String> expired = sessions.entrySet().stream().filter(e -> e.getValue() == null || e.getValue().isClosed())
        .map(Map.Entry::getKey).toList();
    expired.forEach(id -> {
      sessions.remove(id);
      unrefSession(id);
    });
    return expired.size();
  }

  private String create(JsonObject params, String sessionId) {
    String type = params.getString("type");
    if (type == null) {
      throw new RpcError(-32000, "'type' parameter is required", null);
    }
    if (!HIERARCHY.containsKey(type) || type.equals("ServerManager")) {
      throw new RpcError(40108, "Factory '" + type + "' not found", "MEDIA_OBJECT_NOT_AVAILABLE");
    }
    JsonObject ctor = params.getJsonObject("constructorParams", new JsonObject());
    Obj obj;
    if (type.equals("MediaPipeline")) {
      String id = UUID.randomUUID() + "_kurento.MediaPipeline";
      obj = new Obj(id, type, id);
    } else {
      if (!(ctor.getValue("mediaPipeline") instanceof String pipeline)) {
        throw new RpcError(40001, "'mediaPipeline' parameter should be a string", "MARSHALL_ERROR");
      }
      find(pipeline);
      if (type.equals("RecorderEndpoint") && ctor.containsKey("mediaProfile")
          && !PROFILES.contains(String.valueOf(ctor.getValue("mediaProfile")))) {
        throw new RpcError(40001, "Invalid value for 'MediaProfileSpecType'", "MARSHALL_ERROR");
      }
      obj = new Obj(pipeline + "/" + UUID.randomUUID() + "_kurento." + type, type, pipeline);
      obj.uri = ctor.getValue("uri") == null ? null : String.valueOf(ctor.getValue("uri"));
    }
    objects.put(obj.id, obj);
    ref(sessionId, obj);
    emit(MANAGER, "ObjectCreated", new JsonObject().put("object", obj.id));
    return obj.id;
  }

  private void release(String id) {
    Obj obj = objects.remove(id);
    if (obj == null) {
      return; // releasing an unknown or already released id succeeds
    }
    if (obj.type.equals("MediaPipeline")) {
      objects.values().removeIf(o -> o.pipeline.equals(id));
    }
    subscriptions.values().removeIf(s -> !s.object.equals(MANAGER) && !objects.containsKey(s.object));
    emit(MANAGER, "ObjectDestroyed", new JsonObject().put("objectId", id));
  }

  private void describe(JsonObject params, JsonObject result, String sessionId) {
    String id = params.getString("object", "");
    String type = id.equals(MANAGER) ? "ServerManager" : ref(sessionId, find(id)).type;
    result.put("hierarchy", new JsonArray(HIERARCHY.get(type))).put("qualifiedType", "kurento." + type).put("type", type);
  }

  private String subscribe(JsonObject params, String sessionId) {
    String id = params.getString("object", "");
    String event = params.getString("type", "");
    String type = id.equals(MANAGER) ? "ServerManager" : ref(sessionId, find(id)).type;
    boolean supported = EVENTS.getOrDefault(type, Set.of()).contains(event)
        || (!type.equals("ServerManager") && !type.equals("MediaPipeline") && COMMON_EVENTS.contains(event));
    if (!supported) {
      throw new RpcError(40106, "Event '" + event + "' not supported", "MEDIA_OBJECT_EVENT_NOT_SUPPORTED");
    }
    Subscription subscription = new Subscription(UUID.randomUUID().toString(), sessionId, id, event);
    subscriptions.put(subscription.id, subscription);
    return subscription.id;
  }

  private Object invoke(JsonObject params, String sessionId) {
    String id = params.getString("object");
    String operation = params.getString("operation");
    if (operation == null) {
      throw new RpcError(-32000, "'operation' parameter is required", null);
    }
    JsonObject args = params.getJsonObject("operationParams", new JsonObject());
    if (MANAGER.equals(id)) {
      return switch (operation) {
        case "getPipelines" -> new JsonArray(objects.values().stream().filter(o -> o.type.equals("MediaPipeline"))
            .map(o -> o.id).toList());
        case "getSessions" -> new JsonArray(new ArrayList<>(sessions.keySet()));
        case "getCpuCount" -> 2;
        case "getUsedCpu" -> 0;
        case "getUsedMemory" -> 26168;
        case "getMetadata" -> "";
        case "getInfo" -> new JsonObject().put("__module__", "kurento").put("__type__", "ServerInfo")
            .put("capabilities", new JsonArray().add("transactions")).put("modules", new JsonArray())
            .put("type", "KMS").put("version", "7.3.0");
        default -> throw unknownOperation(operation, args);
      };
    }
    Obj obj = ref(sessionId, find(id));
    switch (operation) {
      case "getName":
        return obj.name;
      case "setName":
        obj.name = args.getString("name");
        return null;
      case "addTag":
        obj.tags.put(args.getString("key"), args.getString("value"));
        return null;
      case "removeTag":
        obj.tags.remove(args.getString("key"));
        return null;
      case "getTag":
        String value = obj.tags.get(args.getString("key"));
        if (value == null) {
          throw new RpcError(40110, "Tag key not found", "MEDIA_OBJECT_TAG_KEY_NOT_FOUND");
        }
        return value;
      case "getTags":
        JsonArray tags = new JsonArray();
        obj.tags.forEach((k, v) -> tags.add(new JsonObject().put("__module__", "kurento").put("__type__", "Tag")
            .put("key", k).put("value", v)));
        return tags;
      case "getCreationTime":
        return obj.created;
      case "getChildren":
        return new JsonArray(objects.values().stream().filter(o -> o.pipeline.equals(id) && !o.id.equals(id))
            .map(o -> o.id).toList());
      case "getParent":
      case "getMediaPipeline":
        return obj.pipeline;
      default:
        break;
    }
    if (obj.type.equals("MediaPipeline")) {
      throw unknownOperation(operation, args);
    }
    switch (operation) {
      case "connect":
        Obj sink = find(args.getString("sink", ""));
        if (!sink.pipeline.equals(obj.pipeline)) {
          throw new RpcError(40004, "Media elements do not share pipeline", "CONNECT_ERROR");
        }
        // A sink has one source (per media type): connecting a new one disconnects the previous one.
        objects.values().forEach(o -> o.sinks.remove(sink.id));
        obj.sinks.add(sink.id);
        return null;
      case "disconnect":
        obj.sinks.remove(args.getString("sink", ""));
        return null;
      case "isMediaFlowingIn":
        return false;
      case "isMediaFlowingOut":
        return obj.flowingOut.contains(args.getString("mediaType", ""));
      default:
        break;
    }
    if (obj.type.equals("WebRtcEndpoint")) {
      switch (operation) {
        case "processOffer":
          if (!(args.getValue("offer") instanceof String offer)) {
            throw new RpcError(40001, "'offer' parameter should be a string", "MARSHALL_ERROR");
          }
          if (offer.isEmpty()) {
            throw new RpcError(40201, "Empty offer not valid", "SDP_PARSE_ERROR");
          }
          if (!offer.startsWith("v=0")) {
            throw new RpcError(40201, "Invalid SDP", "SDP_PARSE_ERROR");
          }
          if (obj.negotiated || obj.offerGenerated) {
            throw new RpcError(40208, "Endpoint already negotiated", "SDP_END_POINT_ALREADY_NEGOTIATED");
          }
          obj.negotiated = true;
          obj.localSdp = FakeSdp.answer(offer, sdpVersion++);
          return obj.localSdp;
        case "generateOffer":
          if (obj.negotiated || obj.offerGenerated) {
            throw new RpcError(40208, "Endpoint already negotiated", "SDP_END_POINT_ALREADY_NEGOTIATED");
          }
          obj.offerGenerated = true;
          obj.localSdp = FakeSdp.offer("VP8");
          return obj.localSdp;
        case "processAnswer":
          if (!obj.offerGenerated) {
            throw new RpcError(40209, "Offer not generated. It is not possible to process an answer.",
                "SDP_END_POINT_NOT_OFFER_GENERATED");
          }
          obj.negotiated = true;
          return obj.localSdp;
        case "getLocalSessionDescriptor":
          return obj.localSdp == null ? "" : obj.localSdp;
        case "addIceCandidate":
          obj.candidatesAdded++;
          return null;
        case "gatherCandidates":
          return null;
        case "setStunServerAddress":
          obj.stunAddress = args.getString("stunServerAddress");
          return null;
        case "setStunServerPort":
          return null;
        case "setTurnUrl":
          obj.turnUrl = args.getString("turnUrl");
          return null;
        case "setMaxVideoRecvBandwidth":
          if (!(args.getValue("maxVideoRecvBandwidth") instanceof Integer)) {
            throw new RpcError(40001, "'maxVideoRecvBandwidth' parameter should be a integer", "MARSHALL_ERROR");
          }
          return null;
        case "getStunServerAddress":
          return obj.stunAddress;
        case "getTurnUrl":
          return obj.turnUrl;
        default:
          throw unknownOperation(operation, args);
      }
    }
    if (obj.type.equals("RecorderEndpoint")) {
      switch (operation) {
        case "record":
          obj.recording = true;
          obj.everRecorded = true;
          obj.uriState = "START";
          return null;
        case "pause":
          obj.recording = false;
          obj.uriState = "PAUSE";
          return null;
        case "getState":
          return obj.uriState;
        case "stop":
        case "stopAndWait":
          boolean was = obj.everRecorded;
          obj.recording = false;
          obj.uriState = "STOP";
          if (was) {
            writeRecording(obj);
            emit(obj.id, "UriEndpointStateChanged", new JsonObject().put("state", "STOP"));
            emit(obj.id, "Stopped", new JsonObject());
          }
          return null;
        default:
          throw unknownOperation(operation, args);
      }
    }
    throw unknownOperation(operation, args);
  }

  /** Events that follow a successful invoke (sent after its result, as seen on the wire). */
  private void afterInvoke(JsonObject params) {
    Obj obj = objects.get(params.getString("object", ""));
    if (obj == null) {
      return;
    }
    switch (params.getString("operation")) {
      case "gatherCandidates" -> {
        for (String candidate : List.of("candidate:1 1 UDP 2015364095 127.0.0.1 48787 typ host",
            "candidate:2 1 TCP 1015022591 127.0.0.1 9 typ host tcptype active")) {
          for (int line = 0; line < 2; line++) {
            emit(obj.id, "IceCandidateFound", new JsonObject().put("candidate", new JsonObject()
                .put("__module__", "kurento").put("__type__", "IceCandidate").put("candidate", candidate)
                .put("sdpMLineIndex", line).put("sdpMid", String.valueOf(line))));
          }
        }
        emit(obj.id, "IceGatheringDone", new JsonObject());
      }
      case "record" -> {
        Path target = obj.uri != null && obj.uri.startsWith("file://") ? Path.of(URI.create(obj.uri)) : null;
        if (target == null || !Files.isDirectory(target.getParent()) || !Files.isWritable(target.getParent())) {
          // As KMS does when GStreamer's filesink cannot open the file (errors.jsonl).
          emit(obj.id, "Error", new JsonObject().put("description", "Error code 6: Could not open file \""
              + obj.uri + "\" for writing.").put("errorCode", 6).put("type", "RESOURCE_ERROR_OPEN"));
          return;
        }
        emit(obj.id, "UriEndpointStateChanged", new JsonObject().put("state", "START"));
        emit(obj.id, "Recording", new JsonObject());
      }
      default -> {
      }
    }
  }

  private void writeRecording(Obj recorder) {
    if (recorder.uri == null || !recorder.uri.startsWith("file://") || recordingFixture == null) {
      return;
    }
    Path target = Path.of(URI.create(recorder.uri));
    try {
      Files.createDirectories(target.getParent());
      Files.copy(recordingFixture, target, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static RpcError unknownOperation(String operation, JsonObject args) {
    return new RpcError(40008, "Method '" + operation + "' with " + args.size() + " parameters not found",
        "MALFORMED_TRANSACTION");
  }

  private void emit(String object, String type, JsonObject data) {
    if (heldWhileStalled(() -> send(object, type, data))) {
      return;
    }
    send(object, type, data);
  }

  private void send(String object, String type, JsonObject data) {
    JsonObject payload = data.copy().put("source", object).put("tags", new JsonArray())
        .put("timestampMillis", String.valueOf(System.currentTimeMillis()));
    if (!type.equals("ObjectCreated") && !type.equals("ObjectDestroyed") && !payload.containsKey("type")) {
      payload.put("type", type); // Error events keep their error type here (INVALID_URI, RESOURCE_ERROR_OPEN…)
    }
    JsonObject frame = new JsonObject().put("jsonrpc", "2.0").put("method", "onEvent").put("params",
        new JsonObject().put("value", new JsonObject().put("data", payload).put("object", object).put("type", type)));
    for (Subscription s : subscriptions.values()) {
      ServerWebSocket ws = sessions.get(s.sessionId);
      // Nothing is queued for a subscriber whose socket is down.
      if (s.object.equals(object) && s.type.equals(type) && ws != null && !ws.isClosed()) {
        ws.writeTextMessage(frame.encode());
      }
    }
  }

  private static JsonObject error(int code, String message, String type) {
    JsonObject error = new JsonObject().put("code", code).put("message", message);
    if (type != null) {
      error.put("data", new JsonObject().put("type", type));
    }
    return error;
  }

  private void reply(ServerWebSocket ws, Object id, JsonObject result, JsonObject error) {
    JsonObject frame = new JsonObject().put("id", id).put("jsonrpc", "2.0");
    if (error != null) {
      frame.put("error", error);
    } else {
      frame.put("result", result);
    }
    if (!ws.isClosed()) {
      ws.writeTextMessage(frame.encode());
    }
  }
}
