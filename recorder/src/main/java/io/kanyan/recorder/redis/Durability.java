package io.kanyan.recorder.redis;

import io.vertx.core.Future;
import java.util.Map;

/**
 * The start-up check of the Redis the server is given: the trail is permanent, so Redis must persist
 * every write and must never evict a key.
 */
public final class Durability {

  private Durability() {
  }

  /** Why a Redis is refused; the message says how to fix the server's configuration. */
  public static final class NotDurableException extends RuntimeException {
    public NotDurableException(String message) {
      super(message);
    }
  }

  /**
   * Checks {@code appendonly} and {@code maxmemory-policy}.
   *
   * @param allowVolatile the development override: log-and-continue instead of failing
   * @return the problems found (empty when durable); failed with {@link NotDurableException} unless overridden
   */
  public static Future<String> check(RedisStore redis, boolean allowVolatile) {
    return Future.all(
            redis.call(c -> c.configGet("appendonly")),
            redis.call(c -> c.configGet("maxmemory-policy")))
        .compose(all -> {
          Map<String, String> aof = all.resultAt(0);
          Map<String, String> policy = all.resultAt(1);
          StringBuilder problems = new StringBuilder();
          if (!"yes".equalsIgnoreCase(aof.get("appendonly"))) {
            problems.append("persistence is off (appendonly is not 'yes'); ");
          }
          String eviction = policy.getOrDefault("maxmemory-policy", "");
          if (!"noeviction".equalsIgnoreCase(eviction)) {
            problems.append("maxmemory-policy is '").append(eviction)
                .append("', which may drop trail keys (set it to 'noeviction'); ");
          }
          if (problems.length() == 0 || allowVolatile) {
            return Future.succeededFuture(problems.toString());
          }
          return Future.failedFuture(new NotDurableException("refusing to start: this Redis would lose the trail: "
              + problems + "configure it as deploy/redis.conf does, or set KANYAN_ALLOW_VOLATILE_REDIS=true "
              + "for a throwaway development store"));
        });
  }
}
