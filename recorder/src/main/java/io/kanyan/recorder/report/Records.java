package io.kanyan.recorder.report;

import io.kanyan.recorder.loops.KeyedQueue;
import io.kanyan.recorder.recording.Sha256;
import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.trail.EventType;
import io.kanyan.recorder.trail.Trail;
import io.kanyan.recorder.trail.TrailEvent;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
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
 *
 * <p>A restart must not lose a step the server owes: rendering after a conclusion, finalising after the last
 * signature. The inspection goes into the Redis set {@link #PENDING_KEY} before the event that makes the step owed
 * ({@code inspection.ended} with a conclusion; the completing signature or refusal) and leaves it once the step's
 * outcome is on the trail; {@link #sweep} completes what is left at start-up. {@code record.rendered} and
 * {@code record.finalised} have fixed event ids and a record file is never overwritten, so two nodes or two starts
 * doing the same step put it on the trail once, naming a file that holds what the trail says.
 */
public final class Records {

  private static final Logger log = LoggerFactory.getLogger(Records.class);
  public static final int MAX_REASON = 500;
  /** Set of inspection ids whose record has a step the server owes (see recorder/TRAIL.md, section 1). */
  public static final String PENDING_KEY = "kanyan:records:pending";
  /** The fixed event ids: each is stored at most once per inspection. */
  public static final String RENDERED_ID = "record.rendered";
  public static final String FINALISED_ID = "record.finalised";

  private final Vertx vertx;
  private final Trail trail;
  private final RedisStore redis;
  private final RecordEvents views;
  private final RecordFiles files;
  private final RecordPdf pdf;
  private final Supplier<SigningCertificate> certificate;
  private final Function<String, String> verifyUrl;
  private final Clock clock;
  private final KeyedQueue queue = new KeyedQueue();
  private volatile SigningCertificate loaded;
  private volatile Future<?> hold = Future.succeededFuture();

  /**
   * @param certificate loads the PDF signing certificate (called once, off the event loop, at the first finalising)
   * @param verifyUrl   inspection id → the address printed and QR-coded on every page
   */
  public Records(Vertx vertx, Trail trail, RedisStore redis, Path dataDir, RecordPdf pdf,
      Supplier<SigningCertificate> certificate, Function<String, String> verifyUrl, Clock clock) {
    this.vertx = vertx;
    this.trail = trail;
    this.redis = redis;
    this.views = new RecordEvents(trail);
    this.files = new RecordFiles(dataDir);
    this.pdf = pdf;
    this.certificate = certificate;
    this.verifyUrl = verifyUrl;
    this.clock = clock;
  }

  /** The record's state as the trail says (read from the last chain head seen: cheap to ask again and again). */
  public Future<RecordState> state(String inspectionId) {
    return views.read(inspectionId).map(RecordEvents.View::state);
  }

  /** What the record says now (for showing it on a page; read like {@link #state}). */
  public Future<RecordContent> content(String inspectionId) {
    return views.read(inspectionId).map(view -> view.content(verifyUrl.apply(inspectionId)));
  }

  /**
   * Notes, before {@code inspection.ended} with a conclusion is appended, that the record will be owed: a restart
   * before it is rendered then still renders it ({@link #sweep}).
   */
  public Future<Void> expect(String inspectionId) {
    return redis.call(c -> c.sadd(PENDING_KEY, inspectionId)).mapEmpty();
  }

  /**
   * Completes what a previous run left owed (run once at start-up, in the background): every inspection of
   * {@link #PENDING_KEY} is looked at in turn, one after another; a concluded one with no {@code record.rendered}
   * or {@code record.failed} is rendered, one whose signatures are complete is finalised (a failed step is left to
   * the retry the desk offers), one that owes nothing leaves the set. An inspection not ended yet stays (its
   * conclusion may be under way); one with no trail leaves.
   *
   * @return how many records were rendered or finalised
   */
  public Future<Integer> sweep() {
    return redis.call(c -> c.smembers(PENDING_KEY)).compose(ids -> {
      if (!ids.isEmpty()) {
        log.info("records: {} inspection(s) may owe a record step from an earlier run", ids.size());
      }
      int[] done = {0};
      Future<Void> chain = Future.succeededFuture();
      for (String id : ids) {
        chain = chain.compose(x -> complete(id)
            .onSuccess(did -> done[0] += did ? 1 : 0)
            .<Void>mapEmpty()
            .recover(err -> {
              log.error("inspection {}: the owed record step failed: {}", id, err.getMessage());
              return Future.succeededFuture();
            }));
      }
      return chain.map(x -> done[0]);
    });
  }

  /** Does the step an inspection owes, if any; true when something was rendered or finalised. */
  private Future<Boolean> complete(String inspectionId) {
    return serial(inspectionId, () -> trail.read(inspectionId).compose(events -> {
      RecordState state = RecordState.of(events);
      if (state.needsRendering() || state.needsFinalising()) {
        log.info("inspection {}: {} the record an earlier run left", inspectionId,
            state.needsRendering() ? "rendering" : "finalising");
        return render(inspectionId, events, state.needsFinalising()).map(true);
      }
      // Not ended: its conclusion may be under way. No trail at all (deleted): nothing will ever be owed.
      boolean ended = events.stream().anyMatch(e -> e.type() == EventType.INSPECTION_ENDED);
      return (ended || events.isEmpty() ? settle(inspectionId, state) : Future.succeededFuture(state)).map(false);
    }));
  }

  /** Takes an inspection out of {@link #PENDING_KEY} when its record owes nothing more. */
  private Future<RecordState> settle(String inspectionId, RecordState state) {
    if (state.needsRendering() || state.needsFinalising()) {
      return Future.succeededFuture(state);
    }
    return redis.call(c -> c.srem(PENDING_KEY, inspectionId)).map(state);
  }

  /**
   * For tests: every rendering and finalising waits for {@code gate} before it starts, as if the server stopped
   * right before it (a test then starts another server over the same Redis and files).
   */
  public void hold(Future<?> gate) {
    this.hold = gate;
  }

  /** The PDF to hand out (the finalised one when there is one), checked to be on disk. */
  public Future<Path> file(String inspectionId) {
    return state(inspectionId).compose(state -> {
      String file = state.currentFile();
      if (file == null) {
        return Future.failedFuture(new RecordException(RecordException.Code.NOT_READY,
            state.concluded() ? "the record is not ready yet" : "there is no record before the inspection is concluded"));
      }
      return Future.succeededFuture(files.resolve(file));
    });
  }

  /** After an inspection closed: renders its record when it was concluded and has none yet. */
  public Future<RecordState> renderIfConcluded(String inspectionId) {
    return serial(inspectionId, () -> trail.read(inspectionId).compose(events -> {
      RecordState state = RecordState.of(events);
      return !state.needsRendering() ? Future.succeededFuture(state) : render(inspectionId, events, false);
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
        files.write(base + ".png", input.png());
        files.write(base + ".strokes.json", input.strokesBytes());
        return null;
      }, false).compose(x -> expectIfLast(inspectionId, state, party)).compose(x -> trail.append(inspectionId, EventType.RECORD_SIGNED, actor, new JsonObject()
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
      return expectIfLast(inspectionId, state, RecordState.APPLICANT).compose(x -> trail.append(inspectionId,
              EventType.RECORD_REFUSED, actor, new JsonObject()
              .put("party", RecordState.APPLICANT).put("name", state.applicantName()).put("reason", why)))
          .onSuccess(e -> log.info("inspection {}: the applicant refused to sign the record", inspectionId))
          .compose(e -> afterSignature(inspectionId));
    }));
  }

  /** Before the signature (or refusal) that completes the record: finalising it is owed from then on. */
  private Future<Void> expectIfLast(String inspectionId, RecordState state, String party) {
    String other = RecordState.APPLICANT.equals(party) ? RecordState.INSPECTOR : RecordState.APPLICANT;
    return state.done(other) ? expect(inspectionId) : Future.succeededFuture();
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

  /**
   * Renders (and when {@code finalise}, PDF-signs) the record from {@code events}, then puts it on the trail under
   * its fixed event id. The file is named after the head it was made from and never overwritten: one already there
   * (a run that stopped before its event, or another node at the same head) holds the same trail, and is used as it
   * is. When the trail already holds the event (another node was first), this run's own file is removed.
   */
  private Future<RecordState> render(String inspectionId, List<TrailEvent> events, boolean finalise) {
    TrailEvent head = events.get(events.size() - 1);
    String file = "inspections/" + inspectionId + "/record/record-" + head.seq() + (finalise ? "-final" : "") + ".pdf";
    String stage = finalise ? "finalised" : "rendered";
    return hold.transform(x -> vertx.executeBlocking(() -> {
      Path target = files.resolve(file);
      if (!Files.exists(target)) {
        RecordContent content = RecordContent.from(events, verifyUrl.apply(inspectionId));
        RecordPdf.Rendered rendered = pdf.render(content);
        byte[] bytes = finalise ? PdfSigning.sign(rendered.pdf(), certificate(), "勘验笔录定稿 " + content.caseNumber(),
            clock.instant()) : rendered.pdf();
        if (files.writeOnce(file, bytes)) {
          return payload(file, bytes, rendered.pages());
        }
      }
      byte[] existing = Files.readAllBytes(target);
      log.info("inspection {}: record file {} was already written; it is put on the trail as it is", inspectionId,
          file);
      try (PDDocument doc = Loader.loadPDF(existing)) {
        return payload(file, existing, doc.getNumberOfPages());
      }
    }, false)).compose(
        payload -> trail.append(finalise ? FINALISED_ID : RENDERED_ID, inspectionId,
                finalise ? EventType.RECORD_FINALISED : EventType.RECORD_RENDERED, "system", payload)
            .compose(e -> file.equals(e.payloadJson().getString("file")) ? Future.succeededFuture()
                : dropOwn(inspectionId, file, e))
            .compose(e -> state(inspectionId))
            .compose(s -> settle(inspectionId, s))
            .onSuccess(s -> log.info("inspection {}: record {} ({} pages)", inspectionId, stage,
                payload.getInteger("pages"))),
        err -> {
          log.error("inspection {}: the record could not be {}: {}", inspectionId, stage, err.toString(), err);
          String message = err.getMessage() == null ? err.getClass().getSimpleName() : err.getMessage();
          return trail.append(inspectionId, EventType.RECORD_FAILED, "system", new JsonObject()
                  .put("stage", finalise ? "finalise" : "render").put("error", message))
              .compose(e -> state(inspectionId)).compose(s -> settle(inspectionId, s))
              .compose(s -> Future.failedFuture(new RecordException(RecordException.Code.RENDER_FAILED,
                  "the record could not be " + stage + " (" + message + "); it is noted on the trail: retry it")));
        });
  }

  private static JsonObject payload(String file, byte[] bytes, int pages) {
    return new JsonObject().put("file", file).put("sha256", Sha256.of(bytes)).put("pages", pages);
  }

  /** Another node put the step on the trail first, naming its own file: this run's file is named by nothing. */
  private Future<Void> dropOwn(String inspectionId, String file, TrailEvent stored) {
    log.info("inspection {}: {} was already on the trail (seq {}); {} is not needed", inspectionId,
        stored.type().code(), stored.seq(), file);
    return vertx.executeBlocking(() -> Files.deleteIfExists(files.resolve(file)), false).mapEmpty();
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

  /**
   * Runs {@code step} after every earlier step of the same inspection has finished, on the caller's event loop (a
   * signature and a retry may come in on different loops), answering there.
   */
  private <T> Future<T> serial(String inspectionId, Supplier<Future<T>> step) {
    return queue.run(inspectionId, step);
  }
}
