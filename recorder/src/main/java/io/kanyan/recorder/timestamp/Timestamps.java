package io.kanyan.recorder.timestamp;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * RFC 3161 timestamps of signed tree heads: each new tree head is sent to the configured TSA, and the token,
 * once it verifies, is kept beside the tree heads as {@code <dir>/<tree size>.tsr} (DER). The stamped bytes are
 * the signed note as the log signed it (checkpoint text, blank line, the log's own signature line), before any
 * witness cosignature is added.
 *
 * <p>A TSA that fails or cannot be reached never holds up the checkpoint job: {@link #stamp} returns at once;
 * each tree head is tried {@code attempts} times with a doubling pause, every failed try is logged, and a tree
 * head still unstamped after that is logged as an error, counted in {@link #status()} and tried again with the
 * next tree head.
 */
public final class Timestamps {

  private static final Logger log = LoggerFactory.getLogger(Timestamps.class);

  private final Vertx vertx;
  private final TsaSettings settings;
  private final TsaClient client;
  private final TimestampVerifier verifier;
  private final Path dir;
  /** Tree heads whose tries all failed, by tree size: tried again with the next one. */
  private final Map<Long, byte[]> unstamped = new ConcurrentHashMap<>();
  private final Map<Long, Future<Instant>> inFlight = new ConcurrentHashMap<>();
  private final AtomicLong failedTries = new AtomicLong();
  private final AtomicLong stamped = new AtomicLong();
  private final AtomicReference<String> lastError = new AtomicReference<>();
  /** Told of every tree size whose token was stored (the writer shares it with the other nodes). */
  private volatile java.util.function.LongConsumer onStored = size -> { };

  /** What an operator (and the health endpoint) sees. */
  public record Status(String tsa, long stamped, long failedTries, int unstamped, String lastError) {
  }

  private Timestamps(Vertx vertx, TsaSettings settings, TimestampVerifier verifier, Path dir) {
    this.vertx = vertx;
    this.settings = settings;
    this.client = new TsaClient(vertx, settings);
    this.verifier = verifier;
    this.dir = dir;
  }

  /** Reads the trust anchors and makes the token directory. */
  public static Future<Timestamps> open(Vertx vertx, TsaSettings settings, Path dir) {
    return vertx.executeBlocking(() -> {
      TimestampVerifier verifier = TimestampVerifier.fromPem(settings.trustAnchors());
      Files.createDirectories(dir);
      log.info("timestamps: every tree head stamped by {} ({})", settings.url(), verifier);
      return new Timestamps(vertx, settings, verifier, dir);
    }, false);
  }

  /**
   * Stamps a new tree head in the background, and again tries those whose stamping failed before. Never fails
   * and never waits: the outcome is logged and in {@link #status()}.
   */
  public void stamp(long treeSize, byte[] signedTreeHead) {
    unstamped.forEach((size, bytes) -> {
      unstamped.remove(size);
      stampNow(size, bytes);
    });
    stampNow(treeSize, signedTreeHead);
  }

  /**
   * Stamps one tree head: succeeds with the stamped time once the token is verified and stored; fails after
   * the last try (the tree head is then kept for a later try).
   */
  public Future<Instant> stampNow(long treeSize, byte[] signedTreeHead) {
    byte[] bytes = signedTreeHead.clone();
    return inFlight.computeIfAbsent(treeSize, size -> {
      Promise<Instant> done = Promise.promise();
      attempt(size, bytes, 1, settings.retryDelay(), done);
      return done.future().andThen(outcome -> inFlight.remove(size));
    });
  }

  private void attempt(long size, byte[] bytes, int attempt, Duration pause, Promise<Instant> done) {
    client.stamp(bytes)
        .compose(token -> vertx.executeBlocking(() -> store(size, bytes, token), false))
        .onSuccess(time -> {
          stamped.incrementAndGet();
          onStored.accept(size);
          log.info("timestamps: tree head {} stamped at {} by {}", size, time, settings.url());
          done.complete(time);
        })
        .onFailure(err -> {
          failedTries.incrementAndGet();
          lastError.set("tree head " + size + ": " + err.getMessage());
          if (attempt >= settings.attempts()) {
            unstamped.put(size, bytes);
            log.error("timestamps: tree head {} is NOT stamped after {} tries ({}); trying again with the next "
                + "tree head", size, attempt, err.getMessage());
            done.fail(err);
            return;
          }
          log.warn("timestamps: try {} of {} for tree head {} failed: {}; again in {} s", attempt,
              settings.attempts(), size, err.getMessage(), pause.toSeconds());
          vertx.setTimer(Math.max(1, pause.toMillis()),
              id -> attempt(size, bytes, attempt + 1, pause.multipliedBy(2), done));
        });
  }

  /** Calls {@code listener} with the tree size of every token stored from now on. */
  public void onStored(java.util.function.LongConsumer listener) {
    this.onStored = listener;
  }

  /**
   * Keeps a token another node obtained for the tree head {@code signedTreeHead} of that size, once it verifies
   * (imprint, signature, chain to the trust anchors) like one this node obtained. Blocking.
   */
  public Instant keep(long treeSize, byte[] signedTreeHead, byte[] token) throws IOException {
    return store(treeSize, signedTreeHead, token);
  }

  /** Verifies the token, then writes it (fsynced, renamed into place). Blocking. */
  private Instant store(long size, byte[] stampedBytes, byte[] token) throws IOException {
    Instant time = verifier.verify(token, stampedBytes).time();
    Path tmp = dir.resolve(size + ".tsr.tmp");
    Files.write(tmp, token);
    try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      channel.force(true);
    }
    Files.move(tmp, file(size), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    return time;
  }

  /** The stored token of a tree head, if it was stamped. Blocking. */
  public Optional<byte[]> token(long treeSize) {
    Path file = file(treeSize);
    try {
      return Files.exists(file) ? Optional.of(Files.readAllBytes(file)) : Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the timestamp " + file, e);
    }
  }

  public Path file(long treeSize) {
    return dir.resolve(treeSize + ".tsr");
  }

  public TimestampVerifier verifier() {
    return verifier;
  }

  public Status status() {
    return new Status(settings.url().toString(), stamped.get(), failedTries.get(), unstamped.size(),
        lastError.get());
  }

  public Future<Void> close() {
    return client.close();
  }
}
