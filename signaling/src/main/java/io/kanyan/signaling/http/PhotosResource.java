package io.kanyan.signaling.http;

import io.kanyan.recorder.audit.CaseFile;
import io.kanyan.recorder.recording.Photos;
import io.kanyan.signaling.Problem;
import io.kanyan.signaling.inspection.Inspections;
import io.kanyan.signaling.inspection.PhotoRequests;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Full-resolution photos uploaded by the applicant's phone, each answering a photo request of the inspector
 * ({@link PhotoRequests}). The phone is authenticated by its invite ({@code X-Invite-Token}) before any byte
 * of the body is read; the body is then streamed like every upload ({@link StreamedUploads}). The photo id is
 * the phone's, so a retry after a dropped connection is the same PUT again: the stored photo comes back
 * ({@code duplicate: true}) and nothing is stored twice. The inspector is sent the thumbnail's address.
 */
public final class PhotosResource implements Api.Resource {

  /** The request this photo answers (the {@code requestId} of {@code photo-request}). */
  public static final String REQUEST_HEADER = "X-Photo-Request";
  /** The phone's clock when it took the photo, ISO-8601 (optional; recorded as the phone said it). */
  public static final String DEVICE_TIME_HEADER = "X-Device-Time";
  /** The phone's latest location fix, {@code lat,lng[,accuracy]} in degrees and metres (optional). */
  public static final String DEVICE_LOCATION_HEADER = "X-Device-Location";
  /** A 12 MP phone JPEG is 3-6 MB; 25 MB leaves room for 50 MP sensors at high quality. */
  static final long MAX_PHOTO_BYTES = 25L * 1024 * 1024;
  private static final Pattern REQUEST_ID = Pattern.compile("[0-9a-f-]{36}");

  private final Inspections inspections;
  private final Photos photos;
  private final PhotoRequests requests;
  private final StreamedUploads uploads;
  /**
   * Photos being received now (inspection/photo), so two copies of one upload are never stored at once: a concurrent
   * set, as the two copies may arrive on connections of different event loops ({@code add} is atomic).
   */
  private final Set<String> arriving = ConcurrentHashMap.newKeySet();

  public PhotosResource(Inspections inspections, Photos photos, PhotoRequests requests, UploadGate gate,
      java.nio.file.Path dataDir) {
    this.inspections = inspections;
    this.photos = photos;
    this.requests = requests;
    this.uploads = new StreamedUploads(gate, dataDir);
  }

  @Override
  public void mount(Router api) {
    // No BodyHandler: the body is read only once the invite is known to admit to this open inspection.
    api.put("/inspections/:id/photos/:photo").handler(this::putPhoto);
  }

  private void putPhoto(RoutingContext ctx) {
    Api.holdBody(ctx);
    String token = ctx.request().getHeader(InspectionsResource.INVITE_HEADER);
    String inspectionId = ctx.pathParam("id");
    String photoId = ctx.pathParam("photo");
    Future<JsonObject> result = inspections.forInvite(token)
        .compose(file -> file.id().equals(inspectionId) ? Future.succeededFuture(file)
            : Future.<CaseFile>failedFuture(Problem.notFound("this invitation is for another inspection")))
        .compose(file -> receive(ctx, file, photoId));
    StreamedUploads.answer(ctx, json -> json.getBoolean("duplicate", false) ? 200 : 201, result);
  }

  private Future<JsonObject> receive(RoutingContext ctx, CaseFile file, String photoId) {
    String sha;
    Photos.Upload upload;
    try {
      if (!Photos.isPhotoId(photoId)) {
        throw Problem.badRequest("bad_field", "the photo id must be 8-64 letters, digits or '-' (a UUID)");
      }
      StreamedUploads.requireType(ctx, "image/jpeg", "a photo must be sent as image/jpeg");
      sha = StreamedUploads.sha256(ctx);
      StreamedUploads.requireLength(ctx, MAX_PHOTO_BYTES);
      upload = new Photos.Upload(requestId(ctx), deviceTime(ctx), deviceLocation(ctx));
    } catch (Problem p) {
      return Future.failedFuture(p);
    }
    String key = file.id() + "/" + photoId;
    if (!arriving.add(key)) {
      return Future.failedFuture(Problem.conflict("upload_in_progress",
          "this photo is still arriving on another connection; send it again in a few seconds"));
    }
    return uploads.receive(ctx, "applicant:" + file.id(), MAX_PHOTO_BYTES, body -> body.length() == 0
            ? Future.failedFuture(Problem.badRequest("bad_media", "the photo is empty"))
            : photos.store(file.id(), photoId, body, sha, file.caseNumber(), upload))
        .map(Photos.Photo::toJson)
        .recover(StreamedUploads::mapped)
        .onSuccess(photo -> requests.arrived(file.id(), photo))
        // The phone learns that its photo is safe, not what the server found in it (the EXIF check is for staff).
        .map(PhotosResource::receipt)
        .eventually(() -> {
          arriving.remove(key);
          return Future.succeededFuture();
        });
  }

  private static JsonObject receipt(JsonObject photo) {
    JsonObject out = new JsonObject();
    for (String field : new String[] {"id", "takenAt", "sha256", "size", "width", "height", "duplicate"}) {
      out.put(field, photo.getValue(field));
    }
    return out;
  }

  private static String requestId(RoutingContext ctx) {
    String id = ctx.request().getHeader(REQUEST_HEADER);
    if (id == null || !REQUEST_ID.matcher(id).matches()) {
      throw Problem.badRequest("missing_field", "name the photo request this photo answers in " + REQUEST_HEADER);
    }
    return id;
  }

  private static String deviceTime(RoutingContext ctx) {
    String time = ctx.request().getHeader(DEVICE_TIME_HEADER);
    if (time == null) {
      return null;
    }
    try {
      return Instant.parse(time.trim()).toString();
    } catch (DateTimeParseException e) {
      throw Problem.badRequest("bad_field", DEVICE_TIME_HEADER + " must be an ISO-8601 time such as "
          + "2026-11-30T08:15:30.123Z");
    }
  }

  private static JsonObject deviceLocation(RoutingContext ctx) {
    String text = ctx.request().getHeader(DEVICE_LOCATION_HEADER);
    if (text == null) {
      return null;
    }
    String[] parts = text.split(",");
    try {
      double lat = Double.parseDouble(parts[0].trim());
      double lng = Double.parseDouble(parts[1].trim());
      if (parts.length > 3 || Math.abs(lat) > 90 || Math.abs(lng) > 180) {
        throw new NumberFormatException();
      }
      JsonObject where = new JsonObject().put("lat", lat).put("lng", lng);
      return parts.length == 3 ? where.put("accuracy", Double.parseDouble(parts[2].trim())) : where;
    } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
      throw Problem.badRequest("bad_field", DEVICE_LOCATION_HEADER + " must be 'lat,lng' or 'lat,lng,accuracy'");
    }
  }
}
