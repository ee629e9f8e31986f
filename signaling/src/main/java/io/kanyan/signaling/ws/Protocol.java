package io.kanyan.signaling.ws;

import io.kanyan.signaling.Problem;
import io.kanyan.signaling.inspection.PhotoRequests;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.Set;
import java.util.TreeSet;

/**
 * Every signaling message name and shape, in one place (documented in {@code signaling/PROTOCOL.md}).
 * Client messages are parsed into records; server messages are built by the factories below.
 */
public final class Protocol {

  private Protocol() {
  }

  /** The largest message, in UTF-8 bytes, however it is fragmented ({@link FrameAssembler} closes with 1009). */
  public static final int MAX_MESSAGE_BYTES = 64 * 1024;

  /** A message a browser sends. */
  public sealed interface ClientMessage permits Join, Offer, Answer, Ice, Location, Note, Leave, Ping,
      PhotoRequest, PhotoStatus, ConnectionState, VideoMode, VideoFallback {
  }

  /** Take a seat; {@code inspectionId} for staff, {@code resume} to take back a seat after a drop. */
  public record Join(String inspectionId, String resume) implements ClientMessage {
  }

  public record Offer(String sdp) implements ClientMessage {
  }

  public record Answer(String sdp) implements ClientMessage {
  }

  /** One trickled ICE candidate, as the browser's RTCIceCandidate JSON. */
  public record Ice(JsonObject candidate) implements ClientMessage {
  }

  public record Location(double lat, double lng, Double accuracy, Long timestamp) implements ClientMessage {
  }

  public record Note(String text) implements ClientMessage {
  }

  public record Leave() implements ClientMessage {
  }

  public record Ping() implements ClientMessage {
  }

  /** The inspector asks the applicant's phone for a full-resolution photo, for a checklist item or none. */
  public record PhotoRequest(String itemId) implements ClientMessage {
  }

  /**
   * The browser's media connection was interrupted or has recovered (peer-to-peer mode, where the server does not
   * see it); {@code downMs} and {@code restarts} come with {@code recovered}.
   */
  public record ConnectionState(String state, String cause, Long downMs, Integer restarts) implements ClientMessage {
  }

  /** The phone's progress on a photo request; {@code code} says why it failed, when it did. */
  public record PhotoStatus(String requestId, String state, String code) implements ClientMessage {
  }

  /** The inspector asks the phone for {@code sharp} video (higher resolution, lower frame rate) or {@code smooth}. */
  public record VideoMode(String mode) implements ClientMessage {
  }

  /**
   * The inspector's page judged the video against its floor: {@code engaged} (audio and stills only), {@code probing}
   * (the phone tries video again), {@code held} (the probe found it still too weak), {@code released} (video back);
   * {@code fps} is the frame rate it saw.
   */
  public record VideoFallback(String state, Double fps) implements ClientMessage {
  }

  /** The video modes of {@link VideoMode} and the states of {@link VideoFallback}. */
  public static final Set<String> VIDEO_MODES = Set.of("smooth", "sharp");
  public static final Set<String> FALLBACK_STATES = Set.of("engaged", "probing", "held", "released");

  /**
   * Parses one text frame.
   *
   * @throws Problem {@code bad_json}, {@code unknown_type} or {@code missing_field}
   */
  public static ClientMessage parse(String text) {
    JsonObject json;
    try {
      json = new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      throw Problem.badRequest("bad_json", "the message is not a JSON object");
    }
    Object type = json.getValue("type");
    if (!(type instanceof String name)) {
      throw Problem.badRequest("unknown_type", "the message has no 'type'");
    }
    return switch (name) {
      case "join" -> new Join(optionalString(json, "inspectionId"), optionalString(json, "resume"));
      case "offer" -> new Offer(sdp(json));
      case "answer" -> new Answer(sdp(json));
      case "ice" -> new Ice(candidate(json));
      case "location" -> location(json);
      case "note" -> new Note(note(json));
      case "leave" -> new Leave();
      case "ping" -> new Ping();
      case "photo-request" -> new PhotoRequest(optionalString(json, "itemId"));
      case "photo-status" -> photoStatus(json);
      case "connection" -> connectionState(json);
      case "video-mode" -> new VideoMode(oneOf(json, "mode", VIDEO_MODES));
      case "video-fallback" -> new VideoFallback(oneOf(json, "state", FALLBACK_STATES),
          json.getValue("fps") instanceof Number n && n.doubleValue() >= 0 && n.doubleValue() < 1000
              ? Math.round(n.doubleValue() * 10) / 10.0 : null);
      default -> throw new Problem(Problem.Kind.BAD_REQUEST, "unknown_type",
          "unknown message type '" + abbreviate(name) + "'");
    };
  }

  /** The {@code type} of a frame, when it has one, for error references. */
  public static String typeOf(String text) {
    try {
      Object type = new JsonObject(text).getValue("type");
      return type instanceof String s ? abbreviate(s) : null;
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static String sdp(JsonObject json) {
    Object v = json.getValue("sdp");
    if (!(v instanceof String s) || !s.startsWith("v=0")) {
      throw missing("sdp", "an SDP text starting with v=0");
    }
    return s;
  }

  private static JsonObject candidate(JsonObject json) {
    Object v = json.getValue("candidate");
    if (!(v instanceof JsonObject c) || !(c.getValue("candidate") instanceof String)) {
      throw missing("candidate", "an object with a 'candidate' string, 'sdpMid' and 'sdpMLineIndex'");
    }
    JsonObject clean = new JsonObject().put("candidate", c.getString("candidate"));
    if (c.getValue("sdpMid") instanceof String mid) {
      clean.put("sdpMid", mid);
    }
    if (c.getValue("sdpMLineIndex") instanceof Number index) {
      clean.put("sdpMLineIndex", index.intValue());
    }
    return clean;
  }

  private static Location location(JsonObject json) {
    if (!(json.getValue("lat") instanceof Number lat) || Math.abs(lat.doubleValue()) > 90) {
      throw missing("lat", "a latitude in degrees");
    }
    if (!(json.getValue("lng") instanceof Number lng) || Math.abs(lng.doubleValue()) > 180) {
      throw missing("lng", "a longitude in degrees");
    }
    Double accuracy = json.getValue("accuracy") instanceof Number a ? a.doubleValue() : null;
    Long timestamp = json.getValue("timestamp") instanceof Number t ? t.longValue() : null;
    return new Location(lat.doubleValue(), lng.doubleValue(), accuracy, timestamp);
  }

  private static String oneOf(JsonObject json, String field, Set<String> allowed) {
    if (!(json.getValue(field) instanceof String v) || !allowed.contains(v)) {
      throw missing(field, "one of " + String.join(", ", new TreeSet<>(allowed)));
    }
    return v;
  }

  private static ConnectionState connectionState(JsonObject json) {
    Object state = json.getValue("state");
    if (!"interrupted".equals(state) && !"recovered".equals(state)) {
      throw missing("state", "'interrupted' or 'recovered'");
    }
    Long downMs = json.getValue("downMs") instanceof Number n && n.longValue() >= 0 ? n.longValue() : null;
    Integer restarts = json.getValue("restarts") instanceof Number n && n.intValue() >= 0 ? n.intValue() : null;
    String cause = json.getValue("cause") instanceof String c && c.matches("[a-z-]{1,40}") ? c : null;
    return new ConnectionState((String) state, cause, downMs, restarts);
  }

  private static PhotoStatus photoStatus(JsonObject json) {
    if (!(json.getValue("requestId") instanceof String id) || !id.matches("[0-9a-f-]{36}")) {
      throw missing("requestId", "the id of the photo request");
    }
    if (!(json.getValue("state") instanceof String state) || !PhotoRequests.STATES.contains(state)) {
      throw missing("state", "one of " + String.join(", ", new java.util.TreeSet<>(PhotoRequests.STATES)));
    }
    String code = optionalString(json, "code");
    if (code != null && !code.matches("[a-z_]{1,40}")) {
      throw missing("code", "a lowercase error code");
    }
    return new PhotoStatus(id, state, code);
  }

  private static String note(JsonObject json) {
    Object v = json.getValue("text");
    if (!(v instanceof String s) || s.isBlank() || s.length() > 4000) {
      throw missing("text", "the note's text, at most 4000 characters");
    }
    return s.trim();
  }

  private static String optionalString(JsonObject json, String field) {
    Object v = json.getValue(field);
    if (v != null && !(v instanceof String)) {
      throw missing(field, "a string");
    }
    return (String) v;
  }

  private static Problem missing(String field, String what) {
    return Problem.badRequest("missing_field", "'" + field + "' must be " + what);
  }

  private static String abbreviate(String s) {
    return s.length() > 40 ? s.substring(0, 40) + "…" : s;
  }

  // --- server → client ---

  public static JsonObject error(String code, String message, String ref) {
    JsonObject json = new JsonObject().put("type", "error").put("code", code).put("message", message);
    if (ref != null) {
      json.put("ref", ref);
    }
    return json;
  }

  public static JsonObject pong() {
    return new JsonObject().put("type", "pong");
  }
}
