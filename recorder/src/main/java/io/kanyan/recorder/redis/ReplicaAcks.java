package io.kanyan.recorder.redis;

import java.time.Duration;

/**
 * How many replicas must hold a write before it is acknowledged ({@code KANYAN_REDIS_REPLICA_ACKS}) and how long
 * the primary waits for them ({@code KANYAN_REDIS_ACK_TIMEOUT_MS}). Writes that are acknowledged this way run as
 * one batch with Redis's {@code WAIT} on the same server connection (see {@link RedisStore#acknowledged}).
 *
 * @param replicas 0 (the default: a single Redis, as the embedded one) or the replicas that must have the write
 * @param timeout  how long {@code WAIT} blocks for them before the write counts as not acknowledged
 */
public record ReplicaAcks(int replicas, Duration timeout) {

  /** No replica acknowledgement: a single Redis. */
  public static final ReplicaAcks NONE = new ReplicaAcks(0, Duration.ofSeconds(1));

  public ReplicaAcks {
    if (replicas < 0) {
      throw new IllegalArgumentException("KANYAN_REDIS_REPLICA_ACKS must be 0 or more, not " + replicas);
    }
    if (timeout == null || timeout.isNegative() || timeout.isZero()) {
      // WAIT with timeout 0 blocks forever: never allowed.
      throw new IllegalArgumentException("KANYAN_REDIS_ACK_TIMEOUT_MS must be above zero");
    }
  }

  /** True when writes wait for replicas. */
  public boolean required() {
    return replicas > 0;
  }
}
