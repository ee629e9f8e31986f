package io.kanyan.signaling.http;

import static io.kanyan.signaling.http.Api.principal;
import static io.kanyan.signaling.http.Api.respond;

import io.kanyan.recorder.audit.CaseFile;
import io.kanyan.recorder.recording.RecordingException;
import io.kanyan.recorder.recording.Recordings;
import io.kanyan.recorder.recording.Snapshots;
import io.kanyan.recorder.trail.EventType;
import io.kanyan.recorder.trail.Trail;
import io.kanyan.signaling.Problem;
import io.kanyan.signaling.auth.Principal;
import io.kanyan.signaling.inspection.Calls;
import io.kanyan.signaling.inspection.Inspections;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Evidence uploaded by the inspector's browser in peer-to-peer mode, and its download: recording segments
 * (numbered slices, each with its SHA-256) and snapshots (a JPEG with its SHA-256). Only the owning
 * inspector uploads, and only while the inspection is open; the owner, auditors and admins download, and
 * an auditor's or admin's download is put on the trail ({@code AUDIT_ACCESS}).
 *
 * <p>An upload's body is not read until its sender is known to own the open inspection; it is then streamed
 * to a file, bounded in size, time ({@link ConnectionGuard}) and number ({@link UploadGate}).
 */
public final class UploadsResource implements Api.Resource {

  /** The header carrying the uploader's lowercase hex SHA-256 of the body. */
  public static final String SHA256_HEADER = "X-Content-SHA256";
  /** A 2 s slice of 720p is well under 1 MB; this leaves room for a burst after a stall. */
  static final long MAX_SLICE_BYTES = 8L * 1024 * 1024;
  static final long MAX_SNAPSHOT_BYTES = 10L * 1024 * 1024;
  private static final Pattern ITEM_ID = Pattern.compile("[A-Za-z0-9_.-]{1,40}");

  private final Inspections inspections;
  private final Calls calls;
  private final Recordings recordings;
  private final Snapshots snapshots;
  private final Trail trail;
  private final Path mediaServerRecordings;
  private final StreamedUploads uploads;

  /**
   * @param mediaServerRecordings where the media server's finalised recordings live (Kurento mode); the
   *                              trail's {@code recording.finalised} events name them relative to it
   * @param gate                  bounds the uploads received at once
   * @param dataDir               bodies are streamed to {@code <dataDir>/uploads-partial} while they arrive
   */
  public UploadsResource(Inspections inspections, Calls calls, Recordings recordings, Snapshots snapshots,
      Trail trail, Path mediaServerRecordings, UploadGate gate, Path dataDir) {
    this.inspections = inspections;
    this.calls = calls;
    this.recordings = recordings;
    this.snapshots = snapshots;
    this.trail = trail;
    this.mediaServerRecordings = mediaServerRecordings.toAbsolutePath().normalize();
    this.uploads = new StreamedUploads(gate, dataDir);
  }

  @Override
  public void mount(Router api) {
    api.post("/inspections/:id/recordings").handler(Api.jsonBody()).handler(respond(201, this::startSegment));
    // Upload routes read no body until the sender is known to own the inspection: no BodyHandler.
    api.put("/inspections/:id/recordings/:segment/slices/:seq").handler(this::putSlice);
    api.get("/inspections/:id/recordings/:segment").handler(this::getRecording);
    api.head("/inspections/:id/recordings/:segment").handler(this::getRecording);
    api.post("/inspections/:id/snapshots").handler(this::postSnapshot);
    api.get("/inspections/:id/snapshots/:snapshot").handler(this::getSnapshot);
  }

  private Future<JsonObject> startSegment(RoutingContext ctx) {
    Principal who = principal(ctx, Principal.Role.INSPECTOR);
    JsonObject body = ctx.body().length() > 0 ? Api.body(ctx) : new JsonObject();
    String mimeType = body.getString("mimeType", "video/webm");
    if (!mimeType.toLowerCase(Locale.ROOT).startsWith("video/webm")) {
      throw Problem.badRequest("unsupported_media_type", "recordings must be WebM (video/webm)");
    }
    return inspections.ownedOpen(who, ctx.pathParam("id"))
        .compose(file -> recordings.startSegment(file.id(), who.actor(), mimeType))
        .map(segment -> new JsonObject().put("segment", segment.segment()).put("startedAt", segment.startedAt()))
        .recover(StreamedUploads::mapped);
  }

  private void putSlice(RoutingContext ctx) {
    Api.holdBody(ctx);
    Principal who;
    String sha;
    int segment;
    long seq;
    try {
      who = principal(ctx, Principal.Role.INSPECTOR);
      StreamedUploads.requireType(ctx, "video/webm", "a recording slice must be sent as video/webm");
      sha = StreamedUploads.sha256(ctx);
      segment = number(ctx.pathParam("segment"), "segment");
      seq = number(ctx.pathParam("seq"), "seq");
      StreamedUploads.requireLength(ctx, MAX_SLICE_BYTES);
    } catch (Problem p) {
      Api.refuse(ctx, p);
      return;
    }
    Future<JsonObject> result = inspections.ownedOpen(who, ctx.pathParam("id"))
        .compose(file -> uploads.receive(ctx, who.username(), MAX_SLICE_BYTES, body -> recordings.appendSlice(file.id(), segment, seq,
            body, sha, who.actor())))
        .map(ack -> new JsonObject().put("segment", ack.segment()).put("seq", ack.seq()).put("size", ack.size())
            .put("sha256", ack.sha256()).put("duplicate", ack.duplicate()).put("segmentBytes", ack.segmentBytes()));
    StreamedUploads.answer(ctx, 200, result);
  }

  private void postSnapshot(RoutingContext ctx) {
    Api.holdBody(ctx);
    Principal who;
    String sha;
    String itemId = ctx.request().getParam("itemId");
    try {
      who = principal(ctx, Principal.Role.INSPECTOR);
      StreamedUploads.requireType(ctx, "image/jpeg", "a snapshot must be sent as image/jpeg");
      sha = StreamedUploads.sha256(ctx);
      StreamedUploads.requireLength(ctx, MAX_SNAPSHOT_BYTES);
      if (itemId != null && !ITEM_ID.matcher(itemId).matches()) {
        throw Problem.badRequest("bad_field", "itemId must be a checklist item id (letters, digits, '-', '_', '.')");
      }
    } catch (Problem p) {
      Api.refuse(ctx, p);
      return;
    }
    Future<JsonObject> result = inspections.ownedOpen(who, ctx.pathParam("id"))
        .compose(file -> checkItem(file.id(), itemId).map(file))
        .compose(file -> uploads.receive(ctx, who.username(), MAX_SNAPSHOT_BYTES, body -> {
          if (body.length() == 0) {
            return Future.failedFuture(Problem.badRequest("bad_media", "the snapshot is empty"));
          }
          return snapshots.store(file.id(), body, sha, who.actor(), new Snapshots.Facts(file.caseNumber(), itemId));
        }))
        .map(Snapshots.Snapshot::toJson);
    StreamedUploads.answer(ctx, 201, result);
  }

  private void getRecording(RoutingContext ctx) {
    Principal who;
    int segment;
    try {
      who = principal(ctx);
      segment = number(ctx.pathParam("segment"), "segment");
    } catch (Problem p) {
      Api.problem(ctx, p);
      return;
    }
    inspections.readable(who, ctx.pathParam("id"))
        // Every read by someone other than the owner is logged, whatever its Range: a player's seeks are
        // a few extra events, and no crafted range can read the file unlogged.
        .compose(file -> logAccess(who, file,
                new JsonObject().put("what", "recording").put("segment", segment)
                    .put("role", ctx.request().getParam("role")))
            .map(file))
        .compose(file -> {
          String role = ctx.request().getParam("role");
          if (role == null) {
            return FileResponses.send(ctx, recordings.finalFile(file.id(), segment), "video/webm");
          }
          return mediaServerFile(file.id(), role, segment).compose(path -> FileResponses.send(ctx, path,
              path.toString().endsWith(".mp4") ? "video/mp4" : "video/webm"));
        })
        .onFailure(err -> Api.fail(ctx, err));
  }

  /** A recording the media server made (Kurento mode), found through its {@code recording.finalised} event. */
  private Future<Path> mediaServerFile(String inspectionId, String role, int segment) {
    return trail.read(inspectionId).compose(events -> {
      Path found = null;
      for (var event : events) {
        if (event.type() != EventType.RECORDING_FINALISED) {
          continue;
        }
        JsonObject p = event.payloadJson();
        if (role.equals(p.getString("role")) && Integer.valueOf(segment).equals(p.getInteger("segment"))
            && p.getString("path") != null && p.getString("error") == null) {
          found = mediaServerRecordings.resolve(p.getString("path")).normalize();
        }
      }
      if (found == null || !found.startsWith(mediaServerRecordings)) {
        return Future.failedFuture(Problem.notFound("there is no finalised " + role + " recording " + segment));
      }
      return Future.succeededFuture(found);
    });
  }

  private void getSnapshot(RoutingContext ctx) {
    Principal who;
    try {
      who = principal(ctx);
    } catch (Problem p) {
      Api.problem(ctx, p);
      return;
    }
    String variant = ctx.request().getParam("variant", "watermarked");
    if (!variant.equals("watermarked") && !variant.equals("original") && !variant.equals("thumbnail")) {
      Api.problem(ctx, Problem.badRequest("bad_field", "variant must be watermarked, original or thumbnail"));
      return;
    }
    String snapshotId = ctx.pathParam("snapshot");
    inspections.readable(who, ctx.pathParam("id"))
        .compose(file -> logAccess(who, file, new JsonObject().put("what", "snapshot")
                .put("snapshotId", snapshotId).put("variant", variant))
            .map(file))
        .compose(file -> {
          Path path;
          try {
            path = switch (variant) {
              case "original" -> snapshots.original(file.id(), snapshotId);
              case "thumbnail" -> snapshots.thumbnail(file.id(), snapshotId);
              default -> snapshots.watermarked(file.id(), snapshotId);
            };
          } catch (RecordingException e) {
            return Future.failedFuture(Problem.notFound("there is no snapshot " + snapshotId));
          }
          return FileResponses.send(ctx, path, "image/jpeg");
        })
        .onFailure(err -> Api.fail(ctx, err));
  }

  /** A snapshot taken for a checklist item names an item of the inspection's bound checklist. */
  private Future<Void> checkItem(String inspectionId, String itemId) {
    if (itemId == null) {
      return Future.succeededFuture();
    }
    return inspections.checklists().state(inspectionId).compose(s -> s.bound() && s.item(itemId) != null
        ? Future.<Void>succeededFuture()
        : Future.failedFuture(Problem.badRequest("unknown_item", "item '" + itemId
            + "' is not in the checklist this inspection is bound to")));
  }

  /** Someone other than the owning inspector read evidence: that goes on the trail first. */
  private Future<Void> logAccess(Principal who, CaseFile file, JsonObject what) {
    if (file.inspector().equals(who.username())) {
      return Future.succeededFuture();
    }
    return trail.append(file.id(), EventType.AUDIT_ACCESS, who.actor(), what).mapEmpty();
  }

  private static int number(String text, String what) {
    try {
      int n = Integer.parseInt(text);
      if (n < 1) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw Problem.badRequest("bad_field", what + " must be a positive whole number");
    }
  }

}
