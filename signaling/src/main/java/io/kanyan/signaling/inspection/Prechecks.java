package io.kanyan.signaling.inspection;

import io.kanyan.recorder.redis.RedisStore;
import io.kanyan.recorder.trail.EventType;
import io.kanyan.recorder.trail.Trail;
import io.lettuce.core.SetArgs;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * The applicant's pre-call check (camera, microphone, location, network) on the trail: one {@code precheck.done}
 * event per inspection and outcome, so the first passed check (and the first failed one before it, if any) is
 * recorded and a page that checks again and again cannot flood a trail kept for ever.
 *
 * <p>Keys: {@code kanyan:precheck:<id>:passed}, {@code kanyan:precheck:<id>:failed} (set once, with no expiry:
 * two one-byte keys per inspection, so a result is never recorded twice).
 */
public final class Prechecks {

  private final RedisStore redis;
  private final Trail trail;

  public Prechecks(RedisStore redis, Trail trail) {
    this.redis = redis;
    this.trail = trail;
  }

  /** @return whether this result was put on the trail (false: one with the same outcome already is) */
  public Future<Boolean> done(String inspectionId, JsonObject result) {
    String key = "kanyan:precheck:" + inspectionId + ":" + (result.getBoolean("passed") ? "passed" : "failed");
    return redis.call(c -> c.set(key, "1", SetArgs.Builder.nx()))
        .compose(set -> !"OK".equals(set) ? Future.succeededFuture(false)
            : trail.append(inspectionId, EventType.PRECHECK_DONE, "applicant", result).map(true));
  }
}
