package io.kanyan.recorder.redis;

/**
 * A write reached the Redis primary but fewer replicas than required confirmed it within the acknowledgement
 * timeout, so it is not acknowledged: the primary may still lose it in a failover. It is a kind of
 * {@link RedisUnavailableException}: the caller may retry with the same idempotency key, and the retry neither
 * duplicates the write nor loses it.
 */
public final class NotReplicatedException extends RedisUnavailableException {

  private final int acknowledged;
  private final int required;

  public NotReplicatedException(int acknowledged, int required, long timeoutMs) {
    super("the trail store (Redis) could not confirm the write on enough replicas: " + acknowledged + " of "
        + required + " acknowledged within " + timeoutMs + " ms (is a replica down or lagging? see "
        + "KANYAN_REDIS_REPLICA_ACKS); nothing is acknowledged, retry later", null);
    this.acknowledged = acknowledged;
    this.required = required;
  }

  public int acknowledged() {
    return acknowledged;
  }

  public int required() {
    return required;
  }
}
