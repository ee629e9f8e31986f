package io.kanyan.signaling.http;

import static io.kanyan.signaling.http.Api.body;
import static io.kanyan.signaling.http.Api.respond;

import io.kanyan.recorder.audit.CaseFile;
import io.kanyan.signaling.Problem;
import io.kanyan.signaling.inspection.Inspections;
import io.kanyan.signaling.inspection.Prechecks;
import io.kanyan.signaling.media.Media;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The applicant's pre-call check (js/precheck.js): the STUN/TURN servers to try before joining, and the check's
 * result for the trail ({@code precheck.done}). Both are authorised by the invite header.
 */
public final class PrecheckResource implements Api.Resource {

  static final List<String> CAMERA = List.of("ok", "denied", "no-device", "no-frames", "failed");
  static final List<String> MICROPHONE = List.of("ok", "denied", "no-device", "failed");
  static final List<String> LOCATION = List.of("ok", "denied", "unavailable", "unsupported");
  static final List<String> CANDIDATES = List.of("host", "srflx", "relay");
  static final List<String> IN_APP = List.of("wechat", "qq", "alipay", "weibo", "dingtalk", "douyin", "other");

  private final Inspections inspections;
  private final Prechecks prechecks;
  private final Media media;
  private final PerMinute rate = new PerMinute(InspectionsResource.OPENS_PER_MINUTE);

  public PrecheckResource(Inspections inspections, Prechecks prechecks, Media media) {
    this.inspections = inspections;
    this.prechecks = prechecks;
    this.media = media;
  }

  @Override
  public void mount(Router api) {
    api.get("/invite/ice").handler(respond(this::ice));
    // The invite is checked on a route of its own before the body is read (Vert.x Web runs a body handler only
    // first on its route): a request without a valid invite never has its body read.
    api.post("/invite/precheck").handler(InviteGate.first(inspections::forInvite));
    api.post("/invite/precheck").handler(Api.jsonBody()).handler(respond(this::done));
  }

  /** The ice servers the call will use (TURN credentials minted for this inspection, as in {@code joined}). */
  private Future<JsonObject> ice(RoutingContext ctx) {
    if (!rate.allow(Api.clientAddress(ctx.request()))) {
      return Future.failedFuture(new Problem(Problem.Kind.TOO_MANY, "too_many_requests",
          "this link was opened too often from your network in the last minute; wait a minute and reload"));
    }
    return inspections.forInvite(ctx.request().getHeader(InspectionsResource.INVITE_HEADER))
        .map(file -> new JsonObject().put("iceServers", media.iceServersFor(file.id())));
  }

  private Future<JsonObject> done(RoutingContext ctx) {
    CaseFile file = InviteGate.inspection(ctx);
    JsonObject result = result(body(ctx));
    return prechecks.done(file.id(), result)
        .map(recorded -> new JsonObject().put("passed", result.getBoolean("passed")).put("recorded", recorded));
  }

  /** The result as it goes on the trail: only known words and numbers; {@code passed} is decided here. */
  static JsonObject result(JsonObject in) {
    String camera = word(in, "camera", CAMERA);
    String microphone = word(in, "microphone", MICROPHONE);
    String location = word(in, "location", LOCATION);
    Object list = in.getValue("candidates");
    if (!(list instanceof JsonArray array)) {
      throw Problem.badRequest("bad_precheck", "candidates must be a list of host, srflx, relay");
    }
    Set<String> found = new LinkedHashSet<>();
    for (Object type : array) {
      if (!CANDIDATES.contains(type)) {
        throw Problem.badRequest("bad_precheck", "candidates must be a list of host, srflx, relay");
      }
      found.add((String) type);
    }
    JsonObject out = new JsonObject()
        .put("camera", camera)
        .put("microphone", microphone)
        .put("location", location)
        .put("accuracy", number(in, "accuracy", 1_000_000))
        .put("rttMs", number(in, "rttMs", 600_000))
        .put("candidates", new JsonArray(List.copyOf(found)));
    Object inApp = in.getValue("inApp");
    if (inApp != null) {
      out.put("inApp", word(in, "inApp", IN_APP));
    }
    boolean passed = "ok".equals(camera) && "ok".equals(microphone) && "ok".equals(location) && !found.isEmpty()
        && out.getValue("rttMs") != null;
    return out.put("passed", passed);
  }

  private static String word(JsonObject in, String field, List<String> allowed) {
    Object v = in.getValue(field);
    if (!(v instanceof String s) || !allowed.contains(s)) {
      throw Problem.badRequest("bad_precheck", field + " must be one of " + String.join(", ", allowed));
    }
    return s;
  }

  /** A whole non-negative number below {@code max}, or null when the check found none. */
  private static Long number(JsonObject in, String field, long max) {
    Object v = in.getValue(field);
    if (v == null) {
      return null;
    }
    if (!(v instanceof Number n) || n.doubleValue() < 0 || n.doubleValue() >= max) {
      throw Problem.badRequest("bad_precheck", field + " must be a number from 0 to " + max + ", or null");
    }
    return Math.round(n.doubleValue());
  }
}
