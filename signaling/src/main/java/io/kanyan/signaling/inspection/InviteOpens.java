package io.kanyan.signaling.inspection;

import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.trail.EventType;
import io.kanyan.recorder.trail.Trail;
import io.lettuce.core.SetArgs;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Duration;

/**
 * Puts the applicant opening their invite on the trail at most once a minute per inspection, so that a page
 * reloaded in a loop (or a script) cannot flood a trail that is kept for ever. Every open is counted; the
 * {@code invite.opened} event carries {@code count}: the opens it stands for (itself and those of the quiet
 * minute before it that were not recorded separately).
 *
 * <p>Keys: {@code kanyan:invite-opens:<id>} (opens not yet on the trail), {@code kanyan:invite-opened-quiet:<id>}
 * (set for a minute after each recorded event).
 */
final class InviteOpens {

  static final Duration QUIET = Duration.ofMinutes(1);

  private final RedisStore redis;
  private final Trail trail;

  InviteOpens(RedisStore redis, Trail trail) {
    this.redis = redis;
    this.trail = trail;
  }

  Future<Void> opened(String inspectionId) {
    String pending = "kanyan:invite-opens:" + inspectionId;
    String quiet = "kanyan:invite-opened-quiet:" + inspectionId;
    return redis.call(c -> {
      c.incr(pending);
      return c.set(quiet, "1", SetArgs.Builder.nx().px(QUIET.toMillis()));
    }).compose(set -> !"OK".equals(set)
        ? Future.succeededFuture()
        : redis.call(c -> c.getdel(pending)).compose(count -> trail.append(inspectionId, EventType.INVITE_OPENED,
            "applicant", new JsonObject().put("count", count == null ? 1 : Long.parseLong(count))).mapEmpty()));
  }
}
