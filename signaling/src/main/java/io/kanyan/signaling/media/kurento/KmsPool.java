package io.kanyan.signaling.media.kurento;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The configured media servers ({@code KMS_URL}, comma-separated): one kurento-client each. A new call goes to
 * the live member with the fewest of this server's pipelines; members that are down, unreachable or slow to
 * answer are skipped. Each member is cleaned of this server's stale pipelines when it (re)connects, before it
 * takes calls.
 */
public final class KmsPool {

  private static final Logger log = LoggerFactory.getLogger(KmsPool.class);

  private final Context context;
  private final List<KmsMember> members = new ArrayList<>();

  /** Builds one member per {@code KMS_URL} entry; nothing connects before {@link #start()}. */
  public KmsPool(Vertx vertx, KurentoSettings settings) {
    this.context = vertx.getOrCreateContext();
    List<String> urls = settings.kmsUrls();
    for (int i = 0; i < urls.size(); i++) {
      members.add(new KmsMember(vertx, context, settings, urls.get(i), i, this::cleanAndOpen));
    }
  }

  /**
   * Connects every member at once, each bounded by the connect timeout. Succeeds even if none is reachable
   * (they are retried in the background; calls fail with "no media server" until one is live).
   */
  public Future<Void> start() {
    return onPoolContext(this::connectAll)
        .onSuccess(v -> log.info("kms pool: {} of {} media server(s) reachable", liveCount(), members.size()));
  }

  private Future<Void> connectAll() {
    return Future.join(members.stream().map(KmsMember::connect).toList()).otherwiseEmpty().mapEmpty();
  }

  /** Runs {@code work} on the pool's context, which owns the members' state. */
  private Future<Void> onPoolContext(java.util.function.Supplier<Future<Void>> work) {
    io.vertx.core.Promise<Void> promise = io.vertx.core.Promise.promise();
    context.runOnContext(v -> work.get().onComplete(promise));
    return promise.future();
  }

  private Future<Void> cleanAndOpen(KmsMember member) {
    return member.releaseStale()
        .onFailure(e -> log.warn("kms {}: clean-up of stale pipelines failed: {}", member.url(), e.getMessage()))
        .transform(ar -> {
          member.markLive();
          return Future.succeededFuture();
        });
  }

  /** The live member with the fewest pipelines of this server, or empty if none is live. */
  Optional<KmsMember> choose() {
    return members.stream().filter(KmsMember::isLive).min(Comparator.comparingInt(KmsMember::load));
  }

  /** Like {@link #choose()}, but fails with an actionable message if no media server is live. */
  KmsMember chooseOrFail() {
    return choose().orElseThrow(() -> new KmsException("no Kurento Media Server is reachable (tried "
        + members.stream().map(KmsMember::url).toList() + "); check KMS_URL and that the media server is running"));
  }

  /** The member configured with {@code url}, if any (a takeover adopts a pipeline on the lost owner's media server). */
  Optional<KmsMember> member(String url) {
    return members.stream().filter(m -> m.url().equals(url)).findFirst();
  }

  /** How many media servers are connected, cleaned up and taking calls. */
  public int liveCount() {
    return (int) members.stream().filter(KmsMember::isLive).count();
  }

  List<KmsMember> members() {
    return members;
  }

  /** Closes every member's client (pipelines left open are released at the next start-up clean-up). */
  public Future<Void> close() {
    return onPoolContext(() -> Future.join(members.stream().map(KmsMember::close).toList()).otherwiseEmpty().mapEmpty());
  }
}
