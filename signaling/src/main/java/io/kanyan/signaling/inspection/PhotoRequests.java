package io.kanyan.signaling.inspection;

import io.kanyan.recorder.trail.EventType;
import io.kanyan.recorder.trail.Trail;
import io.kanyan.signaling.Problem;
import io.kanyan.signaling.catalog.Checklists;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The inspector's requests for a full-resolution photo from the applicant's phone. A request goes on the trail
 * ({@code photo.requested}: who asked, for which checklist item) before the phone hears of it, so every photo
 * the phone uploads answers a request on the record; the phone's progress and the arrived photo are relayed
 * to the inspector. Keeps nothing itself: used from requests on any event loop, and from the call's own loop.
 */
public final class PhotoRequests {

  /** What the phone may report about a request (relayed to the inspector as {@code photo-status}). */
  public static final Set<String> STATES = Set.of("capturing", "uploading", "retrying", "camera-off", "failed");
  /** Older unanswered requests are not sent again to a phone that rejoins: the inspector asks afresh. */
  static final java.time.Duration RESEND_WITHIN = java.time.Duration.ofMinutes(10);
  private static final Pattern ITEM_ID = Pattern.compile("[A-Za-z0-9_.-]{1,40}");

  private final Trail trail;
  private final Calls calls;
  private final Checklists checklists;
  private final java.time.Clock clock;

  public PhotoRequests(Trail trail, Calls calls, Checklists checklists, java.time.Clock clock) {
    this.trail = trail;
    this.calls = calls;
    this.checklists = checklists;
    this.clock = clock;
  }

  /**
   * Asks the applicant's phone in {@code call} for a photo, for checklist item {@code itemId} (or none).
   *
   * @return the {@code photo-requested} acknowledgement for the inspector
   */
  public Future<JsonObject> request(Call call, String actor, String itemId) {
    if (!call.present(Role.APPLICANT)) {
      return Future.failedFuture(Problem.conflict("applicant_absent",
          "the applicant is not connected; ask for the photo once they are back in the call"));
    }
    String requestId = UUID.randomUUID().toString();
    return item(call.inspectionId(), itemId)
        .compose(item -> trail.append("photo-request:" + requestId, call.inspectionId(), EventType.PHOTO_REQUESTED,
                actor, new JsonObject().put("requestId", requestId).put("itemId", itemId))
            .map(event -> {
              JsonObject ask = new JsonObject().put("type", "photo-request").put("requestId", requestId)
                  .put("itemId", itemId).put("itemTitle", item == null ? null : item.getString("title"));
              call.send(Role.APPLICANT, ask);
              return new JsonObject().put("type", "photo-requested").put("requestId", requestId)
                  .put("itemId", itemId);
            }));
  }

  /**
   * Sends the phone again every request of the last {@link #RESEND_WITHIN} that no photo answered yet: a request
   * sent into a connection that had died without a close (a phone that changed networks) is not lost when the phone
   * joins again. The phone ignores a request it is already answering.
   */
  public Future<Void> resendPending(Call call) {
    return trail.read(call.inspectionId()).compose(events -> {
      java.util.Map<String, JsonObject> open = new java.util.LinkedHashMap<>();
      java.time.Instant since = clock.instant().minus(RESEND_WITHIN);
      for (var e : events) {
        JsonObject p = e.payloadJson();
        if (e.type() == EventType.PHOTO_REQUESTED && e.time().isAfter(since)) {
          open.put(p.getString("requestId"), p);
        } else if (e.type() == EventType.SNAPSHOT_TAKEN && p.getString("requestId") != null) {
          open.remove(p.getString("requestId"));
        }
      }
      return Future.all(open.values().stream().map(p -> item(call.inspectionId(), p.getString("itemId"))
          .otherwiseEmpty()
          .onSuccess(item -> call.send(Role.APPLICANT, new JsonObject().put("type", "photo-request")
              .put("requestId", p.getString("requestId")).put("itemId", p.getString("itemId"))
              .put("itemTitle", item == null ? null : item.getString("title")).put("repeated", true))))
          .toList()).mapEmpty();
    });
  }

  /** The phone's progress on a request, relayed to the inspector as it is. */
  public void status(Call call, String requestId, String state, String code) {
    call.send(Role.INSPECTOR, new JsonObject().put("type", "photo-status").put("requestId", requestId)
        .put("state", state).put("code", code));
  }

  /** A photo was stored: the inspector's page shows its thumbnail (sent again for a repeated upload). */
  public void arrived(String inspectionId, JsonObject photo) {
    String id = photo.getString("id");
    String base = "/api/inspections/" + inspectionId + "/snapshots/" + id;
    calls.sendTo(inspectionId, Role.INSPECTOR, new JsonObject().put("type", "photo-arrived")
        .put("requestId", photo.getString("requestId")).put("photoId", id).put("itemId", photo.getString("itemId"))
        .put("width", photo.getValue("width")).put("height", photo.getValue("height"))
        .put("size", photo.getValue("size")).put("sha256", photo.getString("sha256"))
        .put("gpsCheck", photo.getJsonObject("exif", new JsonObject()).getString("gpsCheck"))
        .put("thumbnailUrl", base + "?variant=thumbnail").put("url", base));
  }

  /** The checklist item a request is for: null for none, refused when it is not in the bound checklist. */
  private Future<JsonObject> item(String inspectionId, String itemId) {
    if (itemId == null) {
      return Future.succeededFuture();
    }
    if (!ITEM_ID.matcher(itemId).matches()) {
      return Future.failedFuture(Problem.badRequest("bad_field", "'itemId' must be a checklist item id"));
    }
    return checklists.state(inspectionId).compose(s -> s.bound() && s.item(itemId) != null
        ? Future.succeededFuture(s.item(itemId))
        : Future.failedFuture(Problem.badRequest("unknown_item",
            "item '" + itemId + "' is not in the checklist this inspection is bound to")));
  }
}
