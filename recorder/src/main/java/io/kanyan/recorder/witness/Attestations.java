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
