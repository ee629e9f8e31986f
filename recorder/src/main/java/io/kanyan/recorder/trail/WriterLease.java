package io.kanyan.recorder.trail;

import io.kanyan.recorder.redis.LuaScript;
import io.kanyan.recorder.redis.RedisStore;
import io.lettuce.core.ScriptOutputType;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The lease that makes one node the checkpoint writer (see {@code recorder/TRAIL.md} 5.7). It is a Redis string,
 * {@value #KEY}, holding {@code <token> <node> <instance>} with a time to live: acquired with {@code SET NX PX}
 * by a Lua script that first takes a new <em>fencing token</em> from the counter {@value #FENCE} ({@code INCR}),
 * extended by a compare-and-extend script, deleted by a compare-and-delete script on a clean stop. Every holder
 * ever has a larger token than the one before it.
 *
 * <p>The lease alone is not what keeps the log from forking: a holder that was paused past its lease still
 * believes it holds it. What does is that every write that publishes (a log line into Redis's copy) runs in a
 * script that compares the lease's value with the writer's own first ({@code log_publish.lua}), in the same
 * atomic step as the write.
 */
public final class WriterLease {

  /** The lease: {@code <token> <node> <instance>}, with a time to live. */
  public static final String KEY = "kanyan:checkpoint:writer";
  /** The fencing counter: incremented for every new holder. */
  public static final String FENCE = "kanyan:checkpoint:fence";

  /** A lease this instance holds: its fencing token and the value it wrote. */
  public record Held(long token, String value) {
  }

  /** The outcome of an acquisition: held, or who holds it (their value, empty when no one). */
  public record Attempt(Optional<Held> held, String holder) {
  }

  private final RedisStore redis;
  private final String node;
  private final String instance = UUID.randomUUID().toString();
  private final Duration ttl;
  private final LuaScript acquire;
  private final LuaScript renew;
  private final LuaScript release;

  /**
   * @param node the node's name ({@code KANYAN_NODE_NAME}; no whitespace)
   * @param ttl  how long the lease lasts without a renewal
   */
  public WriterLease(RedisStore redis, String node, Duration ttl) {
    if (node.isBlank() || node.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException("a node name is one word without spaces: '" + node + "'");
    }
    this.redis = redis;
    this.node = node;
    this.ttl = ttl;
    this.acquire = new LuaScript(redis, WriterLease.class, "lease_acquire.lua");
    this.renew = new LuaScript(redis, WriterLease.class, "lease_renew.lua");
    this.release = new LuaScript(redis, WriterLease.class, "lease_release.lua");
  }

  /**
   * Takes the lease when no one holds it (or extends it when this instance does). With {@code takeOverOwnNode},
   * also when another instance of this same node name holds it: a node restarted within its old lease takes over
   * at once (the old instance is dead, and if it is not, its token is now stale).
   */
  public Future<Attempt> acquire(boolean takeOverOwnNode) {
    return acquire.<List<Object>>run(ScriptOutputType.MULTI, new String[] {KEY, FENCE},
            new String[] {node, instance, Long.toString(ttl.toMillis()), takeOverOwnNode ? "1" : "0"})
        .map(reply -> {
          long token = (Long) reply.get(0);
          String value = String.valueOf(reply.get(1));
          return token > 0 ? new Attempt(Optional.of(new Held(token, value)), value) : new Attempt(Optional.empty(), value);
        });
  }

  /** Extends the lease when it is still {@code held}'s: false when it expired or a newer token holds it. */
  public Future<Boolean> renew(Held held) {
    return renew.<Long>run(ScriptOutputType.INTEGER, new String[] {KEY},
        new String[] {held.value(), Long.toString(ttl.toMillis())}).map(n -> n == 1L);
  }

  /** Gives the lease up when it is still {@code held}'s (a clean stop): the next node need not wait for it to expire. */
  public Future<Boolean> release(Held held) {
    return release.<Long>run(ScriptOutputType.INTEGER, new String[] {KEY}, new String[] {held.value()})
        .map(n -> n == 1L);
  }

  /** Whether {@code held} is still the lease (read only: a check before talking to parties outside). */
  public Future<Boolean> isCurrent(Held held) {
    return redis.call(c -> c.get(KEY)).map(held.value()::equals);
  }

  /** The current holder's value, empty when no one holds the lease. */
  public Future<Optional<String>> holder() {
    return redis.call(c -> c.get(KEY)).map(Optional::ofNullable);
  }

  public String node() {
    return node;
  }

  public Duration ttl() {
    return ttl;
  }

  /** The node name of a lease value {@code <token> <node> <instance>}. */
  public static String nodeOf(String value) {
    String[] parts = value.split(" ");
    return parts.length == 3 ? parts[1] : value;
  }
}
