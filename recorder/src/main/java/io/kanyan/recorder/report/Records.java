package io.kanyan.recorder.report;

import io.kanyan.recorder.recording.Sha256;
import io.kanyan.recorder.trail.EventType;
import io.kanyan.recorder.trail.Trail;
import io.kanyan.recorder.trail.TrailEvent;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An inspection's record (勘验笔录): rendered when the inspection is concluded, signed by hand by the applicant
 * (or refused, with a reason) and by the inspector, then finalised: rendered again with both signatures and
 * PDF-signed with the server's certificate.
 *
 * <p>Every step writes its files (fsynced) before it puts them on the trail, so the trail never claims a record
 * that is not on disk; a failure is put on the trail as {@code record.failed} and can be retried. Rendering and
 * signing run off the event loop. Requests about one inspection run one after another, so two signatures cannot
 * race past the "already signed" check.
 *
 * <p>Files: {@code <data>/inspections/<id>/record/record-<seq>.pdf} (rendered from the trail up to event
 * {@code seq}), {@code record-<seq>-final.pdf}, {@code signature-<party>.png} and
 * {@code signature-<party>.strokes.json}.
 */
public final class Records {

  private static final Logger log = LoggerFactory.getLogger(Records.class);
  public static final int MAX_REASON = 500;

  private final Vertx vertx;
  private final Trail trail;
  private final Path dataDir;
  private final RecordPdf pdf;
  private final Supplier<SigningCertificate> certificate;
  private final Function<String, String> verifyUrl;
  private final Clock clock;
  private final Map<String, Future<?>> queues = new ConcurrentHashMap<>();
  private volatile SigningCertificate loaded;

  /**
   * @param certificate loads the PDF signing certificate (called once, off the event loop, at the first finalising)
   * @param verifyUrl   inspection id → the address printed and QR-coded on every page
   */
  public Records(Vertx vertx, Trail trail, Path dataDir, RecordPdf pdf, Supplier<SigningCertificate> certificate,
      Function<String, String> verifyUrl, Clock clock) {
    this.vertx = vertx;
    this.trail = trail;
    this.dataDir = dataDir;
    this.pdf = pdf;
    this.certificate = certificate;
    this.verifyUrl = verifyUrl;
    this.clock = clock;
  }

  /** The record's state as the trail says. */
  public Future<RecordState> state(String inspectionId) {
    return trail.read(inspectionId).map(RecordState::of);
  }

  /** What the record says now (for showing it on a page). */
  public Future<RecordContent> content(String inspectionId) {
    return trail.read(inspectionId).map(events -> RecordContent.from(events, verifyUrl.apply(inspectionId)));
  }

  /** The PDF to hand out (the finalised one when there is one), checked to be on disk. */
  public Future<Path> file(String inspectionId) {
    return state(inspectionId).compose(state -> {
      String file = state.currentFile();
      if (file == null) {
        return Future.failedFuture(new RecordException(RecordException.Code.NOT_READY,
            state.concluded() ? "the record is not ready yet" : "there is no record before the inspection is concluded"));
      }
      return Future.succeededFuture(resolve(file));
    });
  }

  /** After an inspection closed: renders its record when it was concluded and has none yet. */
  public Future<RecordState> renderIfConcluded(String inspectionId) {
    return serial(inspectionId, () -> trail.read(inspectionId).compose(events -> {
      RecordState state = RecordState.of(events);
      return !state.concluded() || !"none".equals(state.status()) ? Future.succeededFuture(state)
          : render(inspectionId, events, false);
    }));
  }

  /** Retries the failed step (rendering, or finalising once both parties are done). */
  public Future<RecordState> retry(String inspectionId) {
    return serial(inspectionId, () -> trail.read(inspectionId).compose(events -> {
      RecordState state = RecordState.of(events);
      if (!state.concluded()) {
        return Future.failedFuture(new RecordException(RecordException.Code.NOT_READY,
            "there is no record before the inspection is concluded"));
      }
      if (!"failed".equals(state.status()) && !"none".equals(state.status())) {
        return Future.failedFuture(new RecordException(RecordException.Code.NOTHING_TO_RETRY,
            "the record is " + state.status() + "; there is nothing to retry"));
      }
      return render(inspectionId, events, state.complete() && state.rendered() != null);
    }));
  }

  /**
   * A party's handwritten signature. Refused when no record has been rendered, when the record is finalised, or
   * when this party has already signed (or refused). Once both parties are done the record is finalised.
   *
   * @param party {@link RecordState#APPLICANT} or {@link RecordState#INSPECTOR}
   * @param actor the trail actor
   */
  public Future<RecordState> sign(String inspectionId, String party, String actor, SignatureInput input) {
    return serial(inspectionId, () -> trail.read(inspectionId).compose(events -> {
      RecordState state = RecordState.of(events);
      check(state, party);
      String name = RecordState.APPLICANT.equals(party) ? state.applicantName() : state.inspectorName();
      String base = "inspections/" + inspectionId + "/record/signature-" + party;
      return vertx.executeBlocking(() -> {
        write(base + ".png", input.png());
        write(base + ".strokes.json", input.strokesBytes());
        return null;
      }, false).compose(x -> trail.append(inspectionId, EventType.RECORD_SIGNED, actor, new JsonObject()
              .put("party", party).put("name", name)
              .put("file", base + ".png").put("sha256", Sha256.of(input.png()))
              .put("imageSha256", Sha256.of(input.png()))
              .put("strokesFile", base + ".strokes.json").put("strokesSha256", Sha256.of(input.strokesBytes()))))
          .onSuccess(e -> log.info("inspection {}: record signed by the {}", inspectionId, party))
          .compose(e -> afterSignature(inspectionId));
    }));
  }

  /** The applicant refuses to sign, with a reason: a legal fact on the trail. */
  public Future<RecordState> refuse(String inspectionId, String actor, String reason) {
    String why = reason == null ? "" : reason.strip();
    if (why.isEmpty() || why.length() > MAX_REASON) {
      return Future.failedFuture(new RecordException(RecordException.Code.BAD_SIGNATURE,
          "give the reason for refusing to sign, in at most " + MAX_REASON + " characters"));
    }
    return serial(inspectionId, () -> trail.read(inspectionId).compose(events -> {
      RecordState state = RecordState.of(events);
      check(state, RecordState.APPLICANT);
      return trail.append(inspectionId, EventType.RECORD_REFUSED, actor, new JsonObject()
              .put("party", RecordState.APPLICANT).put("name", state.applicantName()).put("reason", why))
          .onSuccess(e -> log.info("inspection {}: the applicant refused to sign the record", inspectionId))
          .compose(e -> afterSignature(inspectionId));
    }));
  }

  private static void check(RecordState state, String party) {
    if (state.finalised() != null) {
      throw new RecordException(RecordException.Code.FINALISED,
          "the record is already finalised; nothing more can be signed");
    }
    if (state.rendered() == null) {
      throw new RecordException(RecordException.Code.NOT_READY, state.concluded()
          ? "the record is not ready to sign yet" : "there is no record before the inspection is concluded");
    }
    if (state.done(party)) {
      throw new RecordException(RecordException.Code.ALREADY_SIGNED, state.signatures().containsKey(party)
          ? "the " + party + " has already signed this record" : "the applicant has already refused to sign");
    }
  }

  private Future<RecordState> afterSignature(String inspectionId) {
    return trail.read(inspectionId).compose(events -> {
      RecordState state = RecordState.of(events);
      if (!state.complete()) {
        return Future.succeededFuture(state);
      }
      // A finalising failure is on the trail (record.failed) and retried later: the signature itself stands.
      return render(inspectionId, events, true).recover(err -> state(inspectionId));
    });
  }

  /** Renders (and when {@code finalise}, PDF-signs) the record from {@code events}, then puts it on the trail. */
  private Future<RecordState> render(String inspectionId, List<TrailEvent> events, boolean finalise) {
    TrailEvent head = events.get(events.size() - 1);
    String file = "inspections/" + inspectionId + "/record/record-" + head.seq() + (finalise ? "-final" : "") + ".pdf";
    return vertx.executeBlocking(() -> {
      RecordContent content = RecordContent.from(events, verifyUrl.apply(inspectionId));
      RecordPdf.Rendered rendered = pdf.render(content);
      byte[] bytes = finalise ? PdfSigning.sign(rendered.pdf(), certificate(), "勘验笔录定稿 " + content.caseNumber(),
          clock.instant()) : rendered.pdf();
      write(file, bytes);
      return new JsonObject().put("file", file).put("sha256", Sha256.of(bytes)).put("pages", rendered.pages());
    }, false).compose(
        payload -> trail.append(inspectionId, finalise ? EventType.RECORD_FINALISED : EventType.RECORD_RENDERED,
            "system", payload).compose(e -> state(inspectionId))
            .onSuccess(s -> log.info("inspection {}: record {} ({} pages)", inspectionId,
                finalise ? "finalised" : "rendered", payload.getInteger("pages"))),
        err -> {
          log.error("inspection {}: the record could not be {}: {}", inspectionId,
              finalise ? "finalised" : "rendered", err.toString(), err);
          String message = err.getMessage() == null ? err.getClass().getSimpleName() : err.getMessage();
          return trail.append(inspectionId, EventType.RECORD_FAILED, "system", new JsonObject()
                  .put("stage", finalise ? "finalise" : "render").put("error", message))
              .compose(e -> Future.failedFuture(new RecordException(RecordException.Code.RENDER_FAILED,
                  "the record could not be " + (finalise ? "finalised" : "rendered") + " (" + message
                      + "); it is noted on the trail: retry it")));
        });
  }

  /**
   * Loads (or first generates) the certificate once. Called on worker threads: two records finalised at once must
   * not both generate a key pair into the same files, hence the lock (this is not live call state).
   */
  private synchronized SigningCertificate certificate() {
    if (loaded == null) {
      loaded = certificate.get();
    }
    return loaded;
  }

  private Path resolve(String relative) {
    Path p = dataDir.resolve(relative).normalize();
    if (!p.startsWith(dataDir.normalize())) {
      throw new IllegalArgumentException("a record file outside the data directory: " + relative);
    }
    return p;
  }

  /** Writes a file and forces it to disk before the trail may name it. */
  private void write(String relative, byte[] bytes) throws IOException {
    Path file = resolve(relative);
    Files.createDirectories(file.getParent());
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer buffer = ByteBuffer.wrap(bytes);
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
      channel.force(true);
    }
    Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  /** Runs {@code step} after every earlier step of the same inspection has finished. */
  private <T> Future<T> serial(String inspectionId, Supplier<Future<T>> step) {
    @SuppressWarnings("unchecked")
    Future<T>[] slot = (Future<T>[]) new Future[1];
    queues.compute(inspectionId, (id, previous) -> {
      Future<T> run = previous == null ? safely(step) : previous.transform(x -> safely(step));
      slot[0] = run;
      return run;
    });
    Future<T> mine = slot[0];
    return mine.andThen(done -> queues.remove(inspectionId, mine));
  }

  private static <T> Future<T> safely(Supplier<Future<T>> step) {
    try {
      return step.get();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }
}
