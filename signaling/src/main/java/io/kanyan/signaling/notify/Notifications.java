package io.kanyan.signaling.notify;

import io.kanyan.recorder.trail.EventType;
import io.kanyan.recorder.trail.Trail;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers notices through every configured {@link Notifier} that can reach the recipient, each with its own
 * retries ({@code attempts}, waiting {@code backoff}, doubled after each failure). Every delivery
 * ({@code notification.sent}) and every failed try ({@code notification.failed}) goes on the inspection's trail,
 * with the recipient masked. {@link #send} never fails, and callers do not wait for it: a gateway or mail
 * server that is down never holds up creating or running an inspection.
 */
public final class Notifications {

  private static final Logger log = LoggerFactory.getLogger(Notifications.class);

  private final Vertx vertx;
  private final List<Notifier> notifiers;
  private final Trail trail;
  private final int attempts;
  private final long backoffMs;

  public Notifications(Vertx vertx, List<Notifier> notifiers, Trail trail, int attempts, long backoffMs) {
    this.vertx = vertx;
    this.notifiers = List.copyOf(notifiers);
    this.trail = trail;
    this.attempts = attempts;
    this.backoffMs = backoffMs;
  }

  /**
   * Sends {@code notice} on every channel that reaches its recipient. Completes when each channel delivered or
   * gave up (tests wait on it; the server does not); never fails.
   */
  public Future<Void> send(Notice notice) {
    List<Future<Void>> all = new ArrayList<>();
    for (Notifier n : notifiers) {
      String to = n.recipient(notice);
      if (to != null) {
        all.add(attempt(n, notice, to, 1));
      }
    }
    if (all.isEmpty()) {
      log.info("inspection {}: {} notice not sent: no configured channel reaches the applicant", notice.inspectionId(),
          notice.kind().wire());
      return record(notice, EventType.NOTIFICATION_FAILED, new JsonObject().put("channel", "none")
          .put("attempt", 0).put("final", true).put("error", "no configured channel reaches the applicant"));
    }
    return Future.join(all).mapEmpty();
  }

  private Future<Void> attempt(Notifier n, Notice notice, String to, int attempt) {
    Future<Void> tried;
    try {
      tried = n.send(notice);
    } catch (RuntimeException e) {
      tried = Future.failedFuture(e);
    }
    return tried.transform(ar -> {
      JsonObject facts = new JsonObject().put("channel", n.channel()).put("to", to).put("attempt", attempt)
          .put("notice", notice.id());
      if (ar.succeeded()) {
        log.info("inspection {}: {} notice delivered by {} to {} (try {})", notice.inspectionId(),
            notice.kind().wire(), n.channel(), to, attempt);
        return record(notice, EventType.NOTIFICATION_SENT, facts);
      }
      boolean last = attempt >= attempts;
      String error = Masks.scrub(String.valueOf(ar.cause().getMessage()));
      log.warn("inspection {}: {} notice by {} to {} failed (try {} of {}): {}", notice.inspectionId(),
          notice.kind().wire(), n.channel(), to, attempt, attempts, error);
      Future<Void> recorded = record(notice, EventType.NOTIFICATION_FAILED, facts.put("final", last).put("error", error));
      if (last) {
        return recorded;
      }
      long wait = backoffMs << Math.min(attempt - 1, 16);
      return recorded.compose(x -> vertx.timer(Math.max(1, wait))).compose(x -> attempt(n, notice, to, attempt + 1));
    });
  }

  private Future<Void> record(Notice notice, EventType type, JsonObject facts) {
    return trail.append(notice.inspectionId(), type, "system", facts.put("kind", notice.kind().wire()))
        .<Void>mapEmpty()
        .recover(err -> {
          log.error("inspection {}: {} not on the trail: {}", notice.inspectionId(), type.code(), err.getMessage());
          return Future.succeededFuture();
        });
  }
}
