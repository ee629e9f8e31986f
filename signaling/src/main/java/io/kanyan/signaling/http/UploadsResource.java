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
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.FileSystem;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.file.Path;
import java.util.Locale;
import java.util.UUID;
import java.util.function.Function;
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
  private static final Pattern SHA256 = Pattern.compile("[0-9a-fA-F]{64}");
  private static final Pattern ITEM_ID = Pattern.compile("[A-Za-z0-9_.-]{1,40}");

  private final Inspections inspections;
  private final Calls calls;
  private final Recordings recordings;
  private final Snapshots snapshots;
  private final Trail trail;
  private final Path mediaServerRecordings;
  private final UploadGate gate;
  private final Path partialDir;

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
    this.gate = gate;
    this.partialDir = dataDir.resolve("uploads-partial");
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
        .recover(UploadsResource::mapped);
  }

  private void putSlice(RoutingContext ctx) {
    Api.holdBody(ctx);
    Principal who;
    String sha;
    int segment;
    long seq;
    try {
      who = principal(ctx, Principal.Role.INSPECTOR);
      requireType(ctx, "video/webm", "a recording slice must be sent as video/webm");
      sha = sha256(ctx);
      segment = number(ctx.pathParam("segment"), "segment");
      seq = number(ctx.pathParam("seq"), "seq");
      requireLength(ctx, MAX_SLICE_BYTES);
    } catch (Problem p) {
      Api.refuse(ctx, p);
      return;
    }
    Future<JsonObject> result = inspections.ownedOpen(who, ctx.pathParam("id"))
        .compose(file -> upload(ctx, who, MAX_SLICE_BYTES, body -> recordings.appendSlice(file.id(), segment, seq,
            body, sha, who.actor())))
        .map(ack -> new JsonObject().put("segment", ack.segment()).put("seq", ack.seq()).put("size", ack.size())
            .put("sha256", ack.sha256()).put("duplicate", ack.duplicate()).put("segmentBytes", ack.segmentBytes()));
    answer(ctx, 200, result);
  }

  private void postSnapshot(RoutingContext ctx) {
    Api.holdBody(ctx);
    Principal who;
    String sha;
    String itemId = ctx.request().getParam("itemId");
    try {
      who = principal(ctx, Principal.Role.INSPECTOR);
      requireType(ctx, "image/jpeg", "a snapshot must be sent as image/jpeg");
      sha = sha256(ctx);
      requireLength(ctx, MAX_SNAPSHOT_BYTES);
      if (itemId != null && !ITEM_ID.matcher(itemId).matches()) {
        throw Problem.badRequest("bad_field", "itemId must be a checklist item id (letters, digits, '-', '_', '.')");
      }
    } catch (Problem p) {
      Api.refuse(ctx, p);
      return;
    }
    Future<JsonObject> result = inspections.ownedOpen(who, ctx.pathParam("id"))
        .compose(file -> checkItem(file.id(), itemId).map(file))
        .compose(file -> upload(ctx, who, MAX_SNAPSHOT_BYTES, body -> {
          if (body.length() == 0) {
            return Future.failedFuture(Problem.badRequest("bad_media", "the snapshot is empty"));
          }
          return snapshots.store(file.id(), body, sha, who.actor(), new Snapshots.Facts(file.caseNumber(), itemId));
        }))
        .map(Snapshots.Snapshot::toJson);
    answer(ctx, 201, result);
  }

  /**
   * Receives the body of an authorised upload and hands it to {@code store}: it is streamed to a file as it
   * arrives (a slow sender holds no heap), cut off past {@code max} bytes, and read back only once complete.
   * The upload holds a place in the {@link UploadGate} until stored; the partial file is always deleted.
   */
  private <T> Future<T> upload(RoutingContext ctx, Principal who, long max, Function<Buffer, Future<T>> store) {
    try {
      gate.acquire(who.username());
    } catch (Problem p) {
      return Future.failedFuture(p);
    }
    FileSystem fs = ctx.vertx().fileSystem();
    String partial = partialDir.resolve(UUID.randomUUID() + ".part").toString();
    return fs.mkdirs(partialDir.toString())
        .compose(x -> fs.open(partial, new OpenOptions().setWrite(true).setCreateNew(true)))
        .compose(file -> stream(ctx.request(), file, max).eventually(file::close))
        .compose(x -> fs.readFile(partial))
        .compose(store)
        .eventually(() -> {
          gate.release(who.username());
          return fs.delete(partial).otherwiseEmpty();
        });
  }

  /** Writes the request body to {@code file}, with back-pressure; fails with 413 past {@code max} bytes. */
  private static Future<Void> stream(HttpServerRequest request, AsyncFile file, long max) {
    Promise<Void> done = Promise.promise();
    long[] received = {0};
    request.handler(chunk -> {
      received[0] += chunk.length();
      if (received[0] > max) {
        done.tryFail(tooLarge(max));
        return;
      }
      file.write(chunk);
      if (file.writeQueueFull()) {
        request.pause();
        file.drainHandler(v -> request.resume());
      }
    });
    request.exceptionHandler(done::tryFail);
    request.endHandler(v -> done.tryComplete());
    file.exceptionHandler(done::tryFail);
    request.resume();
    return done.future();
  }

  /** Answers an upload; a refusal sent before the whole body arrived also closes the connection. */
  private static void answer(RoutingContext ctx, int status, Future<JsonObject> result) {
    result.recover(UploadsResource::mapped).onSuccess(json -> ctx.response().setStatusCode(status)
            .putHeader("Content-Type", "application/json; charset=utf-8").end(json.encode()))
        .onFailure(err -> {
          if (err instanceof Problem p) {
            Api.refuse(ctx, p);
          } else {
            boolean unread = !ctx.request().isEnded();
            Api.fail(ctx, err);
            if (unread) { // e.g. the store was down before the body was read: do not leave it hanging
              ctx.vertx().setTimer(1000, t -> ctx.request().connection().close());
            }
          }
        });
  }

  /** A declared Content-Length over the limit is refused before anything is read. */
  private static void requireLength(RoutingContext ctx, long max) {
    String declared = ctx.request().getHeader("Content-Length");
    if (declared == null) {
      return;
    }
    try {
      if (Long.parseLong(declared.trim()) > max) {
        throw tooLarge(max);
      }
    } catch (NumberFormatException e) {
      throw Problem.badRequest("bad_request", "Content-Length is not a number");
    }
  }

  private static Problem tooLarge(long max) {
    return new Problem(Problem.Kind.TOO_LARGE, "too_large",
        "the upload is larger than " + (max / (1024 * 1024)) + " MB, the most this route takes");
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
    if (!variant.equals("watermarked") && !variant.equals("original")) {
      Api.problem(ctx, Problem.badRequest("bad_field", "variant must be watermarked or original"));
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
            path = variant.equals("original") ? snapshots.original(file.id(), snapshotId)
                : snapshots.watermarked(file.id(), snapshotId);
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

  private static void requireType(RoutingContext ctx, String expected, String message) {
    String type = ctx.request().getHeader("Content-Type");
    if (type == null || !type.toLowerCase(Locale.ROOT).startsWith(expected)) {
      throw new Problem(Problem.Kind.UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", message);
    }
  }

  private static String sha256(RoutingContext ctx) {
    String sha = ctx.request().getHeader(SHA256_HEADER);
    if (sha == null || !SHA256.matcher(sha).matches()) {
      throw Problem.badRequest("missing_field", "send the body's SHA-256 (64 hex digits) in " + SHA256_HEADER);
    }
    return sha.toLowerCase(Locale.ROOT);
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

  /** Recording failures as HTTP problems. */
  private static <T> Future<T> mapped(Throwable err) {
    if (err instanceof RecordingException e) {
      Problem p = switch (e.code()) {
        case HASH_MISMATCH -> Problem.badRequest("hash_mismatch", e.getMessage());
        case SLICE_CONFLICT -> Problem.conflict("slice_conflict", e.getMessage());
        case NOT_FOUND -> Problem.notFound(e.getMessage());
        case BAD_MEDIA -> Problem.badRequest("bad_media", e.getMessage());
        case FINALISE_FAILED -> new Problem(Problem.Kind.UNAVAILABLE, "finalise_failed", e.getMessage());
      };
      return Future.failedFuture(p);
    }
    return Future.failedFuture(err);
  }
}
