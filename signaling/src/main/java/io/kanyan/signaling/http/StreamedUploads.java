package io.kanyan.signaling.http;

import io.kanyan.recorder.recording.RecordingException;
import io.kanyan.signaling.Problem;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.FileSystem;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.file.Path;
import java.util.Locale;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.ToIntFunction;
import java.util.regex.Pattern;

/**
 * The machinery every upload route shares, once its sender is authorised: the header checks made before any
 * byte of the body is read, the body streamed to a partial file within a size limit and a place in the
 * {@link UploadGate}, and the answer (a refusal mid-body also closes the connection). Used by the inspector's
 * evidence uploads ({@link UploadsResource}) and the phone's photos ({@link PhotosResource}).
 */
final class StreamedUploads {

  private static final Pattern SHA256 = Pattern.compile("[0-9a-fA-F]{64}");

  private final UploadGate gate;
  private final Path partialDir;

  /** Bodies are streamed to {@code <dataDir>/uploads-partial} while they arrive. */
  StreamedUploads(UploadGate gate, Path dataDir) {
    this.gate = gate;
    this.partialDir = dataDir.resolve("uploads-partial");
  }

  /**
   * Receives the body of an authorised upload and hands it to {@code store}: it is streamed to a file as it
   * arrives (a slow sender holds no heap), cut off past {@code max} bytes, and read back only once complete.
   * The upload holds a place in the {@link UploadGate} until stored; the partial file is always deleted.
   */
  <T> Future<T> receive(RoutingContext ctx, String uploader, long max, Function<Buffer, Future<T>> store) {
    try {
      gate.acquire(uploader);
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
          gate.release(uploader);
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
  static void answer(RoutingContext ctx, int status, Future<JsonObject> result) {
    answer(ctx, json -> status, result);
  }

  /** {@link #answer(RoutingContext, int, Future)} with a status that depends on the answer (201 or 200). */
  static void answer(RoutingContext ctx, ToIntFunction<JsonObject> status, Future<JsonObject> result) {
    result.recover(StreamedUploads::mapped).onSuccess(json -> ctx.response().setStatusCode(status.applyAsInt(json))
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
  static void requireLength(RoutingContext ctx, long max) {
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

  static Problem tooLarge(long max) {
    return new Problem(Problem.Kind.TOO_LARGE, "too_large",
        "the upload is larger than " + (max / (1024 * 1024)) + " MB, the most this route takes");
  }


  static void requireType(RoutingContext ctx, String expected, String message) {
    String type = ctx.request().getHeader("Content-Type");
    if (type == null || !type.toLowerCase(Locale.ROOT).startsWith(expected)) {
      throw new Problem(Problem.Kind.UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", message);
    }
  }

  static String sha256(RoutingContext ctx) {
    String sha = ctx.request().getHeader(UploadsResource.SHA256_HEADER);
    if (sha == null || !SHA256.matcher(sha).matches()) {
      throw Problem.badRequest("missing_field", "send the body's SHA-256 (64 hex digits) in " + UploadsResource.SHA256_HEADER);
    }
    return sha.toLowerCase(Locale.ROOT);
  }


  /** Recording failures as HTTP problems. */
  static <T> Future<T> mapped(Throwable err) {
    if (err instanceof RecordingException e) {
      Problem p = switch (e.code()) {
        case HASH_MISMATCH -> Problem.badRequest("hash_mismatch", e.getMessage());
        case SLICE_CONFLICT -> Problem.conflict("slice_conflict", e.getMessage());
        case NOT_FOUND -> Problem.notFound(e.getMessage());
        case BAD_MEDIA -> Problem.badRequest("bad_media", e.getMessage());
        case FINALISE_FAILED -> new Problem(Problem.Kind.UNAVAILABLE, "finalise_failed", e.getMessage());
        case PHOTO_CONFLICT -> Problem.conflict("photo_conflict", e.getMessage());
        case UNKNOWN_REQUEST -> Problem.conflict("unknown_request", e.getMessage());
      };
      return Future.failedFuture(p);
    }
    return Future.failedFuture(err);
  }
}
