package io.kanyan.recorder.witness;

import io.kanyan.recorder.log.SignedTreeHead;
import io.kanyan.recorder.log.note.SignedNote;
import io.kanyan.recorder.timestamp.Timestamps;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What parties outside the server say about each new signed tree head: the configured witnesses' cosignatures
 * (kept as the cosigned note, {@code <dir>/<tree size>.cosigned}) and the RFC 3161 timestamp (kept by
 * {@link Timestamps}). Both run after the tree head is committed and never hold up or fail the checkpoint job;
 * their failures are logged and reported in their status.
 */
public final class Attestations {

  private static final Logger log = LoggerFactory.getLogger(Attestations.class);

  private final Vertx vertx;
  private final Witnesses witnesses;
  private final Optional<Timestamps> timestamps;
  private final Path dir;
  private volatile Future<SignedNote> last = Future.succeededFuture();
  /**
   * Where the writer shares the latest cosigned tree head and timestamp token with the other nodes (Redis, fenced
   * by its lease), and where they fetch them: {@code kind} is {@code cosigned} (the note) or {@code tsr} (base64).
   */
  public interface Shared {
    /** Publishes the latest attestation of a kind; never fails (a refusal is logged). */
    Future<Void> publish(String kind, long treeSize, String content);

    /** The latest attestation of a kind, if it is that tree size's. */
    Future<Optional<String>> fetch(String kind, long treeSize);
  }

  private volatile Shared shared = new Shared() {
    @Override
    public Future<Void> publish(String kind, long treeSize, String content) {
      return Future.succeededFuture();
    }

    @Override
    public Future<Optional<String>> fetch(String kind, long treeSize) {
      return Future.succeededFuture(Optional.empty());
    }
  };
  /** Whether this node may talk to witnesses and the TSA now: it holds the checkpoint writer's lease. */
  private volatile Supplier<Future<Boolean>> fence = () -> Future.succeededFuture(true);

  public Attestations(Vertx vertx, Witnesses witnesses, Optional<Timestamps> timestamps, Path dir) {
    this.vertx = vertx;
    this.witnesses = witnesses;
    this.timestamps = timestamps;
    this.dir = dir;
  }

  /** Neither witnesses nor a TSA. */
  public static Attestations none(Vertx vertx, Path dir) {
    return new Attestations(vertx, new Witnesses(vertx, java.util.List.of(), 0), Optional.empty(), dir);
  }

  /**
   * Only while {@code fence} answers true (checked before each submission and stamping): the checkpoint writer
   * whose lease is current. A writer paused past its lease submits nothing when it wakes up.
   */
  public void fencedBy(Supplier<Future<Boolean>> fence) {
    this.fence = fence;
  }

  /** Shares what this node collects as the writer, and fetches what the writer collected ({@link #copyShared}). */
  public void sharedThrough(Shared shared) {
    this.shared = shared;
    timestamps.ifPresent(t -> t.onStored(size -> vertx.executeBlocking(() -> t.token(size), false)
        .compose(token -> token.map(bytes -> shared.publish("tsr", size, java.util.Base64.getEncoder()
            .encodeToString(bytes))).orElse(Future.succeededFuture()))
        .onFailure(err -> log.warn("timestamps: token of tree head {} not shared: {}", size, err.toString()))));
  }

  /**
   * Copies the writer's cosigned tree head and timestamp token of {@code sth} into this node's attestations when it
   * lacks them (a node that is not the writer): the note only when its text is exactly the tree head's, the token
   * only when it verifies against it. Never fails.
   */
  public Future<Void> copyShared(SignedTreeHead sth) {
    long size = sth.treeSize();
    Future<Void> cosigned = witnesses.isEmpty() ? Future.succeededFuture()
        : vertx.executeBlocking(() -> Files.exists(dir.resolve(size + ".cosigned")), false)
            .compose(have -> have ? Future.succeededFuture(Optional.<String>empty()) : shared.fetch("cosigned", size))
            .compose(note -> note.map(text -> vertx.executeBlocking(() -> {
              SignedNote parsed = SignedNote.parse(text);
              if (parsed.text().equals(sth.note().text())) {
                store(size, parsed);
              }
              return (Void) null;
            }, false)).orElse(Future.succeededFuture()));
    Future<Void> token = timestamps.map(t -> vertx.executeBlocking(() -> Files.exists(t.file(size)), false)
            .compose(have -> have ? Future.succeededFuture(Optional.<String>empty()) : shared.fetch("tsr", size))
            .compose(base64 -> base64.map(b -> vertx.executeBlocking(() -> {
              t.keep(size, sth.format().getBytes(StandardCharsets.UTF_8), java.util.Base64.getDecoder().decode(b));
              return (Void) null;
            }, false)).orElse(Future.succeededFuture())))
        .orElse(Future.succeededFuture());
    return Future.join(cosigned, token).<Void>mapEmpty().recover(err -> {
      log.warn("attestations: the writer's attestations of tree head {} not copied: {}", size, err.toString());
      return Future.succeededFuture();
    });
  }

  /**
   * Has the tree head stamped and cosigned, in the background, when the {@link #fencedBy fence} allows it. The
   * returned future (for tests) completes when the cosignatures are stored; it never fails.
   */
  public Future<SignedNote> attest(SignedTreeHead sth, Witnesses.Proofs proofs) {
    if (witnesses.isEmpty() && timestamps.isEmpty()) {
      return Future.succeededFuture(sth.note());
    }
    Future<Boolean> allowed = fence.get().otherwise(false);
    last = allowed.compose(writer -> {
      if (!writer) {
        log.warn("witnesses: tree head {} is not submitted: this node's checkpoint writer lease is stale",
            sth.treeSize());
        return Future.succeededFuture(sth.note());
      }
      timestamps.ifPresent(t -> t.stamp(sth.treeSize(), sth.format().getBytes(StandardCharsets.UTF_8)));
      if (witnesses.isEmpty()) {
        return Future.succeededFuture(sth.note());
      }
      return witnesses.cosign(sth.note(), sth.treeSize(), proofs)
          .compose(cosigned -> vertx.executeBlocking(() -> store(sth.treeSize(), cosigned), false))
          .compose(cosigned -> shared.publish("cosigned", sth.treeSize(), cosigned.format()).map(cosigned))
          .recover(err -> {
            log.error("witnesses: cosignatures of tree head {} not stored: {}", sth.treeSize(), err.getMessage());
            return Future.succeededFuture(sth.note());
          });
    });
    return last;
  }

  /** The cosigning of the latest tree head handed over (tests wait on it); never fails. */
  public Future<SignedNote> lastCosigning() {
    return last;
  }

  private SignedNote store(long size, SignedNote cosigned) throws IOException {
    Files.createDirectories(dir);
    Path tmp = dir.resolve(size + ".cosigned.tmp");
    Files.writeString(tmp, cosigned.format(), StandardCharsets.UTF_8);
    Files.move(tmp, dir.resolve(size + ".cosigned"), StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
    return cosigned;
  }

  /** The tree head of that size with its witnesses' cosignatures, if any were collected. Blocking. */
  public Optional<SignedNote> cosigned(long treeSize) {
    Path file = dir.resolve(treeSize + ".cosigned");
    try {
      return Files.exists(file) ? Optional.of(SignedNote.parse(Files.readString(file, StandardCharsets.UTF_8)))
          : Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  /**
   * Waits up to {@code wait} for the tree head's RFC 3161 token (asking the TSA when it has none yet); never
   * fails: without a token the caller goes on.
   */
  public Future<Void> awaitTimestamp(SignedTreeHead sth, java.time.Duration wait) {
    if (timestamps.isEmpty()) {
      return Future.succeededFuture();
    }
    Timestamps t = timestamps.get();
    // Only the checkpoint writer asks the TSA; another node uses the token when it has one.
    return vertx.executeBlocking(() -> Files.exists(t.file(sth.treeSize())), false)
        .compose(stamped -> stamped ? Future.succeededFuture(false) : fence.get())
        .compose(ask -> !ask ? Future.<Void>succeededFuture()
            : t.stampNow(sth.treeSize(), sth.format().getBytes(StandardCharsets.UTF_8))
                .timeout(wait.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS).<Void>mapEmpty())
        .otherwiseEmpty();
  }

  /** The file of the tree head's RFC 3161 token, if it was stamped. Blocking. */
  public Optional<Path> timestampFile(long treeSize) {
    return timestamps.map(t -> t.file(treeSize)).filter(Files::exists);
  }

  /** The RFC 3161 token of the tree head of that size, if stamped. Blocking. */
  public Optional<byte[]> timestamp(long treeSize) {
    return timestamps.flatMap(t -> t.token(treeSize));
  }

  public WitnessPolicy policy() {
    return witnesses.policy();
  }

  public Witnesses witnesses() {
    return witnesses;
  }

  public Optional<Timestamps> timestamps() {
    return timestamps;
  }

  public Future<Void> close() {
    Future<Void> closed = witnesses.close();
    return timestamps.map(t -> closed.compose(x -> t.close())).orElse(closed);
  }
}
